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
  readonly #countAll: Database.Statement;
  readonly #has: Database.Statement;
  readonly #missing: Database.Statement;
  readonly #first: Database.Statement;
  /** Counted once, then kept up to date; forgotten when a transaction rolls back. */
  #count: number | undefined;

  constructor(
    db: Database.Database,
    readonly limit: number,
  ) {
    this.#park = db.prepare('INSERT OR REPLACE INTO _sync_parked (origin, seq, model, record) VALUES (?, ?, ?, ?)');
    this.#waiting = db.prepare('SELECT origin, seq FROM _sync_parked WHERE model = ? AND record = ? ORDER BY origin, seq');
    this.#release = db.prepare('DELETE FROM _sync_parked WHERE origin = ? AND seq = ?');
    this.#countAll = db.prepare('SELECT count(*) FROM _sync_parked').pluck();
    this.#has = db.prepare('SELECT 1 FROM _sync_parked WHERE origin = ? AND seq = ?').pluck();
    this.#missing = db.prepare('SELECT DISTINCT model, record FROM _sync_parked ORDER BY model, record');
    this.#first = db.prepare('SELECT min(seq) FROM _sync_parked WHERE origin = ?').pluck();
  }

  get count(): number {
    this.#count ??= this.#countAll.get() as number;
    return this.#count;
  }

  /** Call after a rolled-back transaction: the next count reads the table again. */
  forgetCount(): void {
    this.#count = undefined;
  }

  get full(): boolean {
    return this.count >= this.limit;
  }

  has(origin: string, seq: number): boolean {
    return this.#has.get(origin, seq) !== undefined;
  }

  /** Parks an entry that is not parked now (a released entry may be parked again). */
  park(origin: string, seq: number, missing: MissingRecord): void {
    const count = this.count;
    this.#park.run(origin, seq, missing.model, missing.record);
    this.#count = count + 1;
  }

  /** The entries waiting for a record, removed from the parking as they are returned. */
  release(missing: MissingRecord): { origin: string; seq: number }[] {
    if (this.count === 0) return [];
    const waiting = this.#waiting.all(missing.model, missing.record) as { origin: string; seq: number }[];
    if (waiting.length === 0) return waiting;
    const count = this.count;
    for (const { origin, seq } of waiting) this.#release.run(origin, seq);
    this.#count = count - waiting.length;
    return waiting;
  }

  /** The lowest parked seq of an origin, or undefined when none of its entries is parked. */
  firstParked(origin: string): number | undefined {
    if (this.count === 0) return undefined;
    return (this.#first.get(origin) as number | null) ?? undefined;
  }

  /** The records that parked entries wait for: what the sync engine should request. */
  missing(): MissingRecord[] {
    return this.#missing.all() as MissingRecord[];
  }
}
