import type { MikroORM } from '@mikro-orm/postgresql';
import { ProviderRegistry } from '../db/repositories/providers.repository.ts';
import type { Env } from '../lib/env.ts';
import type { Logger } from '../lib/logger.ts';
import { createMetricsRegistry } from '../lib/metrics.ts';
import { TemporalGateway } from '../lib/temporal.ts';
import type { Vault } from '../lib/vault.ts';
import { requireDatabaseUrl } from '../db/index.ts';
import { WebhookEventWriter } from '../db/webhook-event-writer.ts';
import { TokenCache } from '../db/token-cache.ts';
import { WebhookTargetCache } from '../db/webhook-targets.ts';
import type { AppDeps } from './context.ts';
import { ApiKeyCache } from './middleware/api-key-auth.ts';
import { createSandbox } from './sandbox/sandbox-server.ts';

/** Everything the API needs besides the database, built once per process (server, tests, benchmarks). */
export async function buildAppDeps(input: { env: Env; orm: MikroORM; vault: Vault; logger: Logger }): Promise<AppDeps> {
  const { env, vault } = input;
  // With PLUGBOARD_SANDBOX_URL the sandbox is its own process (api/sandbox/main.ts): one state for every API process.
  const sandbox =
    env.sandboxEnabled && !env.PLUGBOARD_SANDBOX_URL
      ? await createSandbox({
          publicUrl: env.PUBLIC_URL,
          vault,
          accessTokenTtlSeconds: env.PLUGBOARD_SANDBOX_ACCESS_TOKEN_TTL,
          refreshTokenTtlSeconds: env.PLUGBOARD_SANDBOX_REFRESH_TOKEN_TTL,
        })
      : undefined;
  return {
    ...input,
    sandbox,
    temporal: new TemporalGateway(env),
    registry: createMetricsRegistry(),
    providers: new ProviderRegistry({ publicUrl: env.PUBLIC_URL, sandboxEnabled: env.sandboxEnabled, vault, env: env.raw }),
    webhookWriter: new WebhookEventWriter({ databaseUrl: requireDatabaseUrl(env), vault, logger: input.logger }),
    webhookTargets: new WebhookTargetCache({ orm: input.orm, vault, ttlMs: env.PLUGBOARD_WEBHOOK_CACHE_MS }),
    tokens: new TokenCache({ orm: input.orm, databaseUrl: requireDatabaseUrl(env), logger: input.logger, ttlMs: env.PLUGBOARD_TOKEN_CACHE_MS }),
    apiKeys: new ApiKeyCache({ ttlMs: env.PLUGBOARD_API_KEY_CACHE_MS, databaseUrl: requireDatabaseUrl(env), logger: input.logger }),
  };
}

/** Releases what buildAppDeps opened (not the ORM, which the caller passed in). */
export async function closeAppDeps(deps: AppDeps): Promise<void> {
  await deps.webhookWriter.close().catch(() => undefined);
  await deps.tokens.close().catch(() => undefined);
  await deps.apiKeys.close().catch(() => undefined);
  await deps.temporal.close().catch(() => undefined);
}
