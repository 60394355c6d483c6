/**
 * Opening a library: one file holding models and sync tables, reopened without loss, the clock
 * never going back across a restart, a file refused to another library or device, hot queries that
 * are index lookups (EXPLAIN QUERY PLAN), and model ids followed across a renumbering.
 */
import Database from 'better-sqlite3';
import { readdirSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LibraryMismatchError } from '../../runtime/core/errors.js';
import { compareHlc, decodeHlc } from '../../runtime/core/hlc.js';
import { syncPortOf } from '../../runtime/library/library.js';
import { DEVICE_A, DEVICE_B, heldEntries, LIBRARY_ID, NOW, openDevice, syncedState, temporaryDirectory } from '../support/libraries.js';

test('one database file holds the model tables and the sync tables, in WAL mode with synchronous=FULL by default', async () => {
  const dir = temporaryDirectory('file');
  const library = await openDevice(DEVICE_A, { dir, durability: 'full' });
  library.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));
  assert.equal(
    readdirSync(dir).filter((name) => name.endsWith('.db')),
    ['library.db'],
  );
  const db = new Database(library.file, { readonly: true });
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
  assert.ok(
    ['_sync_log', '_sync_cursor', '_sync_peer_ack', '_sync_tombstone', '_sync_parked', '_sync_state', 'tag', 'entry', 'user_metadata__device'].every((name) =>
      tables.includes(name),
    ),
  );
  assert.is(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
  library.close();
});

test('close and reopen loses nothing; the clock keeps going forward even with the wall clock stepped back', async () => {
  const dir = temporaryDirectory('reopen');
  const first = await openDevice(DEVICE_A, { dir, now: () => 5_000_000 });
  first.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));
  first.transact((tx) => tx.album.create({ name: 'Trip', createdAt: NOW, updatedAt: NOW }));
  const state = syncedState(first);
  const entries = heldEntries(first);
  const lastClock = first.clock;
  first.close();

  const again = await openDevice(DEVICE_A, { dir, now: () => 1_000 });
  assert.equal(syncedState(again), state);
  assert.equal(heldEntries(again), entries);
  assert.equal(again.outbox.cursors(), new Map([[DEVICE_A, 2]]));
  assert.equal(again.clock, lastClock);
  again.transact((tx) => tx.tag.create({ name: 'After restart', createdAt: NOW }));
  const newest = decodeHlc(heldEntries(again).at(-1)!.hlc);
  assert.ok(compareHlc(newest, lastClock) > 0, 'the first clock after the restart is above the last one before it');
  assert.equal([newest.wallMs, newest.counter], [5_000_000, lastClock.counter + 1]);
  again.close();
});

test('a local commit writes only its rows and log entries; the cursor and clock survive pruning, a rollback and a restart', async () => {
  const dir = temporaryDirectory('own-cursor');
  const first = await openDevice(DEVICE_A, { dir, now: () => 5_000_000 });
  first.transact((tx) => tx.tag.create({ name: 'One', createdAt: NOW }));
  const tag = first.transact((tx) => tx.tag.create({ name: 'Two', createdAt: NOW }));
  const raw = new Database(first.file, { readonly: true });
  const storedCursor = () => raw.prepare('SELECT seq FROM _sync_cursor WHERE origin = ?').pluck().get(DEVICE_A);
  assert.is(storedCursor(), undefined, 'no cursor row is written by a local commit');
  assert.throws(
    () =>
      first.transact((tx) => {
        tx.tag.update(tag.id, { name: 'Rolled back' });
        throw new Error('abort');
      }),
    /abort/,
  );
  assert.equal(first.outbox.cursors(), new Map([[DEVICE_A, 2]]), 'a rollback leaves the cursor where the file has it');

  // A peer acknowledged everything: the own entries are pruned, so the row and the stored clock must tell.
  syncPortOf(first).recordPeerAck(DEVICE_B, new Map([[DEVICE_A, 2]]));
  assert.is(syncPortOf(first).prune(60_000), 2);
  assert.equal(heldEntries(first), []);
  assert.is(storedCursor(), 2);
  raw.close();
  const lastClock = first.clock;
  first.close();

  const again = await openDevice(DEVICE_A, { dir, now: () => 1_000 });
  assert.equal(again.outbox.cursors(), new Map([[DEVICE_A, 2]]));
  assert.equal(again.clock, lastClock);
  again.transact((tx) => tx.tag.update(tag.id, { name: 'Three' }));
  const [next] = heldEntries(again);
  assert.equal([next!.seq, compareHlc(decodeHlc(next!.hlc), lastClock) > 0], [3, true]);
  again.close();
  const third = await openDevice(DEVICE_A, { dir, now: () => 1_000 });
  assert.equal([third.outbox.cursors().get(DEVICE_A), compareHlc(third.clock, decodeHlc(next!.hlc))], [3, 0]);
  third.close();
});

