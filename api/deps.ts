import type { MikroORM } from '@mikro-orm/postgresql';
import { ProviderRegistry } from '../db/repositories/providers.repository.ts';
import type { Env } from '../lib/env.ts';
import type { Logger } from '../lib/logger.ts';
import { createMetricsRegistry } from '../lib/metrics.ts';
import { TemporalGateway } from '../lib/temporal.ts';
import type { Vault } from '../lib/vault.ts';
import type { AppDeps } from './context.ts';
import { createSandbox } from './sandbox/sandbox-server.ts';

/** Everything the API needs besides the database, built once per process (server, tests, benchmarks). */
export async function buildAppDeps(input: { env: Env; orm: MikroORM; vault: Vault; logger: Logger }): Promise<AppDeps> {
  const { env, vault } = input;
  const sandbox = env.sandboxEnabled
    ? await createSandbox({ publicUrl: env.PUBLIC_URL, vault, accessTokenTtlSeconds: env.PLUGBOARD_SANDBOX_ACCESS_TOKEN_TTL, refreshTokenTtlSeconds: env.PLUGBOARD_SANDBOX_REFRESH_TOKEN_TTL })
    : undefined;
  return {
    ...input,
    sandbox,
    temporal: new TemporalGateway(env),
    registry: createMetricsRegistry(),
    providers: new ProviderRegistry({ publicUrl: env.PUBLIC_URL, sandboxEnabled: env.sandboxEnabled, vault, env: env.raw }),
  };
}
