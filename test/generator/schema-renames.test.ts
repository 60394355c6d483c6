/**
 * Renames (`"x-sync": { "renamedFrom": ... }`): the keyword's validation, the migration that
 * renames tables and columns keeping every value and clock (run on a real SQLite file, with a sync
 * log), the history that records it so the same migration comes back, the registry's list of
 * renames, and why a rename is not breaking while a rename that names nothing is refused.
 */
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration } from 'kysely';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packData, unpackData } from '../../runtime/core/change-entry.js';
import type { GeneratedFile } from '../../generator/emit/generated-file.js';
import { BreakingChangeError, formatIssue, ImpossibleMigrationError, SchemaValidationError } from '../../generator/errors.js';
import { generate } from '../../generator/generate.js';
import { compatibilityOf } from '../../generator/history/compatibility.js';
import { readHistory } from '../../generator/history/read-history.js';
import { registryRenames } from '../../generator/history/renames.js';
import { validateSchemas } from '../../generator/validate/validate-schemas.js';
import { scratchDir } from '../support/fixtures.js';

type Schema = Record<string, unknown>;
type Source = { file: string; text: string };

/** Tag: logBased, with `color` and an index on it; `change` edits the schema. */
function tag(change: (properties: Record<string, Schema>, schema: Schema) => void = () => {}): Schema {
  const properties: Record<string, Schema> = { id: { type: 'string', format: 'uuid' }, name: { type: 'string' }, color: { type: ['string', 'null'] } };
  const schema: Schema = {
    title: 'Tag',
    type: 'object',
    'x-sync': { id: 1, strategy: 'logBased', primaryKey: 'id', indexes: [{ fields: ['color'] }] },
    properties,
    required: ['id', 'name'],
  };
  change(properties, schema);
  return schema;
}

/** Tag with `color` renamed to `hue` (and its index following it). */
const renamedTag = () =>
  tag((p, s) => {
    p.hue = { type: ['string', 'null'], 'x-sync': { renamedFrom: 'color' } };
    delete p.color;
    (s['x-sync'] as Schema).indexes = [{ fields: ['hue'] }];
  });

function sources(schemas: Schema[]): Source[] {
  return schemas.map((schema) => ({ file: `schema/${String(schema.title).toLowerCase()}.json`, text: JSON.stringify(schema) }));
}

async function evolve(history: Source[], schemas: Schema[], allowBreaking = false) {
  const files = await generate(sources(schemas), { history, allowBreaking });
  const added = files.filter((file) => file.kind === 'history').map((file) => ({ file: `schema/history/${file.path}`, text: file.content }));
  return { files, history: [...history, ...added], migration: added[0]?.file.replace(/^.*\/(.*)\.json$/, '$1') };
}

const base = async () => (await evolve([], [tag()])).history;

test('a field rename is a migration that renames the column and its clock, not a breaking change', async () => {
  const renamed = await evolve(await base(), [renamedTag()]);
  assert.is(renamed.migration, '0002_rename_tag_color_and_more');
  const migration = renamed.files.find((file) => file.path === `migrations/${renamed.migration}.ts`)!.content;
  const up = migration.slice(migration.indexOf('async up'), migration.indexOf('async down'));
  assert.equal(
    up
      .split('\n')
      .filter((line) => line.includes('await'))
      .map((line) => line.trim()),
    [
      "await db.schema.alterTable('tag').renameColumn('color', 'hue').execute();",
      "await db.schema.alterTable('tag').renameColumn('_hlc_color', '_hlc_hue').execute();",
      "await renameLoggedField(db, { name: 'Tag', id: 1 }, 'color', 'hue');",
      "await db.schema.dropIndex('idx_tag__color').execute();",
      "await db.schema.createIndex('idx_tag__hue').on('tag').columns(['hue']).execute();",
    ],
  );
  assert.equal(compatibilityOf(readHistory(renamed.history)), { schemaVersion: 2, compatibleFrom: 1 });
});

