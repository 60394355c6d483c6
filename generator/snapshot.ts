/**
 * Schema snapshots: the storage layout of every model after each migration, checked in beside the
 * schemas (`schema/snapshots/0001_initial.json`, ...). They are the migration history: migration N
 * is the difference between snapshots N-1 and N, so `generated/` can be emptied and rewritten
 * without losing a migration. Also the schema hash that peers compare.
 */
import { createHash } from 'node:crypto';
import type { Strategy } from '../runtime/contract/model-adapter.js';
import { SnapshotError } from './errors.js';
import type { ModelSpec } from './model-spec.js';
import { compareText } from './naming.js';
import { modelTables, type ColumnSpec, type IndexSpec, type TableSpec } from './storage-layout.js';

export const SNAPSHOT_FORMAT = 1;

export interface ModelSnapshot {
  readonly name: string;
  readonly id: number;
  readonly strategy: Strategy;
  readonly primaryKey: string;
  readonly owner: string | null;
  readonly tables: readonly TableSpec[];
}

export interface Snapshot {
  /** The migration that brings a database to this state, e.g. `0002_add_tag_icon`. */
  readonly migration: string;
  readonly models: readonly ModelSnapshot[];
}

/** A snapshot file as read from disk. */
export interface SnapshotSource {
  readonly file: string;
  readonly text: string;
}

const SQL_TYPES = ['text', 'integer', 'real', 'blob'];
const MIGRATION_NAME = /^(\d{4})_[a-z0-9_]+$/;

export function modelSnapshots(models: readonly ModelSpec[]): ModelSnapshot[] {
  return [...models]
    .sort((a, b) => compareText(a.name, b.name))
    .map((model) => ({
      name: model.name,
      id: model.id,
      strategy: model.strategy,
      primaryKey: model.primaryKey,
      owner: model.owner,
      tables: modelTables(model),
    }));
}

export function serializeSnapshot(snapshot: Snapshot): string {
  return `${readableJson({ syncgenSnapshot: SNAPSHOT_FORMAT, migration: snapshot.migration, models: snapshot.models }, '')}\n`;
}

/** JSON with one line per column or index: objects and arrays of plain values stay on one line. */
function readableJson(value: unknown, indent: string): string {
  const flat = (item: unknown) => item === null || typeof item !== 'object' || (Array.isArray(item) && item.every(flat));
  const inner = `${indent}  `;
  if (flat(value) || Object.values(value as object).every(flat)) {
    if (value === null || typeof value !== 'object') return JSON.stringify(value);
    if (Array.isArray(value)) return `[${value.map((item) => readableJson(item, inner)).join(', ')}]`;
    const entries = Object.entries(value);
    return entries.length === 0 ? '{}' : `{ ${entries.map(([key, item]) => `${JSON.stringify(key)}: ${readableJson(item, inner)}`).join(', ')} }`;
  }
  const items = Array.isArray(value)
    ? value.map((item) => `${inner}${readableJson(item, inner)}`)
    : Object.entries(value as object).map(([key, item]) => `${inner}${JSON.stringify(key)}: ${readableJson(item, inner)}`);
  return Array.isArray(value) ? `[\n${items.join(',\n')}\n${indent}]` : `{\n${items.join(',\n')}\n${indent}}`;
}

/** Parses and orders the history; numbers must run 0001, 0002, ... without gaps. */
export function readHistory(sources: readonly SnapshotSource[]): Snapshot[] {
  const snapshots = sources.map(parseSnapshot).sort((a, b) => compareText(a.migration, b.migration));
  snapshots.forEach((snapshot, position) => {
    const number = Number(MIGRATION_NAME.exec(snapshot.migration)![1]);
    if (number !== position + 1) {
      const file = sources.find((source) => source.file.endsWith(`${snapshot.migration}.json`))?.file ?? snapshot.migration;
      throw new SnapshotError(file, `expected migration number ${String(position + 1).padStart(4, '0')} here; the history has a gap or a duplicate`);
    }
  });
  return snapshots;
}