test('a library file is refused to another device or library, with a typed error', async () => {
  const dir = temporaryDirectory('claim');
  (await openDevice(DEVICE_A, { dir })).close();
  const error = await openDevice(DEVICE_B, { dir }).catch((caught: unknown) => caught);
  assert.instance(error, LibraryMismatchError);
  assert.is(
    (error as Error).message,
    `${dir}/library.db holds library ${LIBRARY_ID} of device ${DEVICE_A}, not library ${LIBRARY_ID} of device ${DEVICE_B}; open it with its own ids, or give this library another directory`,
  );
  const reopened = await openDevice(DEVICE_A, { dir });
  reopened.close();
});

test('EXPLAIN QUERY PLAN: every statement the runtime prepares is an index lookup, but a few bounded listings', async () => {
  const prepared = new Set<string>();
  const original = Database.prototype.prepare;
  Database.prototype.prepare = function (this: Database.Database, source: string) {
    prepared.add(source);
    return original.call(this, source);
  } as typeof original;
  let file: string;
  try {
    const library = await openDevice(DEVICE_A);
    file = library.file;
    library.close();
  } finally {
    Database.prototype.prepare = original;
  }
  const db = new Database(file, { readonly: true });
  const scans: string[] = [];
  const plans = new Map<string, string[]>();
  for (const source of prepared) {
    // Kysely's own statements (its migrator's, in lower case) run once at open; so does DDL.
    if (/^\s*(select|with|insert|update|delete|create|drop|pragma|begin|commit|rollback|savepoint|release)\b/.test(source)) continue;
    if (/^\s*(CREATE|PRAGMA|DELETE FROM _sync_model)/.test(source)) continue;
    let plan: string[];
    try {
      const parameters = (source.match(/\?/g) ?? []).map(() => null);
      plan = (db.prepare(`EXPLAIN QUERY PLAN ${source}`).all(...parameters) as { detail: string }[]).map((row) => row.detail);
    } catch {
      continue; // Kysely's migration statements against tables the read-only view cannot plan
    }
    plans.set(source, plan);
    // `incoming` is the one-row subquery of the per-field merge.
    for (const detail of plan)
      if (/^SCAN (?!CONSTANT ROW|incoming$)/.test(detail) && !/USING (COVERING )?INDEX|PRIMARY KEY/.test(detail))
        scans.push(`${detail}  <=  ${source.replace(/\s+/g, ' ').slice(0, 90)}`);
  }
  const planOf = (fragment: string) => [...plans].find(([source]) => source.includes(fragment))?.[1];
  assert.equal(planOf('FROM _sync_log WHERE origin = ? AND seq > ?'), ['SEARCH _sync_log USING PRIMARY KEY (origin=? AND seq>?)']);
  assert.equal(planOf('SELECT 1 FROM _sync_log WHERE origin = ? AND seq = ?'), ['SEARCH _sync_log USING PRIMARY KEY (origin=? AND seq=?)']);
  assert.equal(planOf('SELECT seq FROM _sync_cursor WHERE origin = ?'), ['SEARCH _sync_cursor USING PRIMARY KEY (origin=?)']);
  assert.equal(planOf('SELECT hlc FROM _sync_tombstone'), ['SEARCH _sync_tombstone USING PRIMARY KEY (model=? AND record=?)']);
  assert.equal(planOf('FROM _sync_parked WHERE model = ? AND record = ?'), [
    'SEARCH _sync_parked USING COVERING INDEX _sync_parked_by_missing (model=? AND record=?)',
  ]);
  assert.equal(planOf('SELECT "id" FROM "entry" WHERE "locationId" = ?'), [
    'SEARCH entry USING COVERING INDEX idx_entry__locationId__parentId__name (locationId=?)',
  ]);
  assert.equal(planOf('FROM "tag" WHERE "id" = ?'), ['SEARCH tag USING PRIMARY KEY (id=?)']);
  assert.equal(planOf('UPDATE "tag" SET'), ['SEARCH tag USING PRIMARY KEY (id=?)']);
  // One row per device (the version vector, the prune floor, the peers, the members), once at open
  // the model ids and the parked count, whether any record was ever deleted (LIMIT 1: one row at
  // most), the invites a member made (a handful, each dropped a day after it expires), and the
  // quarantine read whole once, on the first open after an upgrade (`merge/replay-quarantine.ts`).
  assert.equal(scans.sort(), [
    'SCAN _sync_cursor  <=  SELECT origin, seq FROM _sync_cursor ORDER BY origin',
    'SCAN _sync_invite  <=  DELETE FROM _sync_invite WHERE expires_at <= ?',
    'SCAN _sync_invite  <=  SELECT count(*) FROM _sync_invite',
    'SCAN _sync_member  <=  SELECT * FROM _sync_member ORDER BY device',
    'SCAN _sync_model  <=  SELECT id, name FROM _sync_model',
    'SCAN _sync_parked  <=  SELECT count(*) FROM _sync_parked',
    'SCAN _sync_peer  <=  SELECT peer, last_seen AS lastSeen FROM _sync_peer ORDER BY peer',
    'SCAN _sync_pruned  <=  SELECT origin, seq FROM _sync_pruned ORDER BY origin',
    'SCAN _sync_quarantine  <=  SELECT origin, seq, model FROM _sync_quarantine ORDER BY origin, seq',
    'SCAN _sync_quarantine_record  <=  SELECT model, record, whole, data FROM _sync_quarantine_record ORDER BY model, record',
    'SCAN _sync_tombstone  <=  SELECT 1 FROM _sync_tombstone LIMIT 1',
    // Once at open, before migrating: whether the file has each migration table (`store/migrate-library.ts`).
    "SCAN sqlite_master  <=  SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
  ]);
  db.close();
});

