/**
 * The development database: DATABASE_URL when set, else embedded PostgreSQL in `<data dir>/postgres` on a
 * fixed loopback port, reused when `npm start` already runs it.
 */
import path from 'node:path';
import type { Env } from '../lib/env.ts';
import { portOpen, progress, startEmbeddedPostgres, type ServiceHandle } from './services.ts';

export const EMBEDDED_PG_PORT = 5499;

export function embeddedUrl(port = EMBEDDED_PG_PORT): string {
  return `postgres://postgres:plugboard@127.0.0.1:${port}/plugboard`;
}

/** Returns a database URL and a stop() that only stops what this call started. */
export async function ensureLocalDatabase(env: Pick<Env, 'DATABASE_URL' | 'PLUGBOARD_DATA_DIR'>, options: { quiet?: boolean } = {}): Promise<ServiceHandle> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, stop: async () => {} };
  if (await portOpen(EMBEDDED_PG_PORT)) return { url: embeddedUrl(), stop: async () => {} };
  if (!options.quiet) progress(`starting embedded PostgreSQL on 127.0.0.1:${EMBEDDED_PG_PORT}`);
  return startEmbeddedPostgres({ dataDir: path.join(env.PLUGBOARD_DATA_DIR, 'postgres'), port: EMBEDDED_PG_PORT });
}
