/**
 * Two versions of one app, for the tests of schema evolution on a device: the `data-migration`
 * golden fixture's Person model before (v1: `name`) and after (v2: `first` and `last` added by a
 * generated migration, filled by the hand-written step `schema/migrations/0002_split_name.ts`).
 * v2 is the fixture's checked expected output; v1 is generated from the v1 schema into a scratch
 * directory, as the app was built before the change.
 */
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Migration } from 'kysely';
import type { Library } from '../../runtime/library/library.js';
import { openLibrary } from '../../runtime/library/open-library.js';
import { generate } from '../../generator/generate.js';
import { registry as v2 } from '../fixtures/data-migration/expected/generated/index.js';
import { FIXTURES_DIR, scratchDir } from './fixtures.js';
import { LIBRARY_ID } from './libraries.js';

export { v2 };
export type PersonRegistry = typeof v2;
export type PersonLibrary = Library<PersonRegistry>;

/**
 * v1 of the app: the fixture's Person without `first` and `last`, generated as the app had it.
 * Typed as v2 (the same accessor; v1 code only creates and updates `name`).
 */
export async function v1Registry(): Promise<PersonRegistry> {
  const schema = JSON.parse(readFileSync(path.join(FIXTURES_DIR, 'data-migration', 'schema', 'person.json'), 'utf8'));
  delete schema.properties.first;
  delete schema.properties.last;
  const files = await generate([{ file: 'schema/person.json', text: JSON.stringify(schema) }], { history: [] });
  const directory = path.join(scratchDir('person-v1'), 'generated');
  for (const file of files.filter((candidate) => candidate.kind === 'code')) {
    mkdirSync(path.dirname(path.join(directory, file.path)), { recursive: true });
    writeFileSync(path.join(directory, file.path), file.content);
  }
  return ((await import(pathToFileURL(path.join(directory, 'index.ts')).href)) as { registry: PersonRegistry }).registry;
}

/** A registry like `base` whose migrations are changed by `change` (a step replaced, added or left out). */
export function withMigrations(base: PersonRegistry, change: (migrations: Record<string, Migration>) => void): PersonRegistry {
  return {
    ...base,
    migrations: {
      async getMigrations() {
        const migrations = { ...(await base.migrations.getMigrations()) };
        change(migrations);
        return migrations;
      },
    },
  };
}

export function openPerson(registry: PersonRegistry, dir: string, deviceId: string): Promise<PersonLibrary> {
  return openLibrary({ dir, libraryId: LIBRARY_ID, deviceId, registry, durability: 'normal' });
}

/** The result of one query on a closed library's file (read-only). */
export function query(file: string, sql: string): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

/** The tables of the file, and the names of the migrations it ran (runtime's, then models'). */
export function fileState(file: string) {
  return {
    tables: query(file, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map((row) => (row as { name: string }).name),
    personColumns: query(file, "SELECT name FROM pragma_table_info('person') ORDER BY cid").map((row) => (row as { name: string }).name),
    models: query(file, 'SELECT name FROM _model_migration ORDER BY name').map((row) => (row as { name: string }).name),
  };
}
