/**
 * The quarantine: what a device on an older schema holds for devices on newer ones, so that no
 * history is lost while their schemas differ (only by additive changes, which the handshake
 * ensures). Two tables (`sync-tables.ts`):
 * - `_sync_quarantine`: entries of a model this schema does not know. They are in the log like any
 *   entry (held, acknowledged, relayed), never applied, and never pruned: the device replays them
 *   when it upgrades, and a snapshot it serves reflects only what is before them (see the port).
 * - `_sync_quarantine_record`: per record, the values and clocks of the fields this schema does not
 *   know (`HeldFields`), kept from entries and snapshot records as they are merged, so a snapshot
 *   this device serves carries them; or a whole snapshot record of an unknown model.
 * Which fields win is decided by `merge/held-fields.ts`; this only stores. The schema version it
 * last replayed under is in `_sync_state`, so an open replays only after an upgrade.
 */
import type Database from 'better-sqlite3';
import { Packr } from 'msgpackr';
import type { SnapshotRecord } from '../core/snapshot-record.js';
import type { Store } from './store.js';

/** A value of a field this device does not know, and the clock that wrote it. */
export type HeldValue = readonly [value: unknown, clock: Uint8Array];

/** What a record holds of fields this device does not know. */
export interface HeldFields {
  /** Shared fields (logBased, hybrid) and a stateBased state's fields (each clocked by the state's version). */
  readonly fields: Record<string, HeldValue>;
  /** A hybrid record's fields as each device wrote them (they may be perDevice fields: which, only the newer schema says). */
  readonly devices: Record<string, Record<string, HeldValue>>;
}

/** A row of `_sync_quarantine_record`: a record's unknown fields, or a whole record of an unknown model. */
export type HeldRecord = { readonly whole: false; readonly fields: HeldFields } | { readonly whole: true; readonly record: SnapshotRecord };

/** Self-contained MessagePack, as the log stores data. */
const packr = new Packr({ useRecords: false, mapsAsObjects: true });
const VERSION_KEY = 'quarantineSchemaVersion';

export class Quarantine {
  readonly #hold: Database.Statement;
  readonly #first: Database.Statement;
  readonly #release: Database.Statement;
  readonly #entries: Database.Statement;
  readonly #entryOfModel: Database.Statement;
  readonly #record: Database.Statement;
  readonly #put: Database.Statement;
  readonly #drop: Database.Statement;
  readonly #recordOfModel: Database.Statement;
  readonly #nextRecordModel: Database.Statement;
  readonly #recordsAfter: Database.Statement;
  readonly #records: Database.Statement;
  readonly #version: Database.Statement;
  readonly #setVersion: Database.Statement;