test('the history records the rename: the same migration comes back, and the keyword may stay or go', async () => {
  const renamed = await evolve(await base(), [renamedTag()]);
  const file = renamed.history[1]!.text;
  assert.match(file, /"syncgenHistory": 2,/);
  assert.match(file, /"name": "hue", [^\n]*"renamedFrom": "color" }/);
  const again = await evolve(renamed.history, [renamedTag()]);
  assert.is(again.migration, undefined);
  assert.equal(
    again.files.find((f) => f.path === `migrations/${renamed.migration}.ts`),
    renamed.files.find((f) => f.path === `migrations/${renamed.migration}.ts`),
  );
  const without = renamedTag();
  delete ((without.properties as Record<string, Schema>).hue as Schema)['x-sync'];
  assert.is((await evolve(renamed.history, [without])).migration, undefined);
  // A later migration does not record the rename again.
  const later = await evolve(renamed.history, [
    tag((p, s) => {
      Object.assign(p, renamedTag().properties as Record<string, Schema>, { icon: { type: ['string', 'null'] } });
      delete p.color;
      (s['x-sync'] as Schema).indexes = [{ fields: ['hue'] }];
    }),
  ]);
  assert.is(later.migration, '0003_add_tag_icon');
  assert.not.match(later.history[2]!.text, /renamedFrom/);
  assert.match(later.history[2]!.text, /"syncgenHistory": 1,/);
});

