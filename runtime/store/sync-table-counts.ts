/**
 * What the runtime's tables hold, counted, for `syncgen inspect`: the log's entries per origin, the
 * records that parked changes wait for, and per model the tombstones and what is held for newer
 * schemas. Read-only queries, each one pass over its table or its index; the store's own readers
 * (`SyncLog`, `PeerAcks`, `MemberTable`) answer the rest.
 */
import type Database from 'better-sqlite3';

/** The entries of one origin that the log holds. */
export interface OriginEntries {
  readonly origin: string;
  readonly entries: number;
  readonly lowestSeq: number;
  readonly highestSeq: number;
}

/** A record that parked changes wait for, and how many wait for it. */
export interface AwaitedRecord {
  readonly model: number;
  readonly record: string;
  readonly changes: number;
}

/** A count of one model id. */
export interface ModelIdCount {
  readonly model: number;
  readonly count: number;
}

/** The runtime tables counted per model id. */
export type CountedTable = '_sync_tombstone' | '_sync_quarantine' | '_sync_quarantine_record';

export function entriesPerOrigin(db: Database.Database): OriginEntries[] {
  return db
    .prepare('SELECT origin, count(*) AS entries, min(seq) AS lowestSeq, max(seq) AS highestSeq FROM _sync_log GROUP BY origin ORDER BY origin')
    .all() as OriginEntries[];
}

export function awaitedRecords(db: Database.Database): AwaitedRecord[] {
  return db.prepare('SELECT model, record, count(*) AS changes FROM _sync_parked GROUP BY model, record ORDER BY model, record').all() as AwaitedRecord[];
}

export function countPerModel(db: Database.Database, table: CountedTable): ModelIdCount[] {
  return db.prepare(`SELECT model, count(*) AS count FROM ${table} GROUP BY model ORDER BY model`).all() as ModelIdCount[];
}
