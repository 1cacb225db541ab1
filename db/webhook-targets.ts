import type { MikroORM } from '@mikro-orm/postgresql';
import type { EventSubscriber, FilterQuery } from '@mikro-orm/core';
import type { Vault } from '../lib/vault.ts';
import { readSecrets, type IntegrationSecrets } from './credentials.ts';
import { Integration } from './entities/index.ts';

/** What the webhook endpoint needs of an integration: who it belongs to and what verifies its deliveries. */
export interface WebhookTarget {
  id: string;
  tenantId: string;
  provider: string;
  externalAccountId: string | null;
  externalInstallationId: string | null;
  /** The app it connected through (Slack app id, GitHub App id, else client id); null before it connected. */
  oauthAppId: string | null;
  /** The tenant brought its own OAuth app: its deliveries verify with its own secret, on its own URL only. */
  ownApp: boolean;
  settings: Record<string, unknown>;
  secrets: IntegrationSecrets;
}

/** Which integrations an app-level delivery is for: the provider's, connected through that app, on that account. */
export interface AppRoute {
  provider: string;
  /** The column the account id names (a Slack team, or a GitHub App installation). */
  accountKey: 'externalAccountId' | 'externalInstallationId';
  accountId: string;
  /** The app the verified delivery names, when it names one. */
  appId?: string;
}

/**
 * Webhook verification data per integration, kept for `ttlMs` so the ingest path does not read and
 * decrypt the row on every delivery (docs/architecture.md). Staleness is bounded three ways: every change this
 * process flushes to an integration drops its entry; an entry lives at most `ttlMs`; and the endpoint
 * re-reads the row before rejecting a delivery that failed verification against a cached entry, so a
 * secret set through another API process verifies at once. Unknown ids are never cached.
 */
export class WebhookTargetCache {
  readonly #orm: MikroORM;
  readonly #vault: Vault;
  readonly #ttlMs: number;
  readonly #entries = new Map<string, { at: number; value: Promise<WebhookTarget | undefined> }>();

  constructor(options: { orm: MikroORM; vault: Vault; ttlMs: number }) {
    this.#orm = options.orm;
    this.#vault = options.vault;
    this.#ttlMs = options.ttlMs;
    const drop = (entity: { id: string }) => this.invalidate(entity.id);
    const subscriber: EventSubscriber<Integration> = {
      getSubscribedEntities: () => [Integration],
      afterUpdate: ({ entity }) => drop(entity),
      afterDelete: ({ entity }) => drop(entity),
    };
    this.#orm.em.getEventManager().registerSubscriber(subscriber);
  }

  /** The integration `id` of `provider`; `fresh` skips the cache. Rejects when the database is unavailable. */
  async get(provider: string, id: string, options: { fresh?: boolean } = {}): Promise<WebhookTarget | undefined> {
    const target = await this.#get(id, options.fresh ?? false);
    return target?.provider === provider ? target : undefined;
  }

  #get(key: string, fresh: boolean): Promise<WebhookTarget | undefined> {
    const hit = this.#entries.get(key);
    if (hit && !fresh && Date.now() - hit.at < this.#ttlMs) return hit.value;
    const value = this.#load(key);
    if (this.#ttlMs > 0) {
      if (this.#entries.size > 50_000) this.#entries.clear(); // bounded: a flood of ids costs reads, not memory
      this.#entries.set(key, { at: Date.now(), value });
      // Failures and unknown ids are not remembered.
      value.then(
        (target) => target || this.#forget(key, value),
        () => this.#forget(key, value),
      );
    }
    return value;
  }

  /**
   * The integrations an app-level delivery routes to. The endpoint verified it with the operator app's secret,
   * so only integrations on the operator's app qualify (a tenant's own app has its own secret and its own
   * URL), and, when the delivery names its app, only those connected through that app (rows connected before
   * the app was recorded have none).
   */
  async byAppRoute(route: AppRoute): Promise<WebhookTarget[]> {
    const where: FilterQuery<Integration> = { provider: route.provider, [route.accountKey]: route.accountId };
    if (route.appId) where.$or = [{ oauthAppId: route.appId }, { oauthAppId: null }];
    const rows = await this.#orm.em.fork().find(Integration, where, { limit: 100 });
    return rows.map((row) => this.#toTarget(row)).filter((target) => !target.ownApp);
  }

  invalidate(id: string): void {
    this.#entries.delete(id);
  }

  #forget(key: string, value: Promise<WebhookTarget | undefined>): void {
    if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
  }

  async #load(id: string): Promise<WebhookTarget | undefined> {
    const row = await this.#orm.em.fork().findOne(Integration, { id });
    return row ? this.#toTarget(row) : undefined;
  }

  #toTarget(row: Integration): WebhookTarget {
    const secrets = readSecrets(this.#vault, row);
    return {
      id: row.id,
      tenantId: row.tenantId,
      provider: row.provider,
      externalAccountId: row.externalAccountId ?? null,
      externalInstallationId: row.externalInstallationId ?? null,
      oauthAppId: row.oauthAppId ?? null,
      // The same test as the OAuth client lookup (providers.clientCredentials): both halves set.
      ownApp: Boolean(secrets.clientId && secrets.clientSecret),
      settings: row.settings,
      secrets,
    };
  }
}
