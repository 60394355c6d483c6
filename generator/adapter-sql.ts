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
  const placeholders = all.map((_, index) => `?${index + 1}`).join(', ');
  const insert = `INSERT INTO ${table} (${columnList})\n      VALUES (${placeholders})`;

  let upsert: string;
  let merge: string | null = null;
  if (model.strategy === 'stateBased') {
    const assignments = [...values, VERSION_COLUMN].map((column) => `${quote(column)} = excluded.${quote(column)}`);
    upsert =
      `${insert}\n      ON CONFLICT (${key}) DO UPDATE SET\n        ${assignments.join(',\n        ')}\n` +
      `      WHERE excluded.${quote(VERSION_COLUMN)} > ${table}.${quote(VERSION_COLUMN)}`;
  } else {
    const wins = (field: string, incomingClock: string) => `${incomingClock} > coalesce(${quote(clockColumn(field))}, x'')`;
    const upsertAssignments = values.flatMap((field) => {
      const incomingClock = `excluded.${quote(clockColumn(field))}`;
      return [
        `${quote(field)} = iif(${wins(field, incomingClock)}, excluded.${quote(field)}, ${quote(field)})`,
        `${quote(clockColumn(field))} = iif(${wins(field, incomingClock)}, ${incomingClock}, ${quote(clockColumn(field))})`,
      ];
    });
    upsert = `${insert}\n      ON CONFLICT (${key}) DO UPDATE SET\n        ${upsertAssignments.join(',\n        ')}`;
    const mergeAssignments = values.flatMap((field, index) => {
      const value = `?${index + 2}`;
      const incomingClock = `?${index + 2 + values.length}`;
      return [
        `${quote(field)} = iif(${wins(field, incomingClock)}, ${value}, ${quote(field)})`,
        `${quote(clockColumn(field))} = iif(${wins(field, incomingClock)}, ${incomingClock}, ${quote(clockColumn(field))})`,
      ];
    });
    merge = `UPDATE ${table} SET\n        ${mergeAssignments.join(',\n        ')}\n      WHERE ${key} = ?1`;
  }

  return {
    insert,
    upsert,
    merge,
    delete: `DELETE FROM ${table} WHERE ${key} = ?1`,
    selectById: `SELECT ${columnList} FROM ${table} WHERE ${key} = ?1`,
    exists: `SELECT 1 FROM ${table} WHERE ${key} = ?1`,
    page: `SELECT ${columnList} FROM ${table} WHERE ${key} > ?1 ORDER BY ${key} LIMIT ?2`,
    device: model.strategy === 'hybrid' ? deviceSql(model) : null,
  };
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
      `INSERT INTO ${table} (${columnList})\n      VALUES (${all.map((_, index) => `?${index + 1}`).join(', ')})\n` +
      `      ON CONFLICT (${record}, ${device}) DO UPDATE SET\n        ${assignments.join(',\n        ')}\n` +
      `      WHERE excluded.${quote(VERSION_COLUMN)} > ${table}.${quote(VERSION_COLUMN)}`,
    select: `SELECT ${columnList} FROM ${table} WHERE ${record} = ?1 AND ${device} = ?2`,
    selectByRecord: `SELECT ${columnList} FROM ${table} WHERE ${record} = ?1 ORDER BY ${device}`,
    page: `SELECT ${columnList} FROM ${table} WHERE (${record}, ${device}) > (?1, ?2) ORDER BY ${record}, ${device} LIMIT ?3`,
    deleteByRecord: `DELETE FROM ${table} WHERE ${record} = ?1`,
  };
}

/** The two statements a reference needs on the child's side. */
export function referenceSql(model: ModelSpec, field: string): { selectChildren: string; clearReference: string } {
  const table = quote(model.table);
  return {
    selectChildren: `SELECT ${quote(model.primaryKey)} FROM ${table} WHERE ${quote(field)} = ?1`,
    clearReference: `UPDATE ${table} SET ${quote(field)} = NULL WHERE ${quote(field)} = ?1`,
  };
}
