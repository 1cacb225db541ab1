/** Developer tool: `node scripts/create-migration.ts` diffs the entities against the last snapshot and writes a migration. */
import { openOrm } from '../db/orm.ts';
import { startEmbeddedPostgres, freePort } from './services.ts';

const pg = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres({ dataDir: '.data/migration-pg', port: await freePort() });
const orm = await openOrm(process.env.DATABASE_URL ?? pg!.url);
try {
  await orm.migrator.up();
  const result = await orm.migrator.create();
  console.log(result.fileName ? `wrote db/migrations/${result.fileName}` : 'entities match the last migration: nothing to write');
} finally {
  await orm.close();
  await pg?.stop();
}
