/**
 * Parked changes: received entries that reference a record this device does not hold yet (or
 * update a record whose create has not arrived). The entry itself stays in the sync log; this table
 * says what it waits for. When that record arrives or is deleted, the entry is applied again.
 * Bounded: past `limit`, further entries that would park are refused (their sender retries).
 */
import type Database from 'better-sqlite3';

export interface MissingRecord {
  readonly model: number;
  readonly record: string;
}

export class ParkedChanges {
  readonly #park: Database.Statement;
  readonly #waiting: Database.Statement;
  readonly #release: Database.Statement;
  readonly #count: Database.Statement;
  readonly #has: Database.Statement;
  readonly #missing: Database.Statement;

  constructor(
    db: Database.Database,
    readonly limit: number,
  ) {
    this.#park = db.prepare('INSERT OR REPLACE INTO _sync_parked (origin, seq, model, record) VALUES (?, ?, ?, ?)');
    this.#waiting = db.prepare('SELECT origin, seq FROM _sync_parked WHERE model = ? AND record = ? ORDER BY origin, seq');
    this.#release = db.prepare('DELETE FROM _sync_parked WHERE origin = ? AND seq = ?');
    this.#count = db.prepare('SELECT count(*) FROM _sync_parked').pluck();
    this.#has = db.prepare('SELECT 1 FROM _sync_parked WHERE origin = ? AND seq = ?').pluck();
    this.#missing = db.prepare('SELECT DISTINCT model, record FROM _sync_parked ORDER BY model, record');
  }

  get count(): number {
    return this.#count.get() as number;
  }

  get full(): boolean {
    return this.count >= this.limit;
  }

  has(origin: string, seq: number): boolean {
    return this.#has.get(origin, seq) !== undefined;
  }

  park(origin: string, seq: number, missing: MissingRecord): void {
    this.#park.run(origin, seq, missing.model, missing.record);
  }

  /** The entries waiting for a record, removed from the parking as they are returned. */
  release(missing: MissingRecord): { origin: string; seq: number }[] {
    const waiting = this.#waiting.all(missing.model, missing.record) as { origin: string; seq: number }[];
    for (const { origin, seq } of waiting) this.#release.run(origin, seq);
    return waiting;
  }

  /** The records that parked entries wait for: what the sync engine should request. */
  missing(): MissingRecord[] {
    return this.#missing.all() as MissingRecord[];
  }
}
