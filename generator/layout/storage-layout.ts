/**
 * How a model is laid out in SQLite: its main table (the key, the shared fields, and either the
 * owner's version or the record's create clock plus one HLC column per shared field) and, for
 * hybrid models, a per-device table.
 *
 * A shared field's clock column is NULL until an update of that field wins: its clock is then the
 * create clock. Most rows are never edited field by field, so they carry one 24-byte clock, not
 * one per field (a Tag row with every clock filled is three times as wide as its values).
 *
 * Meta columns start with `_`, which field names cannot, so they never clash with fields.
 */
import { codecFor, FIELD_KINDS, type FieldKind, type SqlType } from 'syncgen/contract';
import { clockColumn, CREATE_CLOCK_COLUMN, DEVICE_COLUMN, deviceTableName, RECORD_COLUMN, VERSION_COLUMN } from 'syncgen/contract';
import type { FieldSpec, ModelIdentity, ModelSpec } from '../model-spec.js';
import { modelIdentity, perDeviceFields, valueFields } from '../model-spec.js';
import { compareText } from '../naming.js';

export type { SqlType };

/** What a column is for. */
export type ColumnRole = 'key' | 'value' | 'createClock' | 'clock' | 'version' | 'record' | 'device';

export interface ColumnSpec {
  readonly name: string;
  readonly type: SqlType;
  readonly nullable: boolean;
  /** SQL default as a column value; absent when none. */
  readonly default?: string | number;
  readonly role: ColumnRole;
  /** The field this column stores or clocks, if any. */
  readonly field?: string;
  /** The field's kind, for value and key columns. */
  readonly kind?: FieldKind;
  /** The field's name in the last schema version, on the column that stores a renamed field (`history/renames.ts`). */
  readonly renamedFrom?: string;
}

export interface IndexSpec {
  readonly name: string;
  readonly columns: readonly string[];
}

export interface TableSpec {
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
  readonly primaryKey: readonly string[];
  readonly indexes: readonly IndexSpec[];
}

/** One model's storage: what a schema history file records per model, and what migrations compare. */
export interface ModelLayout extends ModelIdentity {
  /** The model's name in the last schema version, when it was renamed (`history/renames.ts`). */
  readonly renamedFrom?: string;
  readonly tables: readonly TableSpec[];
}

/** Every model's storage, sorted by name (the order a history file lists them in). */
export function modelLayouts(models: readonly ModelSpec[]): ModelLayout[] {
  return [...models]
    .sort((a, b) => compareText(a.name, b.name))
    .map((model) => {
      const { name, ...identity } = modelIdentity(model);
      return { name, ...(model.renamedFrom === undefined ? {} : { renamedFrom: model.renamedFrom }), ...identity, tables: modelTables(model) };
    });
}

/** The tables of a model, main table first. */
export function modelTables(model: ModelSpec): TableSpec[] {
  const key = model.fields[0]!;
  const values = valueFields(model);
  const main: TableSpec = {
    name: model.table,
    columns: [
      withRename({ name: key.name, type: 'text', nullable: false, role: 'key', field: key.name, kind: key.kind }, key),
      ...values.map(valueColumn),
      ...(model.strategy === 'stateBased'
        ? [{ name: VERSION_COLUMN, type: 'blob', nullable: false, role: 'version' } as const]
        : [
            { name: CREATE_CLOCK_COLUMN, type: 'blob', nullable: true, role: 'createClock' } as const,
            ...values.map((field) => ({ name: clockColumn(field.name), type: 'blob', nullable: true, role: 'clock', field: field.name }) as const),
          ]),
    ],
    primaryKey: [key.name],
    indexes: mainIndexes(model),
  };
  if (model.strategy !== 'hybrid') return [main];
  const device: TableSpec = {
    name: deviceTableName(model.table),
    columns: [
      { name: RECORD_COLUMN, type: 'text', nullable: false, role: 'record' },
      { name: DEVICE_COLUMN, type: 'text', nullable: false, role: 'device' },
      ...perDeviceFields(model).map(valueColumn),
      { name: VERSION_COLUMN, type: 'blob', nullable: false, role: 'version' },
    ],
    primaryKey: [RECORD_COLUMN, DEVICE_COLUMN],
    indexes: [],
  };
  return [main, device];
}

function valueColumn(field: FieldSpec): ColumnSpec {
  const column: ColumnSpec = {
    name: field.name,
    type: FIELD_KINDS[field.kind].sqlType(field),
    nullable: field.nullable,
    role: 'value',
    field: field.name,
    kind: field.kind,
  };
  if (field.default === undefined) return withRename(column, field);
  return withRename({ ...column, default: codecFor(field).encode(field.default) as string | number }, field);
}

function withRename(column: ColumnSpec, field: FieldSpec): ColumnSpec {
  return field.renamedFrom === undefined ? column : { ...column, renamedFrom: field.renamedFrom };
}

/** Declared indexes, plus one on every reference field that no declared index starts with
 * (deleting a parent looks up its children by that field). */
function mainIndexes(model: ModelSpec): IndexSpec[] {
  const declared = model.indexes.map((index) => index.fields);
  const references = model.fields.filter((field) => field.reference && !declared.some((fields) => fields[0] === field.name)).map((field) => [field.name]);
  const byName = new Map<string, IndexSpec>();
  for (const fields of [...declared, ...references]) {
    const name = `idx_${model.table}__${fields.join('__')}`;
    byName.set(name, { name, columns: fields });
  }
  return [...byName.values()].sort((a, b) => compareText(a.name, b.name));
}
