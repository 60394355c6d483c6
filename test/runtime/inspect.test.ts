/**
 * `inspectLibrary` on a library with known contents: two devices synced over the simulated
 * network (so one holds the other's acknowledgement and pruned its log), a delete, changes parked
 * on a record that has not arrived and an entry of a model of a newer schema, from a third device.
 * The report's values, exactly; the same report from the open library and from the closed one,
 * which leaves the directory as it was; each kind of path that is not a library, by its error.
 */
import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registry } from '../../generated/index.js';
import { inspectLibrary } from '../../runtime/library/inspect-library.js';
import { syncPortOf } from '../../runtime/library/library.js';
import type { LibraryReport } from '../../runtime/library/library-report.js';
import { NotALibraryError } from '../../runtime/store/not-a-library-error.js';
import { syncMigrations } from '../../runtime/store/sync-tables.js';
import { DEVICE_A, DEVICE_B, DEVICE_C, heldEntries, LIBRARY_ID, NOW, openDevice, temporaryDirectory } from '../support/libraries.js';
import { fileHashes } from '../support/fixtures.js';
import { SimulatedFleet } from '../support/sync-harness.js';

const newest = async (provider: { getMigrations(): Promise<Record<string, unknown>> }) =>
  Object.keys(await provider.getMigrations())
    .sort()
    .at(-1)!;
const EVERY_MODEL = [
  ['album', 'Album', 6, 'logBased'],
  ['collection', 'Collection', 7, 'logBased'],
  ['device', 'Device', 1, 'stateBased'],
  ['entry', 'Entry', 4, 'stateBased'],
  ['entry_in_album', 'EntryInAlbum', 10, 'logBased'],
  ['entry_in_collection', 'EntryInCollection', 11, 'logBased'],
  ['location', 'Location', 3, 'stateBased'],
  ['tag', 'Tag', 5, 'logBased'],
  ['tag_on_entry', 'TagOnEntry', 9, 'logBased'],
  ['user_metadata', 'UserMetadata', 8, 'hybrid'],
  ['volume', 'Volume', 2, 'stateBased'],
] as const;

/** The tables of the example schema with their rows (none where `rows` does not name the table). */
function tables(rows: Record<string, number>): LibraryReport['tables'] {
  return EVERY_MODEL.flatMap(([table, model, modelId, strategy]) => [
    { table, model, modelId, kind: 'model' as const, strategy, rows: rows[table] ?? 0 },
    ...(strategy === 'hybrid'
      ? [{ table: `${table}__device`, model, modelId, kind: 'perDevice' as const, strategy, rows: rows[`${table}__device`] ?? 0 }]
      : []),
  ]);
}

test('the report of a library synced with a peer, with a delete, parked changes and a newer schema’s entry', async () => {
  const fleet = await SimulatedFleet.create(2, { seed: 11, sync: { pruneEveryMs: 24 * 3600_000 } });
  const started = fleet.network.scheduler.now();
  const a = fleet.device(DEVICE_A).library;
  const b = fleet.device(DEVICE_B).library;
  a.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));
  const work = a.transact((tx) => tx.tag.create({ name: 'Work', createdAt: NOW }));
  b.transact((tx) => tx.collection.create({ name: 'Trips', createdAt: NOW }));
  assert.ok(await fleet.settle());
  a.transact((tx) => tx.tag.delete(work.id));
  assert.ok(await fleet.settle());
  const port = syncPortOf(a);
  const everything = (acked: Map<string, number>) => acked.get(DEVICE_A) === 3 && acked.get(DEVICE_B) === 1;
  assert.ok(await fleet.network.scheduler.runUntil(() => everything(port.peerAcks(DEVICE_B)), 10_000), 'B acknowledged everything');
  for (const device of fleet.devices) await device.sync.stop();
  const stopped = fleet.network.scheduler.now();

  // A prunes what B acknowledged, then writes once more (unacknowledged, so it stays in the log).
  assert.is(port.prune(24 * 3600_000), 4);
  const later = a.transact((tx) => tx.tag.create({ name: 'Later', createdAt: NOW }));
  // From C, unknown to A: two updates of a tag whose create A lacks (parked on it), and an entry of a model of a newer schema.
  const c = await openDevice(DEVICE_C, { now: () => fleet.network.scheduler.now() });
  const pending = c.transact((tx) => tx.tag.create({ name: 'Pending', createdAt: NOW }));
  c.transact((tx) => tx.tag.update(pending.id, { color: '#aa0000' }));
  c.transact((tx) => tx.tag.update(pending.id, { icon: 'star' }));
  c.transact((tx) => tx.collection.create({ name: 'From the future', createdAt: NOW }));
  const [, colour, icon, future] = heldEntries(c);
  const outcome = a.applyChanges([colour!, icon!, { ...future!, model: 4242 }]);
  assert.equal([outcome.stored.length, outcome.parked, outcome.refused.length], [3, 2, 0]);

  const dir = path.dirname(a.file);
  const open = inspectLibrary(dir);
  const { lastSeen, ...peer } = open.peers[0]!;
  assert.ok(lastSeen >= started && lastSeen <= stopped, `last seen ${lastSeen} in [${started}, ${stopped}]`);
  assert.equal(open.peers.length, 1);
  assert.equal(peer, { peer: DEVICE_B, acked: { [DEVICE_A]: 3, [DEVICE_B]: 1 } });
  const expected: Omit<LibraryReport, 'size' | 'peers'> = {
    reportVersion: 1,
    file: a.file,
    libraryId: LIBRARY_ID,
    deviceId: DEVICE_A,
    schemaVersion: registry.schemaVersion,
    migrations: { runtime: await newest(syncMigrations), models: await newest(registry.migrations) },
    tables: tables({ tag: 2, collection: 1 }),
    log: [
      { origin: DEVICE_A, entries: 1, lowestSeq: 4, highestSeq: 4, pruneFloor: 3 },
      { origin: DEVICE_B, entries: 0, lowestSeq: null, highestSeq: null, pruneFloor: 1 },
      { origin: DEVICE_C, entries: 3, lowestSeq: 2, highestSeq: 4, pruneFloor: 0 },
    ],
    vector: { [DEVICE_A]: 4, [DEVICE_B]: 1, [DEVICE_C]: 0 },
    parked: { changes: 2, records: [{ modelId: 5, model: 'Tag', record: pending.id, changes: 2 }] },
    tombstones: [{ modelId: 5, model: 'Tag', count: 1 }],
    quarantine: { entries: [{ modelId: 4242, model: null, count: 1 }], records: [] },
    members: a.members.list(),
  };
  const { size, peers: _, ...rest } = open;
  assert.equal(rest, expected);
  assert.equal(
    open.members.map((member) => [member.device, member.addedBy, member.active]),
    [
      [DEVICE_A, DEVICE_A, true],
      [DEVICE_B, DEVICE_B, true],
    ],
  );
  assert.ok(size.db > 0 && size.wal > 0 && size.total === size.db + size.wal, JSON.stringify(size));
  assert.ok(a.get('tag', later.id));

  // The app exits: the same report from the file alone, and the directory as it was.
  await fleet.close();
  c.close();
  const before = fileHashes(dir);
  assert.not.ok('library.db-wal' in before, 'a closed library has no WAL');
  const closed = inspectLibrary(path.join(dir, 'library.db'));
  assert.equal({ ...closed, size: null }, { ...open, size: null });
  const { size: bytes } = statSync(a.file);
  assert.equal(closed.size, { db: bytes, wal: 0, total: bytes });
  assert.equal(fileHashes(dir), before, 'nothing beside the file was created or changed');
});

