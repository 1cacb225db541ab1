import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import type { Vault } from '../lib/vault.ts';
import { reencryptIntegration } from './credentials.ts';
import { CustomProvider, EventEndpoint, Integration, OAuthFlow, TenantEvent, UnroutedWebhookEvent, WebhookEvent } from './entities/index.ts';
import { reencryptEndpointSecrets, reencryptEventData } from './event-endpoint-secrets.ts';
import { reencryptEventPayload, reencryptUnroutedPayload } from './repositories/webhook-events.repository.ts';

export interface RotationReport {
  activeKid: string;
  reencrypted: Record<string, number>;
}

/**
 * Re-encrypts every stored ciphertext with the newest key, in small transactions that lock the rows
 * they rewrite, so it runs safely beside live refreshes (which write with the newest key anyway).
 */
export async function rotateKeys(
  em: EntityManager,
  vault: Vault,
  options: { batchSize?: number; onProgress?: (table: string, done: number) => void } = {},
): Promise<RotationReport> {
  const batchSize = options.batchSize ?? 200;
  const kid = vault.activeKid;
  const report: RotationReport = {
    activeKid: kid,
    reencrypted: { integration: 0, custom_provider: 0, oauth_flow: 0, webhook_event: 0, unrouted_webhook_event: 0, event_endpoint: 0, tenant_event: 0 },
  };

  const runBatches = async (table: keyof typeof report.reencrypted, batch: (tem: EntityManager) => Promise<number>) => {
    for (;;) {
      const n = await em.fork().transactional(batch);
      report.reencrypted[table]! += n;
      if (n) options.onProgress?.(table, report.reencrypted[table]!);
      if (n < batchSize) return;
    }
  };

  await runBatches('integration', async (tem) => {
    const rows = await tem.find(
      Integration,
      { keyId: { $ne: kid } },
      { limit: batchSize, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE, orderBy: { id: 'asc' } },
    );
    for (const row of rows) reencryptIntegration(vault, row);
    return rows.length;
  });
  await runBatches('custom_provider', async (tem) => {
    const rows = await tem.find(
      CustomProvider,
      { keyId: { $ne: kid } },
      { limit: batchSize, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE, orderBy: { id: 'asc' } },
    );
    for (const row of rows) {
      if (row.clientSecret)
        row.clientSecret = vault.reencrypt(row.clientSecret, { tenantId: row.tenantId, entity: 'custom_provider', id: row.id, field: 'clientSecret' });
      row.keyId = kid;
    }
    return rows.length;
  });
  await runBatches('oauth_flow', async (tem) => {
    const rows = await tem.find(OAuthFlow, { keyId: { $ne: kid } }, { limit: batchSize, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE, orderBy: { id: 'asc' } });
    for (const row of rows) {
      if (row.pkceVerifier)
        row.pkceVerifier = vault.reencrypt(row.pkceVerifier, { tenantId: row.tenantId, entity: 'oauth_flow', id: row.id, field: 'pkceVerifier' });
      row.keyId = kid;
    }
    return rows.length;
  });
  await runBatches('webhook_event', async (tem) => {
    // key_id null: rows stored before payloads were encrypted; rotation encrypts them too.
    const rows = await tem.find(
      WebhookEvent,
      { $or: [{ keyId: { $ne: kid } }, { keyId: null }] },
      { limit: batchSize, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE, orderBy: { id: 'asc' } },
    );
    for (const row of rows) reencryptEventPayload(vault, row);
    return rows.length;
  });
  await runBatches('unrouted_webhook_event', async (tem) => {
    const rows = await tem.find(
      UnroutedWebhookEvent,
      { keyId: { $ne: kid } },
      { limit: batchSize, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE, orderBy: { id: 'asc' } },
    );
    for (const row of rows) reencryptUnroutedPayload(vault, row);
    return rows.length;
  });
  await runBatches('event_endpoint', async (tem) => {
    const rows = await tem.find(
      EventEndpoint,
      { $or: [{ keyId: { $ne: kid } }, { keyId: null }] },
      { limit: batchSize, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE, orderBy: { id: 'asc' } },
    );
    for (const row of rows) reencryptEndpointSecrets(vault, row);
    return rows.length;
  });
  await runBatches('tenant_event', async (tem) => {
    const rows = await tem.find(
      TenantEvent,
      { $or: [{ keyId: { $ne: kid } }, { keyId: null }] },
      { limit: batchSize, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE, orderBy: { id: 'asc' } },
    );
    for (const row of rows) reencryptEventData(vault, row);
    return rows.length;
  });
  return report;
}
