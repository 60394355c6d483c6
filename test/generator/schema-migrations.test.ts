/**
 * Schema evolution: additive changes append a migration; breaking ones are refused by name unless
 * allowed, and then rebuild tables keeping their rows (run on a real SQLite file); a change no
 * migration can make is refused always; a broken schema history is named.
 */
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration } from 'kysely';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { GeneratedFile } from '../../generator/emit/generated-file.js';
import { BreakingChangeError, HistoryError, ImpossibleMigrationError } from '../../generator/errors.js';
import { generate } from '../../generator/generate.js';
import { scratchDir } from '../support/fixtures.js';

type Schema = Record<string, unknown>;

function tag(change: (properties: Record<string, Schema>, schema: Schema) => void = () => {}): Schema {
  const properties: Record<string, Schema> = {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    color: { type: ['string', 'null'] },
  };
  const schema: Schema = { title: 'Tag', type: 'object', 'x-sync': { id: 1, strategy: 'logBased', primaryKey: 'id' }, properties, required: ['id', 'name'] };
  change(properties, schema);
  return schema;
}

/** Generates from schemas on top of a history; returns the files and the history after it. */
async function evolve(history: { file: string; text: string }[], schemas: Schema[], allowBreaking = false) {
  const files = await generate(
    schemas.map((schema) => ({ file: `schema/${String(schema.title).toLowerCase()}.json`, text: JSON.stringify(schema) })),
    { history, allowBreaking },
  );
  const added = files.filter((file) => file.kind === 'history').map((file) => ({ file: `schema/history/${file.path}`, text: file.content }));
  return { files, history: [...history, ...added], migration: added[0]?.file.replace(/^.*\/(.*)\.json$/, '$1') };
}

async function breakingChanges(history: { file: string; text: string }[], schemas: Schema[]) {
  try {
    await evolve(history, schemas);
  } catch (error) {
    if (error instanceof BreakingChangeError) return error.changes.map((change) => `${change.code}: ${change.description}`);
    throw error;
  }
  assert.unreachable('the change was accepted');
  return [];
}

const base = async () => (await evolve([], [tag()])).history;

test('unchanged schemas add no migration; a description change adds none either', async () => {
  const history = await base();
  assert.is((await evolve(history, [tag()])).migration, undefined);
  assert.is((await evolve(history, [tag((_, schema) => (schema.description = 'now documented'))])).migration, undefined);
});

test('additive changes append a numbered migration: new model, new nullable or defaulted field, new index', async () => {
  const history = await base();
  const field = await evolve(history, [tag((p) => (p.icon = { type: ['string', 'null'] }))]);
  assert.is(field.migration, '0002_add_tag_icon');
  const defaulted = await evolve(history, [tag((p) => (p.pinned = { type: 'boolean', default: false }))]);
  assert.is(defaulted.migration, '0002_add_tag_pinned');
  const index = await evolve(history, [tag((_, s) => ((s['x-sync'] as Schema).indexes = [{ fields: ['name'] }]))]);
  assert.is(index.migration, '0002_index_tag');
  const album = { ...tag(), title: 'Album', 'x-sync': { id: 2, strategy: 'logBased', primaryKey: 'id' } };
  const model = await evolve(history, [tag(), album]);
  assert.is(model.migration, '0002_create_album');
  const third = await evolve(field.history, [
    tag((p) => {
      p.icon = { type: ['string', 'null'] };
      p.rank = { type: ['integer', 'null'] };
    }),
  ]);
  assert.is(third.migration, '0003_add_tag_rank');
  assert.equal(
    third.files.filter((file) => file.path.startsWith('migrations/0')).map((file) => file.path),
    ['migrations/0001_initial.ts', 'migrations/0002_add_tag_icon.ts', 'migrations/0003_add_tag_rank.ts'],
  );
});

test('breaking changes are refused, each named', async () => {
  const history = await base();
  assert.equal(await breakingChanges(history, [tag((p) => delete p.color)]), [
    'field-removed: Tag.color was removed (to rename it instead, keeping its values, give the new field "x-sync": { "renamedFrom": "color" })',
  ]);
  assert.equal(
    await breakingChanges(history, [
      tag((p) => {
        p.colour = p.color!;
        delete p.color;
      }),
    ]),
    ['field-removed: Tag.color was removed (to rename it instead, keeping its values, give the new field "x-sync": { "renamedFrom": "color" })'],
  );
  assert.equal(await breakingChanges(history, [tag((p) => (p.color = { type: ['integer', 'null'] }))]), [
    'field-changed: Tag.color changed from string or null to integer or null',
  ]);
  assert.equal(await breakingChanges(history, [tag((p) => (p.color = { type: 'string', default: '#000000' }))]), [
    'field-changed: Tag.color changed from string or null to string',
  ]);
  assert.equal(await breakingChanges(history, [tag((_, s) => ((s['x-sync'] as Schema).id = 7))]), ['model-id-changed: Tag: the model id changed from 1 to 7']);
  assert.equal(
    await breakingChanges(history, [
      tag((p, s) => {
        p.deviceId = { type: 'string', format: 'uuid', default: '00000000-0000-4000-8000-000000000000' };
        (s['x-sync'] as Schema).strategy = 'stateBased';
        (s['x-sync'] as Schema).owner = 'deviceId';
      }),
    ]),
    ['strategy-changed: Tag: the strategy changed from "logBased" to "stateBased"', 'owner-changed: Tag: the owner field changed from null to "deviceId"'],
  );
  const error = await evolve(history, [tag((p) => delete p.color)]).catch((caught: unknown) => caught);
  assert.instance(error, BreakingChangeError);
  assert.match((error as Error).message, /re-run with --allow-breaking/);
});

