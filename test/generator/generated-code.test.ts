/**
 * The golden fixtures' generated code, imported and run: migrations applied to real SQLite files
 * through Kysely's Migrator, the adapters' prepared SQL executed with better-sqlite3 (per-field
 * LWW, owner versions, per-device rows, references), typed reads through Kysely, decoded as
 * `library.db` decodes them.
 */
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type MigrationProvider } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CreateInput, ModelAdapter, SqlValue } from '../../runtime/contract/model-adapter.js';
import { DecodedReadsDialect } from '../../runtime/library/decoded-reads.js';
import type { ModelSource } from '../../runtime/library/read-catalog.js';
import * as hybrid from '../fixtures/hybrid/expected/generated/index.js';
import * as shared from '../fixtures/log-based-references/expected/generated/index.js';
import * as changed from '../fixtures/schema-change/expected/generated/index.js';
import * as owned from '../fixtures/state-based/expected/generated/index.js';

const directories: string[] = [];

/** A fixture's database file, and a Kysely over it that reads as `library.db` does (decoded). */
function openDatabase<DB>(models: ModelSource): { sqlite: Database.Database; db: Kysely<DB> } {
  const directory = mkdtempSync(path.join(tmpdir(), 'syncgen-generated-'));
  directories.push(directory);
  const sqlite = new Database(path.join(directory, 'library.db'));
  sqlite.pragma('journal_mode = WAL');
  return { sqlite, db: new Kysely<DB>({ dialect: new DecodedReadsDialect(new SqliteDialect({ database: sqlite }), models) }) };
}

async function migrate(db: Kysely<any>, provider: MigrationProvider, to?: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = to ? await migrator.migrateTo(to) : await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).map((result) => `${result.direction} ${result.migrationName} ${result.status}`);
}

/** Clocks are compared as bytes; these stand in for HLC encodings. */
const clock = (value: number) => Buffer.from([0, 0, 0, value]);
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** The record's key and shared values, encoded by the adapter's codecs. */
function encoded<T>(adapter: ModelAdapter<T, keyof T>, record: NoInfer<T>): { key: SqlValue; values: SqlValue[] } {
  const [key, ...values] = adapter.fields.filter((field) => !field.perDevice);
  return { key: key!.codec.encode(record[key!.name]), values: values.map((field) => field.codec.encode(record[field.name])) };
}

/** `insert`'s bind order, as `ModelSql` documents it: `[pk, ...values, create clock]`. */
function insertRow<T>(adapter: ModelAdapter<T, keyof T>, record: NoInfer<T>, createClock: Buffer): SqlValue[] {
  const { key, values } = encoded(adapter, record);
  return [key, ...values, createClock];
}

/** `upsert`'s (logBased): `[pk, ...values, create clock, ...field clocks]`. */
function upsertRow<T>(adapter: ModelAdapter<T, keyof T>, record: NoInfer<T>, createClock: Buffer, clocks: (Buffer | null)[]): SqlValue[] {
  return [...insertRow(adapter, record, createClock), ...clocks];
}

/** `merge`'s: per shared field `clock, value, clock, clock`, then pk. */
function mergeRow<T>(adapter: ModelAdapter<T, keyof T>, record: NoInfer<T>, clocks: (Buffer | null)[]): SqlValue[] {
  const { key, values } = encoded(adapter, record);
  return [...values.flatMap((value, index) => [clocks[index]!, value, clocks[index]!, clocks[index]!]), key];
}

