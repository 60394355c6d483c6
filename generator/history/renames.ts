/**
 * Renames between two versions of the storage layout: a model or a field whose `renamedFrom` names
 * one the previous version had (and the next has not). A rename keeps the values: the migration
 * renames the tables or columns (a field's clock column with it, and the field in the entries of
 * the sync log) instead of dropping one thing and adding another, and the model keeps its id, so
 * records travel as before. A rename alone is not
 * breaking: devices on either side of it translate the field's name (the registry lists the
 * renames, `registryRenames`).
 *
 * `applyRenames` makes the rename steps and the previous layout as they leave it; the rest of the
 * diff compares that with the next layout as usual, so a renamed field that also changed type is
 * still reported as a breaking change. A history file keeps `renamedFrom` only where a rename
 * happened (`recordedRenames`), so the diff of two history files finds the same renames again.
 */
import { clockColumn, deviceTableName } from 'syncgen/contract';
import type { ColumnSpec, ModelLayout, TableSpec } from '../layout/storage-layout.js';
import { compareText } from '../naming.js';
import type { MigrationStep } from './migration-step.js';
import type { SchemaVersion } from './version-file.js';

/** A field renamed in `model` (its name in the next version). */
export interface FieldRename {
  readonly model: string;
  readonly from: string;
  readonly to: string;
}

export interface Renames {
  readonly models: readonly { readonly from: string; readonly to: string }[];
  readonly fields: readonly FieldRename[];
}

export interface RenamedLayout {
  /** The previous layout once the rename steps ran: the rest of the diff starts from it. */
  readonly previous: ModelLayout[];
  readonly steps: MigrationStep[];
  readonly renames: Renames;
  /** Renames that name nothing the previous version had, described for the author. */
  readonly impossible: string[];
}

/** The renames `next` declares against `previous`, their steps, and `previous` as they leave it. */
export function applyRenames(previous: readonly ModelLayout[], next: readonly ModelLayout[]): RenamedLayout {
  const steps: MigrationStep[] = [];
  const impossible: string[] = [];
  const models: { from: string; to: string }[] = [];
  const fields: FieldRename[] = [];
  const before = new Map(previous.map((model) => [model.name, model]));
  const nextNames = new Set(next.map((model) => model.name));
  const renamed = new Map(before);
  for (const model of next) {
    let old = before.get(model.name);
    if (!old && model.renamedFrom !== undefined && previous.length > 0) {
      old = before.get(model.renamedFrom);
      if (!old || nextNames.has(model.renamedFrom)) {
        impossible.push(
          `${model.name} is renamed from "${model.renamedFrom}", but the last schema version has no model ${model.renamedFrom} that is gone now. Name the model as it was in the last version, or remove renamedFrom.`,
        );
        continue;
      }
      if (old.id !== model.id) {
        impossible.push(`${model.name} is renamed from ${old.name} and its id changed from ${old.id} to ${model.id}: a renamed model keeps its id.`);
        continue;
      }
      old = renameModel(old, model, steps);
      renamed.delete(model.renamedFrom);
      models.push({ from: model.renamedFrom, to: model.name });
    }
    if (!old) continue;
    // The log names the model as the previous version did (`renameLoggedField`).
    const logged = { name: before.get(model.name)?.name ?? model.renamedFrom!, id: old.id };
    for (const rename of fieldRenames(old, model, impossible)) {
      old = renameField(old, rename, steps);
      steps.push({ op: 'renameLoggedField', model: logged, ...rename });
      fields.push({ model: model.name, ...rename });
    }
    renamed.set(model.name, old);
  }
  return { previous: [...renamed.values()].sort((a, b) => compareText(a.name, b.name)), steps, renames: { models, fields }, impossible };
}

/** `next` as a history file records it: `renamedFrom` only on what was renamed from `previous`. */
export function recordedRenames(next: readonly ModelLayout[], renames: Renames): ModelLayout[] {
  return next.map(({ name, renamedFrom, ...model }) => {
    const kept = renames.models.some((rename) => rename.to === name) ? { renamedFrom } : {};
    const tables = model.tables.map((table) => ({
      ...table,
      columns: table.columns.map(({ renamedFrom: from, ...column }) =>
        renames.fields.some((rename) => rename.model === name && rename.to === column.field && rename.from === from)
          ? { ...column, renamedFrom: from }
          : column,
      ),
    }));
    return { name, ...kept, ...model, tables };
  });
}

