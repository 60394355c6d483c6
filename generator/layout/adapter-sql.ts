/**
 * The prepared SQL text of a model's adapter, built from its storage layout. The bind orders are
 * the ones `ModelSql` documents in the runtime; this file is the only place that writes them.
 *
 * Per-field LWW is one statement: each column takes the incoming value only when the incoming
 * clock is greater than the field's current clock, which is its own clock column or, while that is
 * NULL, the record's create clock. A null incoming clock (a field the change does not touch)
 * compares as NULL and keeps the stored value.
 */
import type { DeviceSql, ModelSql } from 'syncgen/contract';
import { clockColumn, CREATE_CLOCK_COLUMN, DEVICE_COLUMN, deviceTableName, RECORD_COLUMN, VERSION_COLUMN } from 'syncgen/contract';
import type { ModelSpec } from '../model-spec.js';
import { perDeviceFields, valueFields } from '../model-spec.js';
import { quote } from '../naming.js';

export function modelSql(model: ModelSpec): ModelSql {
  const table = quote(model.table);
  const key = quote(model.primaryKey);
  const values = valueFields(model).map((field) => field.name);
  const stateBased = model.strategy === 'stateBased';
  const clocks = stateBased ? [] : values.map(clockColumn);
  // insert binds [key, ...values, version or create clock]; field clocks start NULL.
  const inserted = [model.primaryKey, ...values, stateBased ? VERSION_COLUMN : CREATE_CLOCK_COLUMN];
  const all = [...inserted, ...clocks];
  const columnList = all.map(quote).join(', ');
  const insert = `INSERT INTO ${table} (${inserted.map(quote).join(', ')})\n      VALUES (${placeholders(inserted.length)})`;

  let upsert: string;
  let merge: string | null = null;
  if (stateBased) {
    const assignments = [...values, VERSION_COLUMN].map((column) => `${quote(column)} = excluded.${quote(column)}`);
    upsert =
      `${insert}\n      ON CONFLICT (${key}) DO UPDATE SET\n        ${assignments.join(',\n        ')}\n` +
      `      WHERE excluded.${quote(VERSION_COLUMN)} > ${table}.${quote(VERSION_COLUMN)}`;
  } else {
    // A row's create clock never changes: one create per record, the same on every device.
    upsert =
      `INSERT INTO ${table} (${columnList})\n      VALUES (${placeholders(all.length)})\n` +
      `      ON CONFLICT (${key}) DO UPDATE SET\n        ${upsertAssignments(table, values).join(',\n        ')}`;
    // A plain UPDATE, each field's parameters repeated (clock, value, clock, clock), the key last:
    // cheaper than an UPDATE ... FROM a one-row subquery that names each parameter once.
    merge = `UPDATE ${table} SET\n        ${mergeAssignments(values).join(',\n        ')}\n      WHERE ${key} = ?`;
  }

  return {
    insert,
    upsert,
    merge,
    delete: `DELETE FROM ${table} WHERE ${key} = ?`,
    selectById: `SELECT ${columnList} FROM ${table} WHERE ${key} = ?`,
    exists: `SELECT 1 FROM ${table} WHERE ${key} = ?`,
    page: `SELECT ${columnList} FROM ${table} WHERE ${key} > ? ORDER BY ${key} LIMIT ?`,
    device: model.strategy === 'hybrid' ? deviceSql(model) : null,
  };
}

/** A field's current clock: its own column, or the record's create clock while that is NULL. */
function currentClock(field: string, table?: string): string {
  const prefix = table === undefined ? '' : `${table}.`;
  return `coalesce(${prefix}${quote(clockColumn(field))}, ${prefix}${quote(CREATE_CLOCK_COLUMN)}, x'')`;
}

/** Upsert into an existing row: each field takes the incoming value and clock when its clock is greater. */
function upsertAssignments(table: string, values: readonly string[]): string[] {
  return values.flatMap((field) => {
    const clock = quote(clockColumn(field));
    const incoming = `coalesce(excluded.${clock}, excluded.${quote(CREATE_CLOCK_COLUMN)})`;
    const wins = `${incoming} > ${currentClock(field, table)}`;
    return [`${quote(field)} = iif(${wins}, excluded.${quote(field)}, ${table}.${quote(field)})`, `${clock} = iif(${wins}, ${incoming}, ${table}.${clock})`];
  });
}

/** Merge into an existing row; per field, bind the change's clock (NULL: untouched), the value, the clock twice. */
function mergeAssignments(values: readonly string[]): string[] {
  return values.flatMap((field) => {
    const clock = quote(clockColumn(field));
    const wins = `? > ${currentClock(field)}`;
    return [`${quote(field)} = iif(${wins}, ?, ${quote(field)})`, `${clock} = iif(${wins}, ?, ${clock})`];
  });
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

function deviceSql(model: ModelSpec): DeviceSql {
  const name = deviceTableName(model.table);
  const table = quote(name);
  const record = quote(RECORD_COLUMN);
  const device = quote(DEVICE_COLUMN);
  const values = perDeviceFields(model).map((field) => field.name);
  const all = [RECORD_COLUMN, DEVICE_COLUMN, ...values, VERSION_COLUMN];
  const columnList = all.map(quote).join(', ');
  const assignments = [...values, VERSION_COLUMN].map((column) => `${quote(column)} = excluded.${quote(column)}`);
  return {
    table: name,
    upsert:
      `INSERT INTO ${table} (${columnList})\n      VALUES (${placeholders(all.length)})\n` +
      `      ON CONFLICT (${record}, ${device}) DO UPDATE SET\n        ${assignments.join(',\n        ')}\n` +
      `      WHERE excluded.${quote(VERSION_COLUMN)} > ${table}.${quote(VERSION_COLUMN)}`,
    select: `SELECT ${columnList} FROM ${table} WHERE ${record} = ? AND ${device} = ?`,
    selectByRecord: `SELECT ${columnList} FROM ${table} WHERE ${record} = ? ORDER BY ${device}`,
    deleteByRecord: `DELETE FROM ${table} WHERE ${record} = ?`,
  };
}

/** The two statements a reference needs on the child's side. */
export function referenceSql(model: ModelSpec, field: string): { selectChildren: string; clearReference: string } {
  const table = quote(model.table);
  return {
    selectChildren: `SELECT ${quote(model.primaryKey)} FROM ${table} WHERE ${quote(field)} = ?`,
    clearReference: `UPDATE ${table} SET ${quote(field)} = NULL WHERE ${quote(field)} = ?`,
  };
}