test('the migration keeps every value and clock, renames the field in the sync log, and its down undoes it', async () => {
  const renamed = await evolve(await base(), [renamedTag()]);
  const migrations = await importMigrations(renamed.files);
  const sqlite = new Database(path.join(scratchDir('renames'), 'library.db'));
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  assert.is((await migrator.migrateTo('0001_initial')).error, undefined);
  sqlite.exec('CREATE TABLE _sync_log (origin TEXT, seq INTEGER, hlc BLOB, model INTEGER, record TEXT, kind INTEGER, data BLOB)');
  sqlite.exec('CREATE TABLE _sync_model (id INTEGER, name TEXT)');
  sqlite.prepare('INSERT INTO _sync_model VALUES (1, ?)').run('Tag');
  const clock = Buffer.alloc(24, 7);
  sqlite.prepare('INSERT INTO tag (id, name, color, _hlc, _hlc_color) VALUES (?, ?, ?, ?, ?)').run('a', 'first', '#fff', clock, clock);
  sqlite.prepare('INSERT INTO tag (id, name, color, _hlc) VALUES (?, ?, ?, ?)').run('b', 'second', null, clock);
  const log = sqlite.prepare('INSERT INTO _sync_log VALUES (?, ?, ?, ?, ?, ?, ?)');
  log.run('o', 1, clock, 1, 'a', 1, packData({ name: 'first', color: '#fff' }));
  log.run('o', 2, clock, 2, 'x', 1, packData({ color: 'another model' }));
  log.run('o', 3, clock, 1, 'a', 3, null);

  assert.is((await migrator.migrateToLatest()).error, undefined);
  assert.equal(sqlite.prepare('SELECT id, name, hue, hex(_hlc_hue) AS clock FROM tag ORDER BY id').all(), [
    { id: 'a', name: 'first', hue: '#fff', clock: clock.toString('hex').toUpperCase() },
    { id: 'b', name: 'second', hue: null, clock: '' },
  ]);
  const logged = () => (sqlite.prepare('SELECT data FROM _sync_log ORDER BY seq').pluck().all() as (Buffer | null)[]).map((data) => data && unpackData(data));
  assert.equal(logged(), [{ name: 'first', hue: '#fff' }, { color: 'another model' }, null]);
  assert.equal(sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tag' AND sql IS NOT NULL").pluck().all(), ['idx_tag__hue']);

  assert.is((await migrator.migrateDown()).error, undefined);
  assert.equal(sqlite.prepare('SELECT id, color, hex(_hlc_color) AS clock FROM tag ORDER BY id').all(), [
    { id: 'a', color: '#fff', clock: clock.toString('hex').toUpperCase() },
    { id: 'b', color: null, clock: '' },
  ]);
  assert.equal(logged(), [{ name: 'first', color: '#fff' }, { color: 'another model' }, null]);
  await db.destroy();
});

test('a model rename renames its tables and keeps its id, records and references', async () => {
  const note = (title: string, sync: Schema = {}, reference = 'Tag'): Schema => ({
    title,
    type: 'object',
    'x-sync': { id: 2, strategy: 'hybrid', primaryKey: 'id', ...sync },
    properties: {
      id: { type: 'string', format: 'uuid' },
      tagId: { type: ['string', 'null'], format: 'uuid', 'x-sync': { references: reference, onDelete: 'setNull' } },
      seen: { type: ['integer', 'null'], 'x-sync': { perDevice: true } },
    },
    required: ['id'],
  });
  const first = await evolve([], [tag(), note('Note')]);
  const renamed = await evolve(first.history, [tag(), note('Memo', { renamedFrom: 'Note' })]);
  assert.is(renamed.migration, '0002_rename_note_and_more');
  const migration = renamed.files.find((file) => file.path === `migrations/${renamed.migration}.ts`)!.content;
  assert.match(migration, /alterTable\('note'\)\.renameTo\('memo'\)/);
  assert.match(migration, /alterTable\('note__device'\)\.renameTo\('memo__device'\)/);
  assert.match(migration, /dropIndex\('idx_note__tagId'\)[^\n]*\n[^\n]*createIndex\('idx_memo__tagId'\)/);
  assert.not.match(migration, /dropTable|createTable/);
  assert.match(renamed.history[1]!.text, /"name": "Memo",\n {6}"renamedFrom": "Note",\n {6}"id": 2,/);

  const renumbered = await evolve(first.history, [tag(), note('Memo', { renamedFrom: 'Note', id: 3 })], true).catch((error: unknown) => error);
  assert.instance(renumbered, ImpossibleMigrationError);
  assert.match((renumbered as Error).message, /Memo is renamed from Note and its id changed from 2 to 3: a renamed model keeps its id/);
});

test('a rename that names nothing of the last version is refused; one that also changes the type is breaking', async () => {
  const history = await base();
  const nothing = await evolve(history, [
    tag((p) => {
      p.hue = { type: ['string', 'null'], 'x-sync': { renamedFrom: 'colr' } };
    }),
  ]).catch((error: unknown) => error);
  assert.instance(nothing, ImpossibleMigrationError);
  assert.match((nothing as Error).message, /Tag\.hue is renamed from "colr", but Tag had no field colr in the last schema version/);

  const retyped = await evolve(history, [
    tag((p, s) => {
      p.hue = { type: ['integer', 'null'], 'x-sync': { renamedFrom: 'color' } };
      delete p.color;
      (s['x-sync'] as Schema).indexes = [];
    }),
  ]).catch((error: unknown) => error);
  assert.instance(retyped, BreakingChangeError);
  assert.equal(
    (retyped as BreakingChangeError).changes.map((change) => change.description),
    ['Tag.hue changed from string or null to integer or null'],
  );
});

test("the registry lists every field rename under its model's current name; renames never move compatibleFrom", async () => {
  const second = await evolve(await base(), [renamedTag()]);
  const third = await evolve(second.history, [
    tag((p, s) => {
      p.shade = { type: ['string', 'null'], 'x-sync': { renamedFrom: 'hue' } };
      delete p.color;
      s.title = 'Label';
      (s['x-sync'] as Schema).renamedFrom = 'Tag';
      (s['x-sync'] as Schema).indexes = [{ fields: ['shade'] }];
    }),
  ]);
  assert.is(third.migration, '0003_rename_tag_and_more');
  const history = readHistory(third.history);
  assert.equal(registryRenames(history), [
    { version: 2, model: 'Label', from: 'color', to: 'hue' },
    { version: 3, model: 'Label', from: 'hue', to: 'shade' },
  ]);
  assert.equal(compatibilityOf(history), { schemaVersion: 3, compatibleFrom: 1 });
  const registry = third.files.find((file) => file.path === 'registry.ts')!.content;
  assert.match(
    registry,
    /export const renames = \[\n {2}\{ version: 2, model: 'Label', from: 'color', to: 'hue' \},\n {2}\{ version: 3, model: 'Label', from: 'hue', to: 'shade' \},\n\];/,
  );
});

test('renamedFrom is checked: its shape, its own name, a current field or model, and one claim per old name', () => {
  const issues = (schemas: Schema[]) => {
    try {
      validateSchemas(sources(schemas));
    } catch (error) {
      if (error instanceof SchemaValidationError) return error.issues.map(formatIssue);
      throw error;
    }
    return [];
  };
  assert.equal(issues([tag((p) => (p.hue = { type: 'string', default: '', 'x-sync': { renamedFrom: 3 } }))]), [
    'schema/tag.json#/properties/hue/x-sync/renamedFrom: renamedFrom must be the field\'s previous name, a valid field name. Write e.g. "renamedFrom": "colour"',
  ]);
  assert.equal(issues([tag((p) => (p.color!['x-sync'] = { renamedFrom: 'color' }))]), [
    'schema/tag.json#/properties/color/x-sync/renamedFrom: the field "color" is renamed from its own name. Remove renamedFrom, or name the previous name',
  ]);
  assert.equal(issues([tag((p) => (p.hue = { type: ['string', 'null'], 'x-sync': { renamedFrom: 'color' } }))]), [
    'schema/tag.json#/properties/hue/x-sync/renamedFrom: Tag.hue is renamed from "color", which is still a field of Tag. Remove or rename the field "color" (a rename moves its values to "hue"), or remove renamedFrom',
  ]);
  assert.equal(
    issues([
      tag((p) => {
        p.hue = { type: ['string', 'null'], 'x-sync': { renamedFrom: 'tint' } };
        p.shade = { type: ['string', 'null'], 'x-sync': { renamedFrom: 'tint' } };
      }),
    ]),
    ['schema/tag.json#/properties/shade/x-sync/renamedFrom: Tag.shade and Tag.hue are both renamed from "tint". Keep renamedFrom on one of them'],
  );
  const label = tag((_, s) => {
    s.title = 'Label';
    (s['x-sync'] as Schema).id = 2;
    (s['x-sync'] as Schema).renamedFrom = 'Tag';
  });
  assert.equal(issues([tag(), label]), [
    'schema/label.json#/x-sync/renamedFrom: Label is renamed from "Tag", which is still a model. Remove or rename the model "Tag" (a rename keeps its table and records under Label), or remove renamedFrom',
  ]);
  assert.equal(issues([tag((_, s) => ((s['x-sync'] as Schema).renamedFrom = 'tag'))]), [
    'schema/tag.json#/x-sync/renamedFrom: renamedFrom must be the model\'s previous name, a valid model name. Write e.g. "renamedFrom": "Label"',
  ]);
  assert.equal(issues([tag((p) => (p.color!['x-sync'] = { renamedFom: 'colour' }))]), [
    'schema/tag.json#/properties/color/x-sync/renamedFom: unknown sync keyword "renamedFom". Did you mean "renamedFrom"?',
  ]);
});

/** Writes the generated migration modules to a scratch directory and imports them. */
async function importMigrations(files: readonly GeneratedFile[]): Promise<Record<string, Migration>> {
  const directory = scratchDir('rename-migrations');
  const result: Record<string, Migration> = {};
  for (const file of files.filter((candidate) => /^migrations\/\d{4}_/.test(candidate.path))) {
    const target = path.join(directory, file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    result[path.basename(file.path, '.ts')] = ((await import(pathToFileURL(target).href)) as { migration: Migration }).migration;
  }
  return result;
}

test.run();
