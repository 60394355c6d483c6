/**
 * A library file's model tables, found from the file alone, without the app's registry (for
 * `syncgen inspect`): a model's table is one with syncgen's meta columns (`_version`: stateBased;
 * `_hlc`: logBased, or hybrid when its per-device table `<table>__device` is beside it), and
 * `_sync_model` names the model of each id, whose table is `modelTableName(name)`. Tables an app's
 * hand-written migrations made, without meta columns, are not synced and not listed.
 */
import type Database from 'better-sqlite3';
import type { Strategy } from '../contract/model-adapter.js';
import { CREATE_CLOCK_COLUMN, deviceTableName, DEVICE_COLUMN, modelTableName, RECORD_COLUMN, VERSION_COLUMN } from '../contract/storage-columns.js';

/** A synced table of the file. */
export interface ModelTable {
  readonly table: string;
  /** The model it stores and its id, by `_sync_model`; null when no model of the file maps to it. */
  readonly model: string | null;
  readonly modelId: number | null;
  /** `model`: the model's own table; `perDevice`: a hybrid model's per-device values. */
  readonly kind: 'model' | 'perDevice';
  readonly strategy: Strategy;
}

/** The model names of the file by id (`_sync_model`, written at every open by the app's registry). */
export function modelNames(db: Database.Database): Map<number, string> {
  const rows = db.prepare('SELECT id, name FROM _sync_model ORDER BY id').all() as { id: number; name: string }[];
  return new Map(rows.map((row) => [row.id, row.name]));
}

/** Every synced table of the file: each model's table by name, its per-device table right after it. */
export function findModelTables(db: Database.Database, names: ReadonlyMap<number, string>): ModelTable[] {
  // Runtime tables start with `_`, which model names cannot; sqlite_ is SQLite's own.
  const candidates = db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )
    .pluck()
    .all() as string[];
  const columnsOf = db.prepare('SELECT name FROM pragma_table_info(?)').pluck();
  const columns = new Map(candidates.map((table) => [table, new Set(columnsOf.all(table) as string[])]));
  const modelOf = new Map([...names].map(([id, name]) => [modelTableName(name), { model: name, modelId: id }]));
  const tables: ModelTable[] = [];
  for (const [table, has] of columns) {
    if (has.has(RECORD_COLUMN) && has.has(DEVICE_COLUMN)) continue; // a per-device table: listed after its model's
    const stateBased = has.has(VERSION_COLUMN);
    if (!stateBased && !has.has(CREATE_CLOCK_COLUMN)) continue;
    const model = modelOf.get(table) ?? { model: null, modelId: null };
    const device = deviceTableName(table);
    const hybrid = !stateBased && columns.get(device)?.has(RECORD_COLUMN) === true;
    tables.push({ table, ...model, kind: 'model', strategy: stateBased ? 'stateBased' : hybrid ? 'hybrid' : 'logBased' });
    if (hybrid) tables.push({ table: device, ...model, kind: 'perDevice', strategy: 'hybrid' });
  }
  return tables;
}

/** The rows of a table found by `findModelTables`. */
export function countRows(db: Database.Database, table: string): number {
  return db
    .prepare(`SELECT count(*) FROM "${table.replaceAll('"', '""')}"`)
    .pluck()
    .get() as number;
}
