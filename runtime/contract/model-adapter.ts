/**
 * The contract between generated code and the runtime.
 *
 * The generator emits one `ModelAdapter` per schema: plain data (fields, references, prepared SQL
 * text) plus column codecs. The runtime drives every model through this shape and never reads a
 * schema at run time. Nothing here touches a database.
 */
import type { SqlValue } from '../core/sql-value.js';
import type { ColumnCodec } from './column-codecs.js';
import type { FieldKind } from './field-kinds.js';

/** How a model syncs: `stateBased` (one owning device writes it), `logBased` (any device writes it,
 * per-field last-writer-wins by HLC) or `hybrid` (logBased, plus `perDevice` fields that each device
 * owns for itself). */
export type Strategy = 'stateBased' | 'logBased' | 'hybrid';

export type { FieldKind, SqlValue };

/** What happens to a child record when the record it references is deleted, on every device. */
export type OnDelete = 'cascade' | 'setNull';

/** One field of a model: its column, how it is stored and where it lives. */
export interface FieldDescriptor<Name extends string = string> {
  /** Property name in the model type; also the column name. */
  readonly name: Name;
  readonly kind: FieldKind;
  readonly nullable: boolean;
  /** `false` when a create must give it; `true` when it is not required, or is the key or the owner (filled in). */
  readonly optionalOnCreate: boolean;
  /** An enum field's allowed values, in schema order. */
  readonly enumValues?: readonly (string | number)[];
  /** The value a create stores when it omits the field, as a TS value (`undefined`: none). */
  readonly defaultValue?: unknown;
  /** A hybrid model's field that each device keeps for itself (stored in `ModelSql.device`). */
  readonly perDevice: boolean;
  /** The column that holds this field's HLC once an update of it won (shared fields of logBased and hybrid models), or null. */
  readonly clockColumn: string | null;
  /** Converts between the TS value and the SQLite column, validating on the way in. */
  readonly codec: ColumnCodec<unknown>;
}

/** A foreign key from a field of this model to another model's primary key. */
export interface ReferenceDescriptor<Name extends string = string> {
  readonly field: Name;
  /** Name of the referenced model (e.g. `Location`). */
  readonly model: string;
  readonly onDelete: OnDelete;
  readonly nullable: boolean;
  /** `SELECT <pk> FROM <table> WHERE <field> = ?`: the children of one parent. */
  readonly selectChildren: string;
  /** `UPDATE <table> SET <field> = NULL WHERE <field> = ?`, for `setNull` references. */
  readonly clearReference: string | null;
}

/**
 * Prepared SQL text of a model's main table. Parameters are positional (`?`), in fixed orders so
 * the runtime needs no per-model code; values are the fields in `fields` order without the key
 * (a hybrid model's shared fields only). A logBased row holds its create clock (`_hlc`) and one
 * clock column per shared field, NULL while the field's clock is the create clock.
 */
export interface ModelSql {
  /** Plain insert of a new row (fails on an existing key): `[pk, ...values, version or create clock]`. */
  readonly insert: string;
  /**
   * Insert, or merge into the existing row: stateBased, `[pk, ...values, version]`, the whole row
   * when the version is newer; logBased, `[pk, ...values, createClock, ...fieldClocks]` with every
   * value given and a null field clock meaning the create clock, per-field LWW.
   */
  readonly upsert: string;
  /**
   * Per-field LWW merge into an existing row only (logBased/hybrid; changes = 0 when it is absent):
   * per field `clock, value, clock, clock` (a null clock: the change does not touch the field), then pk.
   */
  readonly merge: string | null;
  /** `DELETE ... WHERE pk = ?`. */
  readonly delete: string;
  /** Every column, meta columns included, of one row by key. */
  readonly selectById: string;
  /** `SELECT 1 ... WHERE pk = ?`. */
  readonly exists: string;
  /** Every column of the rows with a key greater than the first parameter, in key order, up to the second. */
  readonly page: string;
  /** The per-device table of a hybrid model, or null. */
  readonly device: DeviceSql | null;
}

/** Prepared SQL of a hybrid model's per-device table; bind `[record, device, ...values, version]`. */
export interface DeviceSql {
  readonly table: string;
  /** Insert, or overwrite when the incoming version is newer. */
  readonly upsert: string;
  /** One device's row of one record: bind record, device. */
  readonly select: string;
  /** Every device's row of one record. */
  readonly selectByRecord: string;
  /** Removes every device's row of one record. */
  readonly deleteByRecord: string;
}

/**
 * Everything the runtime knows about one model. `T` is the stored record type, `Optional` the
 * keys that a create may omit.
 */
export interface ModelAdapter<T = Record<string, unknown>, Optional extends keyof T = keyof T> {
  /** Model name as declared by the schema's `title` (`UserMetadata`). */
  readonly name: string;
  /** Stable numeric id used on the wire and in the sync log. */
  readonly id: number;
  /** Property name on transactions and the registry (`userMetadata`). */
  readonly accessor: string;
  readonly table: string;
  readonly strategy: Strategy;
  readonly primaryKey: keyof T & string;
  /** Field that holds the owning device (stateBased), else null. */
  readonly owner: (keyof T & string) | null;
  /** Every field in schema order, the primary key first. */
  readonly fields: readonly FieldDescriptor<keyof T & string>[];
  readonly references: readonly ReferenceDescriptor<keyof T & string>[];
  readonly sql: ModelSql;
  /** Type-level only: the record and create-input types this adapter stands for. */
  readonly types?: { readonly record: T; readonly optional: Optional };
}

/** Any model's adapter, whatever its record type. */
export type AnyModelAdapter = ModelAdapter<any, any>;

/** The record type of an adapter. */
export type RecordOf<A> = A extends ModelAdapter<infer T, infer _O> ? T : never;

/** The input of a create: required keys must be given, optional ones may be omitted. */
export type CreateInput<A> = A extends ModelAdapter<infer T, infer O> ? Omit<T, O> & Partial<Pick<T, O>> : never;

/** The input of an update: any fields but the primary key. */
export type UpdateInput<A> = A extends ModelAdapter<infer T, infer _O> ? Partial<Omit<T, A['primaryKey']>> : never;
