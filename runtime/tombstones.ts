/**
 * Tombstones: every deleted record with the HLC of its delete. Deletes are final: a record with a
 * tombstone never comes back, whatever the clock of a concurrent or later change to it. When two
 * deletes reach one record (its own, and a cascade from its parent), the smaller clock is kept, so
 * every device ends with the same tombstone whatever order the deletes arrived in.
 */
import type Database from 'better-sqlite3';

export class Tombstones {
  readonly #get: Database.Statement;
  readonly #add: Database.Statement;

  constructor(db: Database.Database) {
    this.#get = db.prepare('SELECT hlc FROM _sync_tombstone WHERE model = ? AND record = ?').pluck();
    this.#add = db.prepare(
      'INSERT INTO _sync_tombstone (model, record, hlc) VALUES (?, ?, ?) ON CONFLICT (model, record) DO UPDATE SET hlc = min(hlc, excluded.hlc)',
    );
  }

  /** The clock of the record's delete, or undefined when it was not deleted. */
  get(model: number, record: string): Buffer | undefined {
    return this.#get.get(model, record) as Buffer | undefined;
  }

  add(model: number, record: string, hlc: Buffer): void {
    this.#add.run(model, record, hlc);
  }
}
