/**
 * The difference between two versions of the storage layout, as migration steps, and the breaking
 * changes among them.
 *
 * Additive changes (a new model, a new nullable or defaulted field, a new index) become plain
 * steps, as do renames (`renames.ts`), which come first. Breaking ones (a removed or changed field, a changed strategy, key, owner or model id,
 * a removed model) are listed; when the author allows them, the affected tables are rebuilt.
 * A required field without a default added to an existing model can never be migrated.
 */
import type { BreakingChange } from '../errors.js';
import type { ColumnSpec, IndexSpec, ModelLayout, TableSpec } from '../layout/storage-layout.js';
import { compareText } from '../naming.js';
import { createTableSteps, type MigrationStep } from './migration-step.js';
import { applyRenames, type Renames } from './renames.js';

export interface SchemaDiff {
  readonly steps: readonly MigrationStep[];
  readonly breaking: readonly BreakingChange[];
  /** Changes no migration can make, described for the author. */
  readonly impossible: readonly string[];
  /** The models and fields renamed: neither breaking nor a removal. */
  readonly renames: Renames;
}

/** The steps from the `previous` layout to the `next`, with the breaking and impossible changes among them. */
export function diffLayouts(previous: readonly ModelLayout[], next: readonly ModelLayout[]): SchemaDiff {
  const renamed = applyRenames(previous, next);
  const steps: MigrationStep[] = [...renamed.steps];
  const breaking: BreakingChange[] = [];
  const impossible: string[] = [...renamed.impossible];
  const before = new Map(renamed.previous.map((model) => [model.name, model]));
  const after = new Map(next.map((model) => [model.name, model]));
  const names = [...new Set([...before.keys(), ...after.keys()])].sort(compareText);

  for (const name of names) {
    const old = before.get(name);
    const current = after.get(name);
    if (!old) {
      for (const table of current!.tables) steps.push(...createTableSteps(table));
      continue;
    }
    if (!current) {
      breaking.push({ code: 'model-removed', model: name, description: `the model ${name} was removed (its tables and data would be dropped)` });
      for (const table of old.tables) steps.push({ op: 'dropTable', table });
      continue;
    }
    const changes = modelChanges(old, current, impossible);
    breaking.push(...changes);
    if (old.id !== current.id) steps.push({ op: 'renumberModel', model: name, from: old.id, to: current.id });
    const rebuild = changes.some((change) => change.code !== 'model-id-changed');
    steps.push(...tableSteps(old.tables, current.tables, rebuild));
  }
  return { steps, breaking, impossible, renames: renamed.renames };
}

/** Model-level and field-level breaking changes between two versions of one model. */
function modelChanges(old: ModelLayout, current: ModelLayout, impossible: string[]): BreakingChange[] {
  const model = current.name;
  const changes: BreakingChange[] = [];
  const changed = (code: BreakingChange['code'], what: string, from: unknown, to: unknown) => {
    if (from !== to) changes.push({ code, model, description: `${model}: ${what} changed from ${JSON.stringify(from)} to ${JSON.stringify(to)}` });
  };
  changed('model-id-changed', 'the model id', old.id, current.id);
  changed('strategy-changed', 'the strategy', old.strategy, current.strategy);
  changed('primary-key-changed', 'the primary key', old.primaryKey, current.primaryKey);
  changed('owner-changed', 'the owner field', old.owner, current.owner);

  const oldFields = fieldColumns(old.tables);
  const newFields = fieldColumns(current.tables);
  for (const [field, { table, column }] of oldFields) {
    const now = newFields.get(field);
    if (!now) {
      changes.push({
        code: 'field-removed',
        model,
        field,
        description: `${model}.${field} was removed (to rename it instead, keeping its values, give the new field "x-sync": { "renamedFrom": "${field}" })`,
      });
    } else if (now.table !== table) {
      changes.push({ code: 'field-moved', model, field, description: `${model}.${field} moved between shared and perDevice storage` });
    } else if (now.column.type !== column.type || now.column.kind !== column.kind || now.column.nullable !== column.nullable) {
      changes.push({
        code: 'field-changed',
        model,
        field,
        description: `${model}.${field} changed from ${describeColumn(column)} to ${describeColumn(now.column)}`,
      });
    }
  }
  for (const [field, { column }] of newFields) {
    if (!oldFields.has(field) && !column.nullable && column.default === undefined) {
      impossible.push(
        `${model}.${field} is a new required field without a default: existing ${model} records have no value for it. Give it a "default", or allow null.`,
      );
    }
  }
  return changes;
}

/** Columns that hold fields (key and values), by field name. */
function fieldColumns(tables: readonly TableSpec[]): Map<string, { table: string; column: ColumnSpec }> {
  const result = new Map<string, { table: string; column: ColumnSpec }>();
  for (const table of tables) {
    for (const column of table.columns) {
      if ((column.role === 'value' || column.role === 'key') && column.field) result.set(column.field, { table: table.name, column });
    }
  }
  return result;
}

function tableSteps(oldTables: readonly TableSpec[], newTables: readonly TableSpec[], rebuild: boolean): MigrationStep[] {
  const steps: MigrationStep[] = [];
  const oldByName = new Map(oldTables.map((table) => [table.name, table]));
  const newNames = new Set(newTables.map((table) => table.name));
  for (const table of oldTables) if (!newNames.has(table.name)) steps.push({ op: 'dropTable', table });
  for (const table of newTables) {
    const old = oldByName.get(table.name);
    if (!old) {
      steps.push(...createTableSteps(table));
    } else if (rebuild && !sameColumns(old, table)) {
      steps.push({ op: 'rebuildTable', from: old, to: table });
    } else {
      steps.push(...columnAndIndexSteps(old, table));
    }
  }
  return steps;
}

function columnAndIndexSteps(old: TableSpec, table: TableSpec): MigrationStep[] {
  const steps: MigrationStep[] = [];
  const oldIndexes = new Map(old.indexes.map((index) => [index.name, index]));
  const newIndexes = new Map(table.indexes.map((index) => [index.name, index]));
  for (const index of old.indexes) {
    if (!sameIndex(index, newIndexes.get(index.name))) steps.push({ op: 'dropIndex', table: table.name, index });
  }
  const oldColumns = new Set(old.columns.map((column) => column.name));
  for (const column of table.columns) {
    if (!oldColumns.has(column.name)) steps.push({ op: 'addColumn', table: table.name, column });
  }
  for (const index of table.indexes) {
    if (!sameIndex(index, oldIndexes.get(index.name))) steps.push({ op: 'createIndex', table: table.name, index });
  }
  return steps;
}

function sameColumns(a: TableSpec, b: TableSpec): boolean {
  const shape = (table: TableSpec) =>
    JSON.stringify([table.primaryKey, table.columns.map((column) => [column.name, column.type, column.nullable, column.default ?? null])]);
  return shape(a) === shape(b);
}

function sameIndex(a: IndexSpec, b: IndexSpec | undefined): boolean {
  return b !== undefined && a.columns.join('\u0000') === b.columns.join('\u0000');
}

function describeColumn(column: ColumnSpec): string {
  return `${column.kind ?? column.type}${column.nullable ? ' or null' : ''}`;
}
