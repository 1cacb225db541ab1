import type { Client } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { ProviderRegistry } from '../db/repositories/providers.repository.ts';
import type { Env } from '../lib/env.ts';
import type { Logger } from '../lib/logger.ts';
import type { Vault } from '../lib/vault.ts';

/** Built once per worker process (workers/main.ts) and shared by every activity. */
export interface ActivityDeps {
  env: Env;
  orm: MikroORM;
  vault: Vault;
  logger: Logger;
  temporal: Client;
  providers: ProviderRegistry;
}
