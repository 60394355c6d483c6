/**
 * `inspectLibrary`: what a library file holds, read from the file alone (no registry, no running
 * app needed), for `syncgen inspect` and for apps that show it. Read-only and safe while the app
 * runs: `store/read-library-file.ts` says how. The model tables are found by their meta columns
 * and named through `_sync_model` (`store/model-tables.ts`).
 */
import { statSync } from 'node:fs';
import { isMember } from '../core/member-record.js';
import { findModelTables, countRows, modelNames } from '../store/model-tables.js';
import { MemberTable } from '../store/members.js';
import { NotALibraryError } from '../store/not-a-library-error.js';
import { PeerAcks } from '../store/peer-acks.js';
import { readLibraryFile, type OpenLibraryFile } from '../store/read-library-file.js';
import { SyncLog } from '../store/sync-log.js';
import { MODEL_MIGRATION_TABLE, SYNC_MIGRATION_TABLE } from '../store/sync-tables.js';
import { awaitedRecords, countPerModel, entriesPerOrigin, type ModelIdCount } from '../store/sync-table-counts.js';
import type { LibraryReport, LogOriginReport, ModelCount } from './library-report.js';

/** The runtime tables that the report, and the store readers it uses, read; a file an older syncgen wrote may lack some. */
const READ_TABLES = [
  '_sync_log',
  '_sync_cursor',
  '_sync_pruned',
  '_sync_peer',
  '_sync_peer_ack',
  '_sync_parked',
  '_sync_tombstone',
  '_sync_model',
  '_sync_member',
  '_sync_invite',
  '_sync_quarantine',
  '_sync_quarantine_record',
  SYNC_MIGRATION_TABLE,
];

/**
 * Reads what a library file holds: ids, schema version, every synced table with its rows, the sync
 * log per origin, the version vector, peers and their acknowledged vectors, parked changes and the
 * records they wait for, tombstones, what is held for newer schemas, members and the file's size.
 * One consistent snapshot, even while the app writes; nothing beside the file is created or changed.
 *
 * @param location the library's directory (the `dir` given to `openLibrary`) or its `library.db`
 * @throws NotALibraryError (`not-a-library`) when `location` is not a readable syncgen library
 * @example
 * import { formatLibraryReport, inspectLibrary } from 'syncgen';
 *
 * const report = inspectLibrary('data/laptop');
 * console.log(report.vector, report.parked.changes);
 * console.log(formatLibraryReport(report)); // what `npx syncgen inspect data/laptop` prints
 */
export function inspectLibrary(location: string): LibraryReport {
  return readLibraryFile(location, readReport);
}

function readReport(library: OpenLibraryFile): LibraryReport {
  const { db, file, libraryId, deviceId } = library;
  const present = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
  const lacking = READ_TABLES.filter((table) => !present.has(table));
  if (lacking.length > 0) {
    throw new NotALibraryError(
      file,
      'outdated',
      `${file} is a library of an older syncgen (it lacks ${lacking.join(', ')}): open it with its app once, which migrates it`,
    );
  }
  const names = modelNames(db);
  const named = (counts: readonly ModelIdCount[]): ModelCount[] =>
    counts.map(({ model, count }) => ({ modelId: model, model: names.get(model) ?? null, count }));
  const log = new SyncLog(db, deviceId);
  const acks = new PeerAcks(db);
  const runtime = newestMigration(db, SYNC_MIGRATION_TABLE);
  const models = present.has(MODEL_MIGRATION_TABLE) ? newestMigration(db, MODEL_MIGRATION_TABLE) : null;
  return {
    reportVersion: 1,
    file,
    libraryId,
    deviceId,
    schemaVersion: models === null ? 0 : Number.parseInt(models, 10),
    migrations: { runtime, models },
    size: sizeOnDisk(file),
    tables: findModelTables(db, names).map((table) => ({ ...table, rows: countRows(db, table.table) })),
    log: logReport(db, log),
    vector: Object.fromEntries(log.cursors()),
    peers: acks.peers().map(({ peer, lastSeen }) => ({ peer, lastSeen, acked: Object.fromEntries(sortedByKey(acks.acked(peer))) })),
    parked: parkedReport(db, names),
    tombstones: named(countPerModel(db, '_sync_tombstone')),
    quarantine: { entries: named(countPerModel(db, '_sync_quarantine')), records: named(countPerModel(db, '_sync_quarantine_record')) },
    members: new MemberTable(db).all().map((member) => ({ ...member, active: isMember(member) })),
  };
}

/** Every origin the log knows of (by its entries, its cursors or its prune floors), by origin. */
function logReport(db: OpenLibraryFile['db'], log: SyncLog): LogOriginReport[] {
  const entries = new Map(entriesPerOrigin(db).map((row) => [row.origin, row]));
  const floors = log.floor();
  const origins = [...new Set([...entries.keys(), ...log.origins(), ...floors.keys()])].sort();
  return origins.map((origin) => {
    const held = entries.get(origin);
    return {
      origin,
      entries: held?.entries ?? 0,
      lowestSeq: held?.lowestSeq ?? null,
      highestSeq: held?.highestSeq ?? null,
      pruneFloor: floors.get(origin) ?? 0,
    };
  });
}

function parkedReport(db: OpenLibraryFile['db'], names: ReadonlyMap<number, string>): LibraryReport['parked'] {
  const records = awaitedRecords(db).map(({ model, record, changes }) => ({ modelId: model, model: names.get(model) ?? null, record, changes }));
  return { changes: records.reduce((sum, record) => sum + record.changes, 0), records };
}

/** The newest migration a set ran: its names sort in the order they ran (`migrate-library.ts`). */
function newestMigration(db: OpenLibraryFile['db'], table: string): string | null {
  return (db.prepare(`SELECT max(name) FROM "${table}"`).pluck().get() as string | null) ?? null;
}

function sortedByKey(map: ReadonlyMap<string, number>): [string, number][] {
  return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The database file and its WAL (none: 0 bytes), as they are while the report is read. */
function sizeOnDisk(file: string): LibraryReport['size'] {
  const db = statSync(file).size;
  let wal = 0;
  try {
    wal = statSync(`${file}-wal`).size;
  } catch {
    // No WAL: the app is not running.
  }
  return { db, wal, total: db + wal };
}
