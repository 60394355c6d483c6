/**
 * Writing fields into rows that were written before their columns existed. A device on an older
 * schema applied a change without the fields it did not know; after it upgrades, the migration gave
 * those columns their defaults, standing for the change's own clock (a field clock column is NULL:
 * the create clock; a state's version). The change's real values must then replace the defaults
 * at the same clock, which the adapters' merge SQL (newer clock wins) would refuse. These
 * statements write a field when its stored clock is not newer than the value's, and keep the
 * stored representation of clocks (NULL for the create clock), so the row ends as a device that
 * always knew the field holds it. Run once per upgrade (`merge/replay-quarantine.ts`); each is a
 * primary-key lookup.
 */
import type Database from 'better-sqlite3';
import type { SqlValue } from '../core/sql-value.js';
import { CREATE_CLOCK_COLUMN, DEVICE_COLUMN, RECORD_COLUMN, VERSION_COLUMN } from '../contract/storage-columns.js';
import type { ModelStore } from './model-store.js';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export class LateFields {
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();

  constructor(db: Database.Database) {
    this.#db = db;
  }

  /** A shared field of a logBased or hybrid row, written unless its clock is newer than `clock`. */
  shared(model: ModelStore, id: string, name: string, value: SqlValue, clock: Uint8Array): boolean {
    const field = model.fields.get(name)!;
    const { table, primaryKey } = model.adapter;
    const column = quote(field.clockColumn!);
    const sql =
      `UPDATE ${quote(table)} SET ${quote(name)} = ?, ${column} = iif(? = ${CREATE_CLOCK_COLUMN}, NULL, ?) ` +
      `WHERE ${quote(primaryKey)} = ? AND coalesce(${column}, ${CREATE_CLOCK_COLUMN}) <= ?`;
    return this.#run(sql, [value, clock, clock, id, clock]);
  }

  /** Fields of a stateBased row, written when the row's version is the state's `version`. */
  state(model: ModelStore, id: string, values: Readonly<Record<string, SqlValue>>, version: Uint8Array): boolean {
    const names = Object.keys(values);
    const { table, primaryKey } = model.adapter;
    const sql = `UPDATE ${quote(table)} SET ${names.map((name) => `${quote(name)} = ?`).join(', ')} WHERE ${quote(primaryKey)} = ? AND ${VERSION_COLUMN} = ?`;
    return this.#run(sql, [...names.map((name) => values[name]!), id, version]);
  }

  /** perDevice fields of one device's row of a hybrid record, written when the row's version is `version`. */
  device(model: ModelStore, id: string, device: string, values: Readonly<Record<string, SqlValue>>, version: Uint8Array): boolean {
    const names = Object.keys(values);
    const table = model.adapter.sql.device!.table;
    const sql =
      `UPDATE ${quote(table)} SET ${names.map((name) => `${quote(name)} = ?`).join(', ')} ` +
      `WHERE ${RECORD_COLUMN} = ? AND ${DEVICE_COLUMN} = ? AND ${VERSION_COLUMN} = ?`;
    return this.#run(sql, [...names.map((name) => values[name]!), id, device, version]);
  }

  #run(sql: string, parameters: unknown[]): boolean {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement.run(parameters).changes > 0;
  }
}
