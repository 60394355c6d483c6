/**
 * The steps a migration is made of, and the inverse of each (a migration's `down` is its `up`
 * inverted step by step, in reverse). The steps are the one vocabulary shared by the history diff,
 * which makes them, and the migration emitter, which prints them.
 */
import { assertNever } from 'syncgen/contract';
import type { ColumnSpec, IndexSpec, TableSpec } from '../layout/storage-layout.js';

export type MigrationStep =
  | { readonly op: 'createTable'; readonly table: TableSpec }
  | { readonly op: 'dropTable'; readonly table: TableSpec }
  | { readonly op: 'addColumn'; readonly table: string; readonly column: ColumnSpec }
  | { readonly op: 'dropColumn'; readonly table: string; readonly column: ColumnSpec }
  | { readonly op: 'createIndex'; readonly table: string; readonly index: IndexSpec }
  | { readonly op: 'dropIndex'; readonly table: string; readonly index: IndexSpec }
  | { readonly op: 'rebuildTable'; readonly from: TableSpec; readonly to: TableSpec }
  | { readonly op: 'renumberModel'; readonly model: string; readonly from: number; readonly to: number }
  /** A renamed model's table; its rows and indexes stay (`renames.ts`). */
  | { readonly op: 'renameTable'; readonly from: string; readonly to: string }
  /** A renamed field's column, or its clock column; SQLite renames it in the indexes too. */
  | { readonly op: 'renameColumn'; readonly table: string; readonly from: string; readonly to: string }
  /** A renamed field in the sync log's entries of its model (the model as the previous version had it). */
  | { readonly op: 'renameLoggedField'; readonly model: { readonly name: string; readonly id: number }; readonly from: string; readonly to: string }
  /** A `down` that cannot be made: the data it would need was dropped by `up`. */
  | { readonly op: 'irreversible'; readonly reason: string };

/** A new table with its indexes. */
export function createTableSteps(table: TableSpec): MigrationStep[] {
  return [{ op: 'createTable', table }, ...table.indexes.map((index) => ({ op: 'createIndex', table: table.name, index }) as const)];
}

/** The step that undoes `step` (for a migration's `down`). */
export function inverseStep(step: MigrationStep): MigrationStep[] {
  switch (step.op) {
    case 'createTable':
      return [{ op: 'dropTable', table: step.table }];
    case 'dropTable':
      return createTableSteps(step.table);
    case 'addColumn':
      return [{ op: 'dropColumn', table: step.table, column: step.column }];
    case 'dropColumn':
      return [{ op: 'addColumn', table: step.table, column: step.column }];
    case 'createIndex':
      return [{ op: 'dropIndex', table: step.table, index: step.index }];
    case 'dropIndex':
      return [{ op: 'createIndex', table: step.table, index: step.index }];
    case 'rebuildTable': {
      const lost = step.from.columns.filter(
        (column) => !column.nullable && column.default === undefined && !step.to.columns.some((kept) => kept.name === column.name),
      );
      if (lost.length > 0) {
        return [{ op: 'irreversible', reason: `it dropped ${lost.map((column) => `${step.from.name}.${column.name}`).join(', ')}, whose values are gone` }];
      }
      return [{ op: 'rebuildTable', from: step.to, to: step.from }];
    }
    case 'renumberModel':
      return [{ op: 'renumberModel', model: step.model, from: step.to, to: step.from }];
    case 'renameTable':
      return [{ op: 'renameTable', from: step.to, to: step.from }];
    case 'renameColumn':
      return [{ op: 'renameColumn', table: step.table, from: step.to, to: step.from }];
    case 'renameLoggedField':
      return [{ op: 'renameLoggedField', model: step.model, from: step.to, to: step.from }];
    case 'irreversible':
      return [step];
    default:
      return assertNever(step, 'migration step');
  }
}
