/**
 * What typed reads decode, by table and column, built once from the registry's adapters: the
 * fields whose stored value is not the app's value (`FIELD_KINDS`: a TypeScript type that differs
 * from the stored type, today booleans and JSON), in each model's table or, for a hybrid model's
 * perDevice fields, its per-device table.
 */
import type { SqlValue } from '../core/sql-value.js';
import { FIELD_KINDS, type FieldKind } from '../contract/field-kinds.js';
import type { AnyModelAdapter, FieldDescriptor } from '../contract/model-adapter.js';

/** A column that reads back decoded, and how. */
export interface DecodedColumn {
  readonly kind: FieldKind;
  /** Stored value to the app's value; NULL stays null (an outer join gives it for any column). */
  readonly decode: (stored: SqlValue) => unknown;
}

/** A table's field columns by name: the decoded ones, and undefined for those read as stored. */
export type TableColumns = ReadonlyMap<string, DecodedColumn | undefined>;

/** Every synced table's field columns, by table name. */
export type ReadCatalog = ReadonlyMap<string, TableColumns>;

/** The models a catalog is built from: a registry, or anything with its `models`. */
export interface ModelSource {
  readonly models: Readonly<Record<string, AnyModelAdapter>>;
}

export function readCatalog(source: ModelSource): ReadCatalog {
  const catalog = new Map<string, TableColumns>();
  for (const adapter of Object.values(source.models)) {
    catalog.set(adapter.table, tableColumns(adapter.fields.filter((field) => !field.perDevice)));
    const device = adapter.sql.device;
    if (device !== null) catalog.set(device.table, tableColumns(adapter.fields.filter((field) => field.perDevice)));
  }
  return catalog;
}

function tableColumns(fields: readonly FieldDescriptor[]): TableColumns {
  return new Map(fields.map((field) => [field.name, decodes(field) ? decodedColumn(field) : undefined]));
}

/** Whether the app's value differs from the stored one; only those columns cost a decode per row. */
function decodes(field: FieldDescriptor): boolean {
  const row = FIELD_KINDS[field.kind];
  return row.tsType(field) !== row.storedType(field);
}

function decodedColumn(field: FieldDescriptor): DecodedColumn {
  const { codec } = field;
  return { kind: field.kind, decode: (stored) => (stored === null ? null : codec.decode(stored)) };
}
