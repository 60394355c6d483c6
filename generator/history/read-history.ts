/**
 * Reads the checked-in schema history back into `SchemaVersion`s, checking every value, since a
 * hand-edited or half-merged file would otherwise become a wrong migration. It reads no files:
 * sources come in as text. Any problem is one `HistoryError` naming the file.
 */
import type { Strategy } from 'syncgen/contract';
import { HistoryError } from '../errors.js';
import type { ColumnSpec, IndexSpec, TableSpec } from '../layout/storage-layout.js';
import { compareText } from '../naming.js';
import { MIGRATION_NAME } from './migration-name.js';
import { HISTORY_FORMAT, PLAIN_HISTORY_FORMAT, type HistorySource, type SchemaVersion } from './version-file.js';

const SQL_TYPES = ['text', 'integer', 'real', 'blob'];

type Fail = (problem: string) => never;

/** Parses and orders the history; numbers must run 0001, 0002, ... without gaps. */
export function readHistory(sources: readonly HistorySource[]): SchemaVersion[] {
  const versions = sources.map(parseVersion).sort((a, b) => compareText(a.migration, b.migration));
  versions.forEach((version, position) => {
    const number = Number(MIGRATION_NAME.exec(version.migration)![1]);
    if (number !== position + 1) {
      const file = sources.find((source) => source.file.endsWith(`${version.migration}.json`))?.file ?? version.migration;
      throw new HistoryError(file, `expected migration number ${String(position + 1).padStart(4, '0')} here; the history has a gap or a duplicate`);
    }
  });
  return versions;
}

function parseVersion(source: HistorySource): SchemaVersion {
  const fail: Fail = (problem) => {
    throw new HistoryError(source.file, problem);
  };
  let data: unknown;
  try {
    data = JSON.parse(source.text);
  } catch (error) {
    return fail(`not valid JSON (${(error as Error).message})`);
  }
  const root = object(data, 'the file', fail);
  if (root.syncgenHistory !== HISTORY_FORMAT && root.syncgenHistory !== PLAIN_HISTORY_FORMAT) {
    fail(`unknown history format ${JSON.stringify(root.syncgenHistory)} (this generator reads formats up to ${HISTORY_FORMAT}: upgrade @syncgen/cli)`);
  }
  const migration = root.migration;
  if (typeof migration !== 'string' || !MIGRATION_NAME.test(migration)) fail('"migration" must be a name like 0001_initial');
  const stem = source.file
    .split(/[\\/]/)
    .pop()!
    .replace(/\.json$/, '');
  if (stem !== migration) fail(`the file name does not match its migration "${String(migration)}"`);
  if (!Array.isArray(root.models)) fail('"models" must be an array');
  const models = (root.models as unknown[]).map((item, position) => {
    const model = object(item, `models[${position}]`, fail);
    const tables = Array.isArray(model.tables) ? model.tables : fail(`models[${position}].tables must be an array`);
    const renamedFrom = model.renamedFrom === undefined ? {} : { renamedFrom: text(model.renamedFrom, `models[${position}].renamedFrom`, fail) };
    return {
      name: text(model.name, `models[${position}].name`, fail),
      ...renamedFrom,
      id: typeof model.id === 'number' ? model.id : fail(`models[${position}].id must be a number`),
      strategy: text(model.strategy, `models[${position}].strategy`, fail) as Strategy,
      primaryKey: text(model.primaryKey, `models[${position}].primaryKey`, fail),
      owner: model.owner === null ? null : text(model.owner, `models[${position}].owner`, fail),
      tables: tables.map((table, index) => parseTable(table, `models[${position}].tables[${index}]`, fail)),
    };
  });
  return { migration: migration as string, models };
}

function parseTable(value: unknown, at: string, fail: Fail): TableSpec {
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
      if (column.renamedFrom !== undefined) text(column.renamedFrom, `${where}.renamedFrom`, fail);
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

function object(value: unknown, at: string, fail: Fail): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : fail(`${at} must be an object`);
}

function text(value: unknown, at: string, fail: Fail): string {
  return typeof value === 'string' ? value : fail(`${at} must be a string`);
}
