import type { MikroORM } from '@mikro-orm/postgresql';
import type { Env } from '../lib/env.ts';
import { loadVault } from '../lib/keyring.ts';
import type { Logger } from '../lib/logger.ts';
import type { Vault } from '../lib/vault.ts';
import { assertKeyringMatches } from './key-check.ts';
import { openOrm } from './orm.ts';

export function requireDatabaseUrl(env: Pick<Env, 'DATABASE_URL'>): string {
  if (!env.DATABASE_URL) {
    throw new Error('DATABASE_URL is not set. `npm start` sets it for you; otherwise point it at PostgreSQL, e.g. postgres://user:pass@host:5432/plugboard');
  }
  return env.DATABASE_URL;
}

/**
 * Opens the database for a long-running process: refuses to run against an unmigrated schema or with a
 * keyring that cannot decrypt what is stored.
 */
export async function openDatabase(env: Env, logger: Logger): Promise<{ orm: MikroORM; vault: Vault }> {
  const vault = loadVault(env, (m) => logger.warn(m));
  const orm = await openOrm(requireDatabaseUrl(env));
  try {
    const pending = await orm.migrator.getPending();
    if (pending.length) {
      throw new Error(`the database has ${pending.length} pending migration(s). Run \`npm run plugboard -- db migrate\` first.`);
    }
    await assertKeyringMatches(orm.em.fork(), vault);
  } catch (error) {
    await orm.close();
    throw error;
  }
  return { orm, vault };
}
