/**
 * The prepared SQL text of a model's adapter, built from its storage layout. The bind orders are
 * the ones `ModelSql` documents in the runtime; this file is the only place that writes them.
 *
 * Per-field LWW is one statement: each column takes the incoming value only when the incoming
 * clock is greater than the stored one. A null incoming clock (a field the change does not touch)
 * compares as NULL and keeps the stored value; a null stored clock (a field added by a later
 * migration) loses to any clock.
 */
import type { DeviceSql, ModelSql } from '../runtime/model-adapter.js';
import type { ModelSpec } from './model-spec.js';
import { perDeviceFields, valueFields } from './model-spec.js';
import { quote } from './naming.js';
import { clockColumn, DEVICE_COLUMN, deviceTableName, RECORD_COLUMN, VERSION_COLUMN } from './storage-layout.js';

export function modelSql(model: ModelSpec): ModelSql {
  const table = quote(model.table);
  const key = quote(model.primaryKey);
  const values = valueFields(model).map((field) => field.name);
  const meta = model.strategy === 'stateBased' ? [VERSION_COLUMN] : values.map(clockColumn);
  const all = [model.primaryKey, ...values, ...meta];
  const columnList = all.map(quote).join(', ');
  const insert = `INSERT INTO ${table} (${columnList})\n      VALUES (${placeholders(all.length)})`;

  let upsert: string;
  let merge: string | null = null;
  if (model.strategy === 'stateBased') {
    const assignments = [...values, VERSION_COLUMN].map((column) => `${quote(column)} = excluded.${quote(column)}`);
    upsert =
      `${insert}\n      ON CONFLICT (${key}) DO UPDATE SET\n        ${assignments.join(',\n        ')}\n` +
      `      WHERE excluded.${quote(VERSION_COLUMN)} > ${table}.${quote(VERSION_COLUMN)}`;
  } else {
    upsert = `${insert}\n      ON CONFLICT (${key}) DO UPDATE SET\n        ${lwwAssignments(table, values, 'excluded').join(',\n        ')}`;
    // UPDATE ... FROM a one-row subquery: each parameter appears once, in the same order as upsert.
    merge =
      `UPDATE ${table} SET\n        ${lwwAssignments(table, values, 'incoming').join(',\n        ')}\n` +
      `      FROM (SELECT ${all.map((column) => `? AS ${quote(column)}`).join(', ')}) AS incoming\n` +
      `      WHERE ${table}.${key} = incoming.${key}`;
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

/** Each field takes the incoming value (and clock) only when the incoming clock is greater. */
function lwwAssignments(table: string, values: readonly string[], incoming: string): string[] {
  return values.flatMap((field) => {
    const clock = quote(clockColumn(field));
    const wins = `${incoming}.${clock} > coalesce(${table}.${clock}, x'')`;
    return [
      `${quote(field)} = iif(${wins}, ${incoming}.${quote(field)}, ${table}.${quote(field)})`,
      `${clock} = iif(${wins}, ${incoming}.${clock}, ${table}.${clock})`,
    ];
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
    page: `SELECT ${columnList} FROM ${table} WHERE (${record}, ${device}) > (?, ?) ORDER BY ${record}, ${device} LIMIT ?`,
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
