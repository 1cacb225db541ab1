import { LockMode, UniqueConstraintViolationException, type EntityManager, type FilterQuery } from '@mikro-orm/postgresql';
import { conflict, notFound } from '../../lib/errors.ts';
import type { Vault } from '../../lib/vault.ts';
import { readSecrets, writeSecrets, type IntegrationSecrets } from '../credentials.ts';
import { keysetPage, type Page } from '../keyset.ts';
import { Integration, IntegrationLog, SyncRecord, WebhookEvent, type IntegrationStatus } from '../entities/index.ts';

const WEBHOOK_SECRET_OVERLAP_MS = 24 * 3600_000;

export interface IntegrationListQuery {
  status?: IntegrationStatus;
  provider?: string;
  /** Id of the last item of the previous page. */
  cursor?: string;
  limit: number;
}

/**
 * Tenant-scoped access to integrations: every query carries the tenant id, so another tenant's
 * integration is simply not found (404), never forbidden (docs/architecture.md).
 */
export class IntegrationRepository {
  readonly em: EntityManager;
  readonly tenantId: string;
  readonly vault: Vault;

  constructor(em: EntityManager, tenantId: string, vault: Vault) {
    this.em = em;
    this.tenantId = tenantId;
    this.vault = vault;
  }

  async list(query: IntegrationListQuery): Promise<Page<Integration>> {
    const where: FilterQuery<Integration> = { tenantId: this.tenantId };
    if (query.status) where.status = query.status;
    if (query.provider) where.provider = query.provider;
    return keysetPage(this.em, Integration, where, { cursor: query.cursor, limit: query.limit, order: 'asc' });
  }

  async get(id: string): Promise<Integration> {
    const integration = await this.em.findOne(Integration, { id, tenantId: this.tenantId });
    if (!integration) throw notFound('Integration');
    return integration;
  }

  async create(input: { provider: string; displayName?: string; settings?: Record<string, unknown>; secrets?: IntegrationSecrets }): Promise<Integration> {
    const integration = this.em.create(Integration, {
      tenantId: this.tenantId,
      provider: input.provider,
      displayName: input.displayName ?? null,
      settings: input.settings ?? {},
      status: 'pending',
    });
    integration.workflowId = `integration:${integration.id}`;
    if (input.secrets && Object.keys(input.secrets).length) writeSecrets(this.vault, integration, input.secrets);
    try {
      await this.em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        this.em.clear();
        throw conflict('integration_exists', `This tenant already has a ${input.provider} integration; update or delete it instead.`);
      }
      throw error;
    }
    return integration;
  }

  /**
   * Merges settings (null removes a key) and write-only secrets (null or '' removes a secret), read and
   * written under a row lock: `settings` and `secrets` are whole JSON values, and the workflow's
   * activities write `settings` too (push subscriptions, provider metadata); without the lock one writer
   * could put back what the other just replaced.
   */
  async update(
    id: string,
    patch: { displayName?: string | null; settings?: Record<string, unknown>; secrets?: Record<string, string | null> },
  ): Promise<Integration> {
    return this.em.transactional(async (tem) => {
      const integration = await tem.findOne(Integration, { id, tenantId: this.tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      if (!integration) throw notFound('Integration');
      if (patch.displayName !== undefined) integration.displayName = patch.displayName;
      if (patch.settings) integration.settings = mergeNullable(integration.settings, patch.settings);
      if (patch.secrets) {
        const current = readSecrets(this.vault, integration);
        const next = { ...patch.secrets };
        // Webhook secret rotation: the previous secret stays valid for a day (docs/security.md E.1 step 2).
        if (next.webhookSecret && current.webhookSecret && next.webhookSecret !== current.webhookSecret) {
          next.webhookSecretPrevious = current.webhookSecret;
          next.webhookSecretPreviousExpiresAt = new Date(Date.now() + WEBHOOK_SECRET_OVERLAP_MS).toISOString();
        }
        const merged = mergeNullable(current, next) as IntegrationSecrets;
        writeSecrets(this.vault, integration, Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== '')));
      }
      return integration;
    });
  }

  async delete(id: string): Promise<Integration> {
    const integration = await this.get(id);
    await this.em.transactional(async (tem) => {
      await tem.nativeDelete(IntegrationLog, { tenantId: this.tenantId, integrationId: id });
      await tem.nativeDelete(WebhookEvent, { tenantId: this.tenantId, integrationId: id });
      await tem.nativeDelete(SyncRecord, { tenantId: this.tenantId, integrationId: id });
      await tem.nativeDelete(Integration, { tenantId: this.tenantId, id });
    });
    return integration;
  }

  /**
   * The named secret, created with `make()` when missing — under a row lock, so concurrent callers agree on
   * one value (they would otherwise each write their own and sign with a secret already replaced).
   */
  async ensureSecret(id: string, name: string, make: () => string): Promise<string> {
    return this.em.fork().transactional(async (tem) => {
      const row = await tem.findOne(Integration, { id, tenantId: this.tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row) throw notFound('Integration');
      const secrets = readSecrets(this.vault, row);
      if (secrets[name]) return secrets[name];
      const value = make();
      writeSecrets(this.vault, row, { ...secrets, [name]: value });
      return value;
    });
  }

  /** When the newest open connect flow of each pending integration expires ("authorizing" until then). */
  async authorizationExpiries(integrations: Integration[]): Promise<Map<string, Date>> {
    const ids = integrations.filter((i) => i.status === 'pending').map((i) => i.id);
    if (!ids.length) return new Map();
    const rows = await this.em.getConnection().execute<{ integration_id: string; expires_at: Date }[]>(
      `select integration_id, max(expires_at) as expires_at from oauth_flow
        where tenant_id = ? and integration_id in (${ids.map(() => '?').join(',')}) and used_at is null and expires_at > now()
        group by integration_id`,
      [this.tenantId, ...ids],
    );
    return new Map(rows.map((r) => [r.integration_id, new Date(r.expires_at)]));
  }

  /** Names of the secrets set (never their values), for display. */
  secretNames(integration: Integration): string[] {
    return Object.keys(readSecrets(this.vault, integration)).sort();
  }
}

function mergeNullable(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}
