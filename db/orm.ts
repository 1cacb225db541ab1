import { fileURLToPath } from 'node:url';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type Options } from '@mikro-orm/postgresql';
import { ENTITIES } from './entities/index.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

/** The one ORM configuration used by the API, the worker, the CLI and the tests (docs/conventions.md §11). */
export function ormConfig(databaseUrl: string, overrides: Partial<Options> = {}): Options {
  return defineConfig({
    clientUrl: databaseUrl,
    entities: ENTITIES,
    extensions: [Migrator],
    debug: false,
    colors: false,
    // Same absolute folder for both: MikroORM picks pathTs when the entry point is a .ts file.
    // No snapshot file: new migrations are diffed against a database migrated to the latest (scripts/create-migration.ts).
    migrations: { path: MIGRATIONS_DIR, pathTs: MIGRATIONS_DIR, emit: 'ts', silent: true, snapshot: false },
    pool: { min: 0, max: 10 },
    ...overrides,
  });
}

export async function openOrm(databaseUrl: string, overrides: Partial<Options> = {}): Promise<MikroORM> {
  return MikroORM.init(ormConfig(databaseUrl, overrides));
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}

export type { MikroORM };