  constructor(db: Database.Database) {
    this.#hold = db.prepare('INSERT OR IGNORE INTO _sync_quarantine (origin, seq, model) VALUES (?, ?, ?)');
    this.#first = db.prepare('SELECT min(seq) FROM _sync_quarantine WHERE origin = ? AND seq > ?').pluck();
    this.#release = db.prepare('DELETE FROM _sync_quarantine WHERE origin = ? AND seq = ?');
    this.#entries = db.prepare('SELECT origin, seq, model FROM _sync_quarantine ORDER BY origin, seq');
    this.#entryOfModel = db.prepare('SELECT 1 FROM _sync_quarantine WHERE model = ? LIMIT 1').pluck();
    this.#record = db.prepare('SELECT whole, data FROM _sync_quarantine_record WHERE model = ? AND record = ?');
    this.#put = db.prepare('INSERT OR REPLACE INTO _sync_quarantine_record (model, record, whole, data) VALUES (?, ?, ?, ?)');
    this.#drop = db.prepare('DELETE FROM _sync_quarantine_record WHERE model = ? AND record = ?');
    this.#recordOfModel = db.prepare('SELECT 1 FROM _sync_quarantine_record WHERE model = ? LIMIT 1').pluck();
    this.#nextRecordModel = db.prepare('SELECT min(model) FROM _sync_quarantine_record WHERE model > ?').pluck();
    this.#recordsAfter = db.prepare('SELECT whole, data FROM _sync_quarantine_record WHERE model = ? AND record > ? ORDER BY record LIMIT ?');
    this.#records = db.prepare('SELECT model, record, whole, data FROM _sync_quarantine_record ORDER BY model, record');
    this.#version = db.prepare('SELECT value FROM _sync_state WHERE key = ?').pluck();
    this.#setVersion = db.prepare('INSERT INTO _sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  }

  /** Holds an entry of an unknown model (stored in the log by the caller). */
  holdEntry(origin: string, seq: number, model: number): void {
    this.#hold.run(origin, seq, model);
  }

  /**
   * The lowest held seq of an origin above `after` (its prune floor: a snapshot this device pulled
   * may have claimed past held entries), or undefined. Entries from there on stay in the log.
   */
  firstEntry(origin: string, after: number): number | undefined {
    return (this.#first.get(origin, after) as number | null) ?? undefined;
  }

  releaseEntry(origin: string, seq: number): void {
    this.#release.run(origin, seq);
  }

  /** Every held entry, by origin and seq (read once, when the device upgrades). */
  entries(): { origin: string; seq: number; model: number }[] {
    return this.#entries.all() as { origin: string; seq: number; model: number }[];
  }

  /** Whether anything of a model is held: entries, or records. */
  holdsModel(model: number): boolean {
    return this.#entryOfModel.get(model) !== undefined || this.#recordOfModel.get(model) !== undefined;
  }

  /** Whether any record of a model holds unknown fields (one lookup before a page is read). */
  holdsRecordsOf(model: number): boolean {
    return this.#recordOfModel.get(model) !== undefined;
  }

  /** The models any record is held of, ascending: one index lookup per model, however many records. */
  recordModels(): number[] {
    const models: number[] = [];
    for (let model = this.#nextRecordModel.get(0) as number | null; model !== null; model = this.#nextRecordModel.get(model) as number | null) {
      models.push(model);
    }
    return models;
  }

  record(model: number, record: string): HeldRecord | undefined {
    const row = this.#record.get(model, record) as { whole: number; data: Buffer } | undefined;
    return row && toHeld(row);
  }

  putFields(model: number, record: string, fields: HeldFields): void {
    this.#put.run(model, record, 0, packr.pack({ f: fields.fields, d: fields.devices }));
  }

  putWhole(record: SnapshotRecord): void {
    this.#put.run(record.model, record.record, 1, packr.pack(record));
  }

  dropRecord(model: number, record: string): void {
    this.#drop.run(model, record);
  }

  /** Whole records of a model after a key, in key order: a snapshot page of a model this device does not know. */
  wholeRecordsAfter(model: number, after: string, limit: number): SnapshotRecord[] {
    return (this.#recordsAfter.all(model, after, limit) as { whole: number; data: Buffer }[]).flatMap((row) => {
      const held = toHeld(row);
      return held.whole ? [held.record] : [];
    });
  }

  /** Every held record (read once, when the device upgrades). */
  records(): { model: number; record: string; held: HeldRecord }[] {
    return (this.#records.all() as { model: number; record: string; whole: number; data: Buffer }[]).map((row) => ({
      model: row.model,
      record: row.record,
      held: toHeld(row),
    }));
  }

  /** The schema version the quarantine was last replayed under (0: never). */
  get replayedVersion(): number {
    const value = this.#version.get(VERSION_KEY);
    return typeof value === 'number' ? value : 0;
  }

  set replayedVersion(version: number) {
    this.#setVersion.run(VERSION_KEY, version);
  }
}

function toHeld(row: { whole: number; data: Buffer }): HeldRecord {
  const data = packr.unpack(row.data);
  if (row.whole === 1) return { whole: true, record: data as SnapshotRecord };
  return { whole: false, fields: { fields: data.f ?? {}, devices: data.d ?? {} } };
}

const quarantines = new WeakMap<Store, Quarantine>();

/** The quarantine of a store (its statements prepared on first use: `openLibrary` asks for it at open). */
export function quarantineOf(store: Store): Quarantine {
  let quarantine = quarantines.get(store);
  if (!quarantine) {
    quarantine = new Quarantine(store.db);
    quarantines.set(store, quarantine);
  }
  return quarantine;
}
