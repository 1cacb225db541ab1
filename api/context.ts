import type { RouterContext, RouterMiddleware } from '@koa/router';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Registry } from 'prom-client';
import type { Role } from '../db/entities/index.ts';
import { IntegrationRepository } from '../db/repositories/integrations.repository.ts';
import type { TokenCache } from '../db/token-cache.ts';
import type { Env } from '../lib/env.ts';
import { unauthorized } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { AppMetrics } from '../lib/metrics.ts';
import type { TemporalGateway } from '../lib/temporal.ts';
import type { Vault } from '../lib/vault.ts';
import type { ProviderRegistry } from '../db/repositories/providers.repository.ts';
import type { WebhookEventWriter } from '../db/webhook-event-writer.ts';
import type { WebhookTargetCache } from '../db/webhook-targets.ts';
import type { ApiKeyCache } from './middleware/api-key-auth.ts';
import type { Sandbox } from './sandbox/sandbox-server.ts';

/** Everything the API needs, built once per process in server.ts (or by a test). */
export interface AppDeps {
  env: Env;
  orm: MikroORM;
  vault: Vault;
  logger: Logger;
  registry: Registry;
  temporal: TemporalGateway;
  providers: ProviderRegistry;
  /** The webhook endpoint's durable write (group commit) and its verification-data cache. */
  webhookWriter: WebhookEventWriter;
  webhookTargets: WebhookTargetCache;
  /** Encrypted token rows of active integrations, for the token API (PLUGBOARD_TOKEN_CACHE_MS, NOTIFY-invalidated). */
  tokens: TokenCache;
  /** Valid API keys this process remembers (PLUGBOARD_API_KEY_CACHE_MS). */
  apiKeys: ApiKeyCache;
  /** The built-in sandbox authorization server, when enabled. */
  sandbox?: Sandbox;
}

/** Who makes a request (api/middleware/api-key-auth.ts): a person with a session, or an API key. */
export interface Actor {
  type: 'user' | 'api_key';
  id: string;
  /** The user's e-mail address or the key's name. */
  label: string;
}

export interface AppState {
  requestId: string;
  /** The tenant acted on; `apiKeyId` when an API key authenticated the request. */
  tenant?: { id: string; apiKeyId?: string };
  actor?: Actor;
  /** The actor's role in `tenant` (a full API key acts as admin, a read-only one as viewer; api/authorization.ts). */
  role?: Role;
  /** A user session's id, when one authenticated the request. */
  session?: { id: string; userId: string; expiresAt: Date };
  em: EntityManager;
}

export interface AppCustom {
  deps: AppDeps;
  metrics: AppMetrics;
}

export type AppContext = RouterContext<AppState, AppCustom>;
export type Handler = RouterMiddleware<AppState, AppCustom>;

/** The authenticated tenant's id; handlers behind apiKeyAuth only. */
export function tenantIdOf(ctx: AppContext): string {
  const tenant = ctx.state.tenant;
  if (!tenant) throw unauthorized();
  return tenant.id;
}

/** Tenant-scoped integration repository for this request. */
export function integrationsOf(ctx: AppContext): IntegrationRepository {
  return new IntegrationRepository(ctx.state.em, tenantIdOf(ctx), ctx.deps.vault);
}

export function ok(ctx: AppContext, data: unknown, status = 200): void {
  ctx.status = status;
  ctx.body = { data };
}
