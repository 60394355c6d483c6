/**
 * Tombstones: every deleted record. Deletes are final: a record with a tombstone never comes back,
 * whatever the clock of a concurrent or later change to it.
 *
 * A tombstone keeps the smallest HLC of the record's own delete entries; a record deleted only by
 * a cascade from its parent has none (null). Both are functions of the set of changes a device
 * holds, not of their order, so tombstones converge like the rows do.
 */
import type Database from 'better-sqlite3';

export class Tombstones {
  readonly #get: Database.Statement;
  readonly #add: Database.Statement;
  readonly #page: Database.Statement;
  readonly #any: Database.Statement;

  constructor(db: Database.Database) {
    this.#get = db.prepare('SELECT hlc FROM _sync_tombstone WHERE model = ? AND record = ?').pluck();
    this.#add = db.prepare(
      'INSERT INTO _sync_tombstone (model, record, hlc) VALUES (?, ?, ?) ON CONFLICT (model, record) DO UPDATE SET hlc = ' +
        'CASE WHEN hlc IS NULL THEN excluded.hlc WHEN excluded.hlc IS NULL THEN hlc ELSE min(hlc, excluded.hlc) END',
    );
    this.#page = db.prepare('SELECT record, hlc FROM _sync_tombstone WHERE model = ? AND record > ? ORDER BY record LIMIT ?');
    this.#any = db.prepare('SELECT 1 FROM _sync_tombstone LIMIT 1').pluck();
  }

  /** No record was ever deleted (a new device's library, for one). */
  isEmpty(): boolean {
    return this.#any.get() === undefined;
  }

  has(model: number, record: string): boolean {
    return this.#get.get(model, record) !== undefined;
  }

  /** The clock of the record's own delete (null after a cascade only), or undefined when not deleted. */
  clock(model: number, record: string): Buffer | null | undefined {
    return this.#get.get(model, record) as Buffer | null | undefined;
  }

  /** Tombstones of a model after a record key, in key order. */
  page(model: number, after: string, limit: number): { record: string; hlc: Buffer | null }[] {
    return this.#page.all(model, after, limit) as { record: string; hlc: Buffer | null }[];
  }

  /** Records a delete: `hlc` of the record's own delete entry, or null for a cascade. */
  add(model: number, record: string, hlc: Uint8Array | null): void {
    this.#add.run(model, record, hlc);
  }
}
