/**
 * What `inspectLibrary` reads from a library file: plain data (strings, numbers, arrays, objects;
 * no Map, Buffer or Date), so that `JSON.stringify` gives what `syncgen inspect --json` prints.
 * Times are ms since the epoch, as the writing device's clock read them. The shape is documented in
 * docs/api.md ("Inspecting a library"); fields may be added, but none changes meaning or goes away
 * without `reportVersion` changing.
 */
import type { Strategy } from '../contract/model-adapter.js';
import type { Member } from './members.js';

/** A synced table: a model's own table, or a hybrid model's per-device values. */
export interface TableReport {
  readonly table: string;
  /** The model it stores and its id (from `_sync_model`); null when no model of the file maps to it. */
  readonly model: string | null;
  readonly modelId: number | null;
  /** `model`: the model's own table; `perDevice`: a hybrid model's per-device values (`<table>__device`). */
  readonly kind: 'model' | 'perDevice';
  readonly strategy: Strategy;
  readonly rows: number;
}

/** The sync log's part of one origin (a device whose changes this device holds or held). */
export interface LogOriginReport {
  readonly origin: string;
  /** Entries the log holds: the ones still to be acknowledged by every peer, and parked and held ones. */
  readonly entries: number;
  /** The lowest and highest seq the log holds; null when it holds none. */
  readonly lowestSeq: number | null;
  readonly highestSeq: number | null;
  /** Entries up to this seq were pruned, or are held only through a snapshot (0: none). */
  readonly pruneFloor: number;
}

/** A peer this device synced with. */
export interface PeerReport {
  readonly peer: string;
  /** When it was last connected (ms since the epoch). */
  readonly lastSeen: number;
  /** Its acknowledged version vector: per origin, the seq up to which it holds every entry. */
  readonly acked: Readonly<Record<string, number>>;
}

/** A count of one model's records or entries. */
export interface ModelCount {
  readonly modelId: number;
  /** Its name, or null for a model this file's schema does not know (a newer schema's). */
  readonly model: string | null;
  readonly count: number;
}

/** A record that parked changes wait for. */
export interface AwaitedRecordReport {
  readonly modelId: number;
  readonly model: string | null;
  readonly record: string;
  /** How many received changes wait for it. */
  readonly changes: number;
}

export interface LibraryReport {
  /** The shape of this report: 1. */
  readonly reportVersion: 1;
  /** The library's database file, as found (absolute). */
  readonly file: string;
  readonly libraryId: string;
  readonly deviceId: string;
  /** The number of the newest model migration the file ran (its schema version; 0: none). */
  readonly schemaVersion: number;
  /** The newest migration the file ran, of syncgen's own tables and of the models' (null: none). */
  readonly migrations: { readonly runtime: string | null; readonly models: string | null };
  /** Bytes on disk: the database file and its write-ahead log (0 when there is none). */
  readonly size: { readonly db: number; readonly wal: number; readonly total: number };
  /** Every synced table with its rows, by table name (a per-device table right after its model's). */
  readonly tables: readonly TableReport[];
  /** Per origin, by origin. */
  readonly log: readonly LogOriginReport[];
  /** This device's version vector: per origin, the seq up to which it holds every entry. */
  readonly vector: Readonly<Record<string, number>>;
  readonly peers: readonly PeerReport[];
  /** Received changes that wait for a record that has not arrived, and the records, by model and id. */
  readonly parked: { readonly changes: number; readonly records: readonly AwaitedRecordReport[] };
  /** Deleted records per model. */
  readonly tombstones: readonly ModelCount[];
  /** What is held for devices on newer schemas: entries of models this schema does not know, and records with fields it does not know (or whole records of such models). */
  readonly quarantine: { readonly entries: readonly ModelCount[]; readonly records: readonly ModelCount[] };
  /** The library's members as this device knows them, removed ones included, by device id. */
  readonly members: readonly Member[];
}
