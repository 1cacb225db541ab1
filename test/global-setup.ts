/**
 * Starts what the tests need once per run: a throwaway embedded PostgreSQL (migrated) and an in-memory
 * Temporal dev server with Plugboard's search attributes. Test files get their addresses through inject().
 * Set TEST_DATABASE_URL / TEST_TEMPORAL_ADDRESS to use running ones instead.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrate, openOrm } from '../db/orm.ts';
import { generateKeySpec } from '../lib/vault.ts';
import { freePort, progress, startEmbeddedPostgres, startTemporalDevServer, type ServiceHandle } from '../scripts/services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
    encryptionKeys: string;
    dataDir: string;
  }
}

export default async function setup(project: TestProject) {
  const stops: ServiceHandle[] = [];
  mkdirSync(path.resolve('.data'), { recursive: true });
  const dataDir = mkdtempSync(path.join(path.resolve('.data'), 'test-'));
  chmodSync(dataDir, 0o755); // embedded PostgreSQL runs as the postgres user when we are root
  const started = Date.now();
  let databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: await freePort() });
    stops.push(pg);
    databaseUrl = pg.url;
  }
  let temporalAddress = process.env.TEST_TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const cli = process.env.TEMPORAL_CLI;
    if (!cli) throw new Error('TEMPORAL_CLI is not set: run the tests with `npm test`, which builds or finds the Temporal CLI.');
    const temporal = await startTemporalDevServer({ cli, port: await freePort() });
    stops.push(temporal);
    temporalAddress = temporal.address;
  }
  const orm = await openOrm(databaseUrl);
  await migrate(orm);
  await orm.close();
  progress(`test services ready in ${Date.now() - started} ms (postgres ${databaseUrl.replace(/:[^:@/]+@/, ':***@')}, temporal ${temporalAddress})`);

  project.provide('databaseUrl', databaseUrl);
  project.provide('temporalAddress', temporalAddress);
  project.provide('encryptionKeys', generateKeySpec('v1'));
  project.provide('dataDir', dataDir);

  return async () => {
    for (const s of stops.reverse()) await s.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
}