test('model ids written under an old numbering are rewritten to the registry ids on open', async () => {
  const dir = temporaryDirectory('renumber');
  const library = await openDevice(DEVICE_A, { dir });
  const tag = library.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));
  const album = library.transact((tx) => tx.album.create({ name: 'Trip', createdAt: NOW, updatedAt: NOW }));
  library.transact((tx) => tx.album.delete(album.id));
  library.close();
  // As if the database had been written when Tag was model 6 and Album model 5 (swapped).
  const db = new Database(`${dir}/library.db`);
  for (const table of ['_sync_log', '_sync_tombstone']) {
    db.prepare(`UPDATE ${table} SET model = CASE model WHEN 5 THEN 6 WHEN 6 THEN 5 ELSE model END`).run();
  }
  db.prepare("UPDATE _sync_model SET id = -id WHERE name IN ('Tag', 'Album')").run();
  db.prepare("UPDATE _sync_model SET id = 6 WHERE name = 'Tag'").run();
  db.prepare("UPDATE _sync_model SET id = 5 WHERE name = 'Album'").run();
  db.close();

  const reopened = await openDevice(DEVICE_A, { dir });
  assert.equal(
    heldEntries(reopened).map((entry) => [entry.model, entry.record]),
    [
      [5, tag.id],
      [6, album.id],
      [6, album.id],
    ],
  );
  assert.equal(
    syncedState(reopened)._sync_tombstone!.map((row) => row.model),
    [6],
  );
  reopened.close();
});

test.run();
