import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { AppError, notFound } from '../../lib/errors.ts';
import type { Vault } from '../../lib/vault.ts';
import { readSecrets, writeSecrets } from '../credentials.ts';
import { Integration, IntegrationLog } from '../entities/index.ts';
import { appendLog } from './integration-logs.repository.ts';

/**
 * A provider's webhook verification token that only an admin may confirm (Notion's handshake POSTs the future
 * signing key itself, unauthenticated: docs/security.md C.3). Both sides take the integration's row lock, the
 * one PATCH /integrations/:id takes (IntegrationRepository.update), as `secrets` is one JSON value.
 */
const PENDING = 'notionVerificationTokenPending';
/** At most one stored handshake per integration per this long; the rest are answered and dropped. */
export const HANDSHAKE_INTERVAL_MS = 60_000;

export type PendingOutcome = 'stored' | 'unchanged' | 'rate_limited' | 'gone';

/** Keeps `token` pending for the integration, with one log row; an unchanged or too frequent token writes nothing. */
export async function storePendingVerification(
  em: EntityManager,
  vault: Vault,
  input: { integrationId: string; tenantId: string; token: string; providerName: string; now?: number },
): Promise<PendingOutcome> {
  const now = input.now ?? Date.now();
  return em.fork().transactional(async (tem) => {
    const row = await tem.findOne(Integration, { id: input.integrationId, tenantId: input.tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (!row) return 'gone';
    const secrets = readSecrets(vault, row);
    if (secrets[PENDING] === input.token) return 'unchanged';
    // The last stored handshake is its log row (read under the lock, so concurrent handshakes see it).
    const recent = await tem.count(IntegrationLog, {
      tenantId: row.tenantId,
      integrationId: row.id,
      kind: 'webhook_handshake',
      createdAt: { $gt: new Date(now - HANDSHAKE_INTERVAL_MS) },
    });
    if (recent) return 'rate_limited';
    writeSecrets(vault, row, { ...secrets, [PENDING]: input.token });
    appendLog(tem, {
      tenantId: row.tenantId,
      integrationId: row.id,
      kind: 'webhook_handshake',
      level: 'warn',
      message: `${input.providerName} sent a verification token: reveal it once on the integration page (or POST …/webhook-verification), confirm it in ${input.providerName}, and set it as webhookSecret`,
    });
    return 'stored';
  });
}

/** Whether a verification token is waiting to be revealed. */
export function hasPendingVerification(secretNames: readonly string[]): boolean {
  return secretNames.includes(PENDING);
}

/** The pending token, removed in the same locked transaction: it is shown once. 404 when none is pending. */
export async function takePendingVerification(em: EntityManager, vault: Vault, tenantId: string, integrationId: string): Promise<string> {
  return em.fork().transactional(async (tem) => {
    const row = await tem.findOne(Integration, { id: integrationId, tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (!row) throw notFound('Integration');
    const { [PENDING]: token, ...rest } = readSecrets(vault, row);
    if (!token) throw new AppError(404, 'no_pending_verification', 'No webhook verification token is pending for this integration (it is shown once).');
    // Its log row stays: a new handshake within the interval is still dropped.
    writeSecrets(vault, row, rest);
    appendLog(tem, { tenantId, integrationId, kind: 'webhook_verification_revealed', message: 'The pending webhook verification token was revealed (once)' });
    return token;
  });
}