test('a new required field without a default can never be migrated', async () => {
  const history = await base();
  const error = await evolve(
    history,
    [
      tag((p, s) => {
        p.slug = { type: 'string' };
        (s.required as string[]).push('slug');
      }),
    ],
    true,
  ).catch((caught: unknown) => caught);
  assert.instance(error, ImpossibleMigrationError);
  assert.equal((error as ImpossibleMigrationError).descriptions, [
    'Tag.slug is a new required field without a default: existing Tag records have no value for it. Give it a "default", or allow null.',
  ]);
});

test('an allowed breaking change rebuilds the table: rows kept in the new shape, and down restores it', async () => {
  const history = await base();
  const changed = await evolve(history, [tag((p) => (p.color = { type: 'string', default: 'none' }))], true);
  assert.is(changed.migration, '0002_rebuild_tag');
  const { sqlite, migrator, db } = await migrationDatabase(changed.files);
  assert.is((await migrator.migrateTo('0001_initial')).error, undefined);
  sqlite.prepare('INSERT INTO tag (id, name, color) VALUES (?, ?, ?), (?, ?, ?)').run('a', 'first', '#fff', 'b', 'second', null);
  assert.is((await migrator.migrateToLatest()).error, undefined);
  assert.equal(sqlite.prepare('SELECT id, name, color FROM tag ORDER BY id').all(), [
    { id: 'a', name: 'first', color: '#fff' },
    { id: 'b', name: 'second', color: 'none' },
  ]);
  assert.equal(sqlite.prepare("SELECT \"notnull\" AS required FROM pragma_table_info('tag') WHERE name = 'color'").get(), { required: 1 });
  assert.is((await migrator.migrateDown()).error, undefined);
  assert.equal(sqlite.prepare("SELECT \"notnull\" AS required FROM pragma_table_info('tag') WHERE name = 'color'").get(), { required: 0 });
  assert.equal(sqlite.prepare('SELECT id, name, color FROM tag ORDER BY id').all(), [
    { id: 'a', name: 'first', color: '#fff' },
    { id: 'b', name: 'second', color: 'none' },
  ]);
  await db.destroy();
});

test('a rebuild that drops a required field cannot be reverted, and its down says why', async () => {
  const history = await base();
  const dropped = await evolve(
    history,
    [
      tag((p, s) => {
        delete p.name;
        s.required = ['id'];
      }),
    ],
    true,
  );
  const { sqlite, migrator, db } = await migrationDatabase(dropped.files);
  assert.is((await migrator.migrateToLatest()).error, undefined);
  sqlite.prepare('INSERT INTO tag (id, color) VALUES (?, ?)').run('a', '#fff');
  const down = await migrator.migrateDown();
  assert.is((down.error as Error).message, 'this migration cannot be reverted: it dropped tag.name, whose values are gone');
  assert.equal(sqlite.prepare('SELECT id, color FROM tag').all(), [{ id: 'a', color: '#fff' }]);
  await db.destroy();
});

async function migrationDatabase(files: readonly GeneratedFile[]) {
  const migrations = await importMigrations(files);
  const sqlite = new Database(path.join(scratchDir('rebuild'), 'library.db'));
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { sqlite, db, migrator: new Migrator({ db, provider: { getMigrations: async () => migrations } }) };
}

test('an allowed model id change makes a migration with no table change', async () => {
  const history = await base();
  const renumbered = await evolve(history, [tag((_, s) => ((s['x-sync'] as Schema).id = 7))], true);
  assert.is(renumbered.migration, '0002_renumber_tag');
  const migration = renumbered.files.find((file) => file.path === 'migrations/0002_renumber_tag.ts')!;
  assert.match(migration.content, /Tag is renumbered from 1 to 7: no table changes; the runtime\n/);
  assert.not.match(migration.content, /db\.schema/);
});

test('a broken history is named: a gap in the numbering, bad JSON, a name that does not match', async () => {
  const history = await base();
  const gap = [{ file: 'schema/history/0002_initial.json', text: history[0]!.text.replace('0001_initial', '0002_initial') }];
  await assertHistoryError(gap, 'schema/history/0002_initial.json: expected migration number 0001 here; the history has a gap or a duplicate');
  await assertHistoryError([{ file: 'schema/history/0001_initial.json', text: '{' }], /^schema\/history\/0001_initial\.json: not valid JSON/);
  await assertHistoryError(
    [{ file: 'schema/history/0001_first.json', text: history[0]!.text }],
    'schema/history/0001_first.json: the file name does not match its migration "0001_initial"',
  );
});

async function assertHistoryError(history: { file: string; text: string }[], expected: string | RegExp) {
  const error = await evolve(history, [tag()]).catch((caught: unknown) => caught);
  assert.instance(error, HistoryError);
  const message = (error as Error).message.replace(/\. The schema history is the migration record.*$/, '');
  if (typeof expected === 'string') assert.is(message, expected);
  else assert.match(message, expected);
}

/** Writes the generated migration modules to a scratch directory and imports them. */
async function importMigrations(files: readonly GeneratedFile[]): Promise<Record<string, Migration>> {
  const directory = scratchDir('migrations');
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