test('a library just opened: its own member, no peers, nothing parked, held or deleted', async () => {
  const library = await openDevice(DEVICE_B);
  library.close();
  const report = inspectLibrary(path.dirname(library.file));
  assert.equal(
    [report.deviceId, report.tables, report.log, report.vector, report.peers, report.parked, report.tombstones, report.quarantine],
    [DEVICE_B, tables({}), [], {}, [], { changes: 0, records: [] }, [], { entries: [], records: [] }],
  );
  assert.equal(
    report.members.map((member) => [member.device, member.active]),
    [[DEVICE_B, true]],
  );
});

/** The error `inspectLibrary` throws for `location`: its reason and message. */
function refusal(location: string): [string, string] {
  try {
    inspectLibrary(location);
  } catch (error) {
    assert.instance(error, NotALibraryError);
    const { reason, message, code } = error as NotALibraryError;
    assert.is(code, 'not-a-library');
    return [reason, message];
  }
  throw new Error(`${location} was inspected`);
}

test('a path that is not a library: each case named, as a NotALibraryError', () => {
  const dir = temporaryDirectory('not-a-library');
  assert.equal(refusal(path.join(dir, 'nowhere')), ['missing', `no library at ${path.join(dir, 'nowhere')}: no such file or directory`]);
  assert.equal(refusal(dir), ['no-database', `no library at ${dir}: the directory has no library.db (give the directory that the app opened the library in)`]);
  const text = path.join(dir, 'notes.txt');
  writeFileSync(text, 'not a database, and longer than a SQLite header is: '.repeat(4));
  assert.equal(refusal(text), ['not-sqlite', `${text} is not a SQLite database (nor a syncgen library)`]);
  const other = path.join(dir, 'other', 'library.db');
  mkdirSync(path.dirname(other));
  const db = new Database(other);
  db.exec('CREATE TABLE note (id TEXT PRIMARY KEY)');
  db.close();
  assert.equal(refusal(path.dirname(other)), [
    'not-syncgen',
    `${other} is a SQLite database, but not a syncgen library: it has no library and device ids (_sync_state)`,
  ]);
  const old = path.join(dir, 'old.db');
  const oldDb = new Database(old);
  oldDb.exec("CREATE TABLE _sync_state (key TEXT PRIMARY KEY, value BLOB); INSERT INTO _sync_state VALUES ('libraryId', 'l'), ('deviceId', 'd')");
  oldDb.close();
  const [reason, message] = refusal(old);
  assert.is(reason, 'outdated');
  assert.match(message, /^\S+old\.db is a library of an older syncgen \(it lacks _sync_log, _sync_cursor, .*\): open it with its app once, which migrates it$/);
  assert.equal(readdirSync(dir).sort(), ['notes.txt', 'old.db', 'other']);
  assert.equal(readdirSync(path.dirname(other)), ['library.db']);
});

test.run();