test.after(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

test('log-based fixture: migrations run, per-field LWW upsert and merge, references, typed reads', async () => {
  const { sqlite, db } = openDatabase<shared.Database>(shared.registry);
  assert.equal(await migrate(db, shared.migrations), ['Up 0001_initial Success']);
  const { folderAdapter, noteAdapter } = shared;

  const folder: shared.Folder = { id: uuid(1), name: 'Inbox', parentId: null, pinnedNoteId: null };
  sqlite.prepare(folderAdapter.sql.insert).run(insertRow(folderAdapter, folder, clock(1)));
  const note: shared.Note = { id: uuid(2), folderId: uuid(1), title: 'Groceries', body: null, labels: ['home'], priority: 2, archivedAt: null };
  sqlite.prepare(noteAdapter.sql.insert).run(insertRow(noteAdapter, note, clock(5)));

  // Concurrent edits of two fields: title with a newer clock wins, body with an older clock loses;
  // fields without a clock of their own have the create clock, which is not newer than itself.
  const upsert = sqlite.prepare(noteAdapter.sql.upsert);
  const fields = noteAdapter.fields.slice(1).map((field) => field.name);
  const only = (name: string, at: number) => fields.map((field) => (field === name ? clock(at) : null));
  upsert.run(upsertRow(noteAdapter, { ...note, title: 'Shopping', priority: 1 }, clock(5), only('title', 6)));
  upsert.run(upsertRow(noteAdapter, { ...note, body: 'stale' }, clock(5), only('body', 4)));
  const merge = sqlite.prepare(noteAdapter.sql.merge!);
  assert.is(merge.run(mergeRow(noteAdapter, { ...note, priority: 3 }, only('priority', 7))).changes, 1);
  assert.is(merge.run(mergeRow(noteAdapter, { ...note, priority: 2 }, only('priority', 4))).changes, 1, 'the row matched; its newer priority stays');
  assert.is(merge.run(mergeRow(noteAdapter, { ...note, id: uuid(99) }, only('title', 9))).changes, 0, 'merge never inserts');

  const rows = await db
    .selectFrom('note')
    .select(['title', 'body', 'priority', 'labels', '_hlc', '_hlc_title', '_hlc_body', '_hlc_priority'])
    .where('folderId', '=', uuid(1))
    .execute();
  assert.equal(rows, [
    { title: 'Shopping', body: null, priority: 3, labels: ['home'], _hlc: clock(5), _hlc_title: clock(6), _hlc_body: null, _hlc_priority: clock(7) },
  ]);
  const stored = sqlite.prepare(noteAdapter.sql.selectById).get(uuid(2)) as Record<string, SqlValue>;
  assert.equal(
    noteAdapter.fields.map((field) => field.codec.decode(stored[field.name]!)),
    [uuid(2), uuid(1), 'Shopping', null, ['home'], 3, null],
  );

  // References: the note's folder finds it as a child; a setNull reference is cleared.
  const [toFolder] = noteAdapter.references;
  assert.equal(sqlite.prepare(toFolder!.selectChildren).all(uuid(1)), [{ id: uuid(2) }]);
  sqlite.prepare(folderAdapter.sql.merge!).run(mergeRow(folderAdapter, { ...folder, pinnedNoteId: uuid(2) }, [null, null, clock(8)]));
  const pinned = folderAdapter.references.find((reference) => reference.field === 'pinnedNoteId')!;
  assert.is(pinned.onDelete, 'setNull');
  assert.is(sqlite.prepare(pinned.clearReference!).run(uuid(2)).changes, 1);
  assert.equal(await db.selectFrom('folder').select('pinnedNoteId').execute(), [{ pinnedNoteId: null }]);

  assert.equal(sqlite.prepare(noteAdapter.sql.page).all('', 10).length, 1);
  assert.is(sqlite.prepare(noteAdapter.sql.delete).run(uuid(2)).changes, 1);
  assert.is(sqlite.prepare(noteAdapter.sql.exists).get(uuid(2)), undefined);

  // The registry puts parents first; the create input type leaves out what may be omitted.
  assert.equal(
    shared.registry.dependencyOrder.map((adapter) => adapter.name),
    ['Folder', 'Note'],
  );
  const input: CreateInput<typeof noteAdapter> = { folderId: uuid(1), title: 'Only the required fields' };
  assert.is(input.title, 'Only the required fields');
  await db.destroy();
});

test('state-based fixture: an older or equal owner version never overwrites a newer one', async () => {
  const { sqlite, db } = openDatabase<owned.Database>(owned.registry);
  await migrate(db, owned.migrations);
  const { bookmarkAdapter } = owned;
  const bookmark: owned.Bookmark = {
    id: uuid(1),
    deviceId: uuid(7),
    path: '/photos',
    label: null,
    pinned: false,
    sortKey: 0,
    openCount: 0,
    createdAt: '2024-05-01T12:00:00Z',
  };
  const upsert = sqlite.prepare(bookmarkAdapter.sql.upsert);
  const row = (value: owned.Bookmark, version: number) => [...bookmarkAdapter.fields.map((field) => field.codec.encode(value[field.name])), clock(version)];
  upsert.run(row({ ...bookmark, label: 'v2' }, 2));
  assert.is(upsert.run(row({ ...bookmark, label: 'v1 retried late' }, 1)).changes, 0);
  assert.is(upsert.run(row({ ...bookmark, label: 'v2 again' }, 2)).changes, 0);
  upsert.run(row({ ...bookmark, label: 'v3', pinned: true }, 3));
  assert.equal(await db.selectFrom('bookmark').select(['label', 'pinned', '_version']).execute(), [{ label: 'v3', pinned: true, _version: clock(3) }]);
  assert.is(bookmarkAdapter.owner, 'deviceId');
  await db.destroy();
});

test('hybrid fixture: shared fields in the main table, each device its own row of perDevice fields', async () => {
  const { sqlite, db } = openDatabase<hybrid.Database>(hybrid.registry);
  await migrate(db, hybrid.migrations);
  const { readingStateAdapter } = hybrid;
  const device = readingStateAdapter.sql.device!;
  const state: hybrid.ReadingState = { id: uuid(1), title: 'Report', bookmarked: true, progress: 0.5, lastReadAt: '2024-05-01T12:00:00Z' };
  sqlite.prepare(readingStateAdapter.sql.insert).run(insertRow(readingStateAdapter, state, clock(1)));
  const upsertDevice = sqlite.prepare(device.upsert);
  upsertDevice.run(uuid(1), uuid(7), 0.5, '2024-05-01T12:00:00Z', clock(1));
  upsertDevice.run(uuid(1), uuid(8), 0.9, null, clock(1));
  assert.is(upsertDevice.run(uuid(1), uuid(8), 0.1, null, clock(0)).changes, 0, 'an older per-device version loses');
  assert.equal(
    sqlite
      .prepare(device.selectByRecord)
      .all(uuid(1))
      .map((row) => (row as { progress: number }).progress),
    [0.5, 0.9],
  );
  assert.equal(await db.selectFrom('reading_state').select(['title', 'bookmarked']).execute(), [{ title: 'Report', bookmarked: true }]);
  assert.is(sqlite.prepare(device.deleteByRecord).run(uuid(1)).changes, 2);
  await db.destroy();
});

test('schema-change fixture: 0002 adds columns to a database at 0001, keeps its rows, and goes back down', async () => {
  const { sqlite, db } = openDatabase<changed.Database>(changed.registry);
  assert.equal(await migrate(db, changed.migrations, '0001_initial'), ['Up 0001_initial Success']);
  sqlite.prepare('INSERT INTO tag (id, name, color, _hlc) VALUES (?, ?, ?, ?)').run(uuid(1), 'old', null, clock(1));
  assert.equal(await migrate(db, changed.migrations), ['Up 0002_add_tag_icon_and_more Success']);
  assert.equal(await db.selectFrom('tag').select(['name', 'icon', 'isPinned', '_hlc_icon']).execute(), [
    { name: 'old', icon: null, isPinned: false, _hlc_icon: null },
  ]);
  const indexes = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tag' AND sql IS NOT NULL").all();
  assert.equal(indexes, [{ name: 'idx_tag__name' }]);
  // A field added later has the record's create clock: an update of it (always later than the create) wins.
  const { tagAdapter } = changed;
  const fields = tagAdapter.fields.slice(1).map((field) => field.name);
  sqlite.prepare(tagAdapter.sql.merge!).run(
    mergeRow(
      tagAdapter,
      { id: uuid(1), name: 'old', color: null, icon: 'star', isPinned: false },
      fields.map((f) => (f === 'icon' ? clock(2) : null)),
    ),
  );
  assert.equal(await db.selectFrom('tag').select(['icon', '_hlc_icon']).execute(), [{ icon: 'star', _hlc_icon: clock(2) }]);

  const migrator = new Migrator({ db, provider: changed.migrations });
  const down = await migrator.migrateDown();
  assert.is(down.error, undefined);
  const columns = sqlite
    .prepare('SELECT name FROM pragma_table_info(?)')
    .all('tag')
    .map((row) => (row as { name: string }).name);
  assert.equal(columns, ['id', 'name', 'color', '_hlc', '_hlc_name', '_hlc_color']);
  await db.destroy();
});

test.run();