/** A field rename as the registry lists it: the version whose migration made it, and the model's current name. */
export interface VersionedRename extends FieldRename {
  readonly version: number;
}

/** Every field rename of the history, oldest first, under its model's current name (models removed since are left out). */
export function registryRenames(history: readonly SchemaVersion[]): VersionedRename[] {
  let result: VersionedRename[] = [];
  for (let index = 1; index < history.length; index += 1) {
    const { renames } = applyRenames(history[index - 1]!.models, history[index]!.models);
    const newName = new Map(renames.models.map((rename) => [rename.from, rename.to]));
    const present = new Set(history[index]!.models.map((model) => model.name));
    result = result
      .map((rename) => ({ ...rename, model: newName.get(rename.model) ?? rename.model }))
      .filter((rename) => present.has(rename.model))
      .concat(renames.fields.map((rename) => ({ version: index + 1, ...rename })));
  }
  return result;
}

/** The fields of `model` renamed from one `old` had: new in `model`, the old name gone from it. */
function fieldRenames(old: ModelLayout, model: ModelLayout, impossible: string[]): { from: string; to: string }[] {
  const oldFields = fieldNames(old);
  const newFields = fieldNames(model);
  const result: { from: string; to: string }[] = [];
  for (const table of model.tables) {
    for (const column of table.columns) {
      const from = column.renamedFrom;
      // A field the previous version had already: the keyword is left over from an earlier rename.
      if (from === undefined || column.field === undefined || oldFields.has(column.field)) continue;
      if (!oldFields.has(from) || newFields.has(from)) {
        impossible.push(
          `${model.name}.${column.field} is renamed from "${from}", but ${old.name} had no field ${from} in the last schema version that is gone now. Name the field as it was in the last version, or remove renamedFrom.`,
        );
        continue;
      }
      result.push({ from, to: column.field });
    }
  }
  return result;
}

function fieldNames(model: ModelLayout): Set<string> {
  const names = new Set<string>();
  for (const table of model.tables) for (const column of table.columns) if ((column.role === 'key' || column.role === 'value') && column.field) names.add(column.field);
  return names;
}

/** Renames the model's tables (main and per-device) after the next version's main table. */
function renameModel(old: ModelLayout, model: ModelLayout, steps: MigrationStep[]): ModelLayout {
  const oldMain = old.tables[0]!.name;
  const newMain = model.tables[0]!.name;
  const tableName = (name: string) => (name === oldMain ? newMain : name === deviceTableName(oldMain) ? deviceTableName(newMain) : name);
  const tables = old.tables.map((table) => {
    const to = tableName(table.name);
    if (to !== table.name) steps.push({ op: 'renameTable', from: table.name, to });
    return { ...table, name: to };
  });
  return { ...old, name: model.name, tables };
}

/** Renames a field's column and, in a logBased or hybrid main table, its clock column. */
function renameField(old: ModelLayout, rename: { from: string; to: string }, steps: MigrationStep[]): ModelLayout {
  const name = (field: string) => (field === rename.from ? rename.to : field);
  const tables = old.tables.map((table): TableSpec => {
    if (!table.columns.some((column) => column.field === rename.from)) return table;
    const columns = table.columns.map((column): ColumnSpec => {
      if (column.field !== rename.from) return column;
      const to = column.role === 'clock' ? clockColumn(rename.to) : rename.to;
      steps.push({ op: 'renameColumn', table: table.name, from: column.name, to });
      return { ...column, name: to, field: rename.to };
    });
    // SQLite renames the column in the primary key and in every index on it; the index names stay.
    return {
      ...table,
      columns,
      primaryKey: table.primaryKey.map(name),
      indexes: table.indexes.map((index) => ({ ...index, columns: index.columns.map(name) })),
    };
  });
  return { ...old, primaryKey: name(old.primaryKey), owner: old.owner === null ? null : name(old.owner), tables };
}
