/**
 * One model's rows: its adapter's prepared statements, compiled once per library, and the bind
 * arrays in the orders `ModelSql` documents. Knows nothing of sync rules; the local write path
 * and the remote apply path decide what to write.
 */
import type Database from 'better-sqlite3';
import type { SqlValue } from '../core/sql-value.js';
import type { AnyModelAdapter, FieldDescriptor, ReferenceDescriptor } from '../contract/model-adapter.js';

/** Column values by field name. */
export type Values = Record<string, SqlValue>;

/** A reference from another model's field to this model. */
export interface ChildReference {
  readonly child: ModelStore;
  readonly reference: ReferenceDescriptor;
  readonly selectChildren: Database.Statement;
  readonly clearReference: Database.Statement | null;
}

export class ModelStore {
  readonly adapter: AnyModelAdapter;
  readonly key: FieldDescriptor;
  /** Shared fields other than the key, in bind order. */
  readonly values: readonly FieldDescriptor[];
  /** A hybrid model's perDevice fields, in bind order. */
  readonly deviceFields: readonly FieldDescriptor[];
  /** Every field but the key: shared, then perDevice. */
  readonly writable: readonly FieldDescriptor[];
  readonly fields: ReadonlyMap<string, FieldDescriptor>;
  /** References of other models to this one; filled in once every store exists. */
  readonly children: ChildReference[] = [];

  readonly #insert: Database.Statement;
  readonly #upsert: Database.Statement;
  readonly #merge: Database.Statement | null;
  readonly #delete: Database.Statement;
  readonly #select: Database.Statement;
  readonly #exists: Database.Statement;
  readonly #page: Database.Statement;
  readonly #device: {
    upsert: Database.Statement;
    select: Database.Statement;
    selectByRecord: Database.Statement;
    deleteByRecord: Database.Statement;
  } | null;

  constructor(db: Database.Database, adapter: AnyModelAdapter) {
    this.adapter = adapter;
    this.key = adapter.fields.find((field) => field.name === adapter.primaryKey)!;
    this.values = adapter.fields.filter((field) => field !== this.key && !field.perDevice);
    this.deviceFields = adapter.fields.filter((field) => field.perDevice);
    this.writable = [...this.values, ...this.deviceFields];
    this.fields = new Map(adapter.fields.map((field) => [field.name, field]));
    const { sql } = adapter;
    this.#insert = db.prepare(sql.insert);
    this.#upsert = db.prepare(sql.upsert);
    this.#merge = sql.merge === null ? null : db.prepare(sql.merge);
    this.#delete = db.prepare(sql.delete);
    this.#select = db.prepare(sql.selectById);
    this.#exists = db.prepare(sql.exists).pluck();
    this.#page = db.prepare(sql.page);
    this.#device = sql.device && {
      upsert: db.prepare(sql.device.upsert),
      select: db.prepare(sql.device.select),
      selectByRecord: db.prepare(sql.device.selectByRecord),
      deleteByRecord: db.prepare(sql.device.deleteByRecord),
    };
  }

  get name(): string {
    return this.adapter.name;
  }

  get isStateBased(): boolean {
    return this.adapter.strategy === 'stateBased';
  }

  exists(id: string): boolean {
    return this.#exists.get(id) !== undefined;
  }

  /** Every column of a row, meta columns included, or undefined. */
  row(id: string): Values | undefined {
    return this.#select.get(id) as Values | undefined;
  }

  /** Rows with a key after `after`, in key order. */
  page(after: string, limit: number): Values[] {
    return this.#page.all(after, limit) as Values[];
  }

  /** Plain insert of a new row; `clock` is its version (stateBased) or its create clock (logBased). */
  insert(id: string, values: Values, clock: Uint8Array): void {
    this.#insert.run(this.#row(id, values, clock));
  }

  /**
   * Writes a whole record with `clock`: stateBased, the row when `clock` is a newer version;
   * logBased, a new row with `clock` as its create clock, or into an existing row each field whose
   * clock is older. `values` holds every field.
   */
  upsert(id: string, values: Values, clock: Uint8Array): void {
    const row = this.#row(id, values, clock);
    if (!this.isStateBased) for (let index = 0; index < this.values.length; index += 1) row.push(null);
    this.#upsert.run(row);
  }

  /**
   * Like `upsert` for a logBased record as a snapshot carries it: its create clock and the clocks of
   * the fields updated since (a missing one is the create clock). Every device then holds the same
   * clock columns for the same changes.
   */
  upsertWithClocks(id: string, values: Values, createClock: Uint8Array, clocks: Readonly<Record<string, Uint8Array>>): void {
    const row = this.#row(id, values, createClock);
    for (const field of this.values) row.push(clocks[field.name] ?? null);
    this.#upsert.run(row);
  }

  /** Per-field LWW of the given fields into an existing row only; false when the row is absent. */
  merge(id: string, values: Values, clock: Uint8Array): boolean {
    const row: SqlValue[] = [];
    for (const field of this.values) {
      const touched = field.name in values;
      const fieldClock = touched ? clock : null;
      row.push(fieldClock, touched ? values[field.name]! : null, fieldClock, fieldClock);
    }
    row.push(id);
    return this.#merge!.run(row).changes > 0;
  }

  delete(id: string): void {
    this.#delete.run(id);
    this.#device?.deleteByRecord.run(id);
  }

  /** One device's perDevice values of a record, or undefined. */
  deviceRow(id: string, device: string): Values | undefined {
    return this.#device!.select.get(id, device) as Values | undefined;
  }

  deviceRows(id: string): Values[] {
    return this.#device!.selectByRecord.all(id) as Values[];
  }

  /** Writes a device's perDevice values when `version` is newer than the stored one. */
  upsertDevice(id: string, device: string, values: Values, version: Uint8Array): void {
    this.#device!.upsert.run([id, device, ...this.deviceFields.map((field) => values[field.name] ?? null), version]);
  }

  /** `[key, ...values, clock]`: the bind order of `insert` and the start of `upsert`'s. */
  #row(id: string, values: Values, clock: Uint8Array): SqlValue[] {
    const row: SqlValue[] = [id];
    for (const field of this.values) row.push(values[field.name] ?? null);
    row.push(clock);
    return row;
  }
}