function parseSnapshot(source: SnapshotSource): Snapshot {
  const fail = (problem: string): never => {
    throw new SnapshotError(source.file, problem);
  };
  let data: unknown;
  try {
    data = JSON.parse(source.text);
  } catch (error) {
    return fail(`not valid JSON (${(error as Error).message})`);
  }
  const root = object(data, 'the file', fail);
  if (root.syncgenSnapshot !== SNAPSHOT_FORMAT) fail(`unknown snapshot format ${JSON.stringify(root.syncgenSnapshot)}`);
  const migration = root.migration;
  if (typeof migration !== 'string' || !MIGRATION_NAME.test(migration)) fail('"migration" must be a name like 0001_initial');
  const stem = source.file.split(/[\\/]/).pop()!.replace(/\.json$/, '');
  if (stem !== migration) fail(`the file name does not match its migration "${String(migration)}"`);
  if (!Array.isArray(root.models)) fail('"models" must be an array');
  const models = (root.models as unknown[]).map((item, position) => {
    const model = object(item, `models[${position}]`, fail);
    const tables = Array.isArray(model.tables) ? model.tables : fail(`models[${position}].tables must be an array`);
    return {
      name: text(model.name, `models[${position}].name`, fail),
      id: typeof model.id === 'number' ? model.id : fail(`models[${position}].id must be a number`),
      strategy: text(model.strategy, `models[${position}].strategy`, fail) as Strategy,
      primaryKey: text(model.primaryKey, `models[${position}].primaryKey`, fail),
      owner: model.owner === null ? null : text(model.owner, `models[${position}].owner`, fail),
      tables: tables.map((table, index) => parseTable(table, `models[${position}].tables[${index}]`, fail)),
    };
  });
  return { migration: migration as string, models };
}

function parseTable(value: unknown, at: string, fail: (problem: string) => never): TableSpec {
  const table = object(value, at, fail);
  const list = (key: string) => (Array.isArray(table[key]) ? (table[key] as unknown[]) : fail(`${at}.${key} must be an array`));
  return {
    name: text(table.name, `${at}.name`, fail),
    columns: list('columns').map((item, index) => {
      const where = `${at}.columns[${index}]`;
      const column = object(item, where, fail);
      text(column.name, `${where}.name`, fail);
      if (!SQL_TYPES.includes(column.type as string)) fail(`${where}.type must be one of ${SQL_TYPES.join(', ')}`);
      if (typeof column.nullable !== 'boolean') fail(`${where}.nullable must be true or false`);
      text(column.role, `${where}.role`, fail);
      return column as unknown as ColumnSpec;
    }),
    primaryKey: list('primaryKey').map((item, index) => text(item, `${at}.primaryKey[${index}]`, fail)),
    indexes: list('indexes').map((item, index) => {
      const indexSpec = object(item, `${at}.indexes[${index}]`, fail);
      text(indexSpec.name, `${at}.indexes[${index}].name`, fail);
      if (!Array.isArray(indexSpec.columns)) fail(`${at}.indexes[${index}].columns must be an array`);
      return indexSpec as unknown as IndexSpec;
    }),
  };
}

function object(value: unknown, at: string, fail: (problem: string) => never): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : fail(`${at} must be an object`);
}

function text(value: unknown, at: string, fail: (problem: string) => never): string {
  return typeof value === 'string' ? value : fail(`${at} must be a string`);
}

/**
 * Hash of everything that devices must agree on to sync: models, ids, strategies, fields and their
 * types, constraints and references. Defaults and descriptions are left out (a change to them does
 * not change what travels between devices).
 */
export function schemaHash(models: readonly ModelSpec[]): string {
  const canonical = [...models]
    .sort((a, b) => compareText(a.name, b.name))
    .map((model) => ({
      name: model.name,
      id: model.id,
      strategy: model.strategy,
      primaryKey: model.primaryKey,
      owner: model.owner,
      fields: model.fields.map((field) => ({
        name: field.name,
        kind: field.kind,
        nullable: field.nullable,
        perDevice: field.perDevice,
        enumValues: field.enumValues ?? null,
        jsonShape: field.jsonShape ?? null,
        constraints: field.constraints,
        reference: field.reference ?? null,
      })),
    }));
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
