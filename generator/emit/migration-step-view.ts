/**
 * A migration step as the migration templates print it: the view `templates/migration-step.hbs`
 * renders, and the one-line description in the migration's summary comment.
 */
import { assertNever } from 'syncgen/contract';
import type { MigrationStep } from '../history/migration-step.js';
import type { ColumnSpec, IndexSpec, TableSpec } from '../layout/storage-layout.js';
import { quote } from '../naming.js';
import { tsLiteral, tsString } from './ts-literal.js';

/** A view with every step kind present (null where absent): the templates run in strict mode. */
export function stepView(step: MigrationStep) {
  const view = {
    createTable: null,
    dropTable: null,
    addColumn: null,
    dropColumn: null,
    createIndex: null,
    dropIndex: null,
    rebuildTable: null,
    renumberModel: null,
    renameTable: null,
    renameColumn: null,
    renameLoggedField: null,
    irreversible: null,
  };
  switch (step.op) {
    case 'createTable':
      return { ...view, createTable: tableView(step.table) };
    case 'dropTable':
      return { ...view, dropTable: { name: step.table.name } };
    case 'addColumn':
      return { ...view, addColumn: { table: step.table, ...columnView(step.column) } };
    case 'dropColumn':
      return { ...view, dropColumn: { table: step.table, name: step.column.name } };
    case 'createIndex':
      return { ...view, createIndex: indexView(step.table, step.index) };
    case 'dropIndex':
      return { ...view, dropIndex: { name: step.index.name } };
    case 'rebuildTable': {
      const target = { ...step.to, name: `${step.to.name}__rebuild` };
      const kept = step.to.columns.filter((column) => step.from.columns.some((old) => old.name === column.name));
      return {
        ...view,
        rebuildTable: {
          name: step.to.name,
          target: tableView(target),
          copy: tsString(
            `INSERT INTO ${quote(target.name)} (${kept.map((column) => quote(column.name)).join(', ')}) ` +
              `SELECT ${kept.map(copyExpression).join(', ')} FROM ${quote(step.to.name)}`,
          ),
          indexes: step.to.indexes.map((index) => indexView(step.to.name, index)),
        },
      };
    }
    case 'renumberModel':
      return { ...view, renumberModel: step };
    case 'renameTable':
      return { ...view, renameTable: step };
    case 'renameColumn':
      return { ...view, renameColumn: step };
    case 'renameLoggedField':
      return {
        ...view,
        renameLoggedField: { model: `{ name: ${tsString(step.model.name)}, id: ${step.model.id} }`, from: tsString(step.from), to: tsString(step.to) },
      };
    case 'irreversible':
      return { ...view, irreversible: { message: tsString(`this migration cannot be reverted: ${step.reason}`) } };
    default:
      return assertNever(step, 'migration step');
  }
}

function tableView(table: TableSpec) {
  return { name: table.name, columns: table.columns.map(columnView), primaryKey: table.primaryKey.map(tsString).join(', ') };
}

function columnView(column: ColumnSpec) {
  const chain = `${column.nullable ? '' : '.notNull()'}${column.default === undefined ? '' : `.defaultTo(${tsLiteral(column.default)})`}`;
  return { name: column.name, type: column.type, modifiers: chain ? `, (col) => col${chain}` : '' };
}

function indexView(table: string, index: IndexSpec) {
  return { name: index.name, table, columns: index.columns.map(tsString).join(', ') };
}

/** A copied column keeps its value; a column that became required takes its default where null. */
function copyExpression(column: ColumnSpec): string {
  if (column.nullable || column.default === undefined) return quote(column.name);
  const fallback = typeof column.default === 'number' ? String(column.default) : `'${column.default.replace(/'/g, "''")}'`;
  return `coalesce(${quote(column.name)}, ${fallback})`;
}

/** One line of a migration's summary comment. */
export function describeStep(step: MigrationStep): string {
  switch (step.op) {
    case 'createTable':
      return `create table ${step.table.name}`;
    case 'dropTable':
      return `drop table ${step.table.name}`;
    case 'addColumn':
      return `add column ${step.table}.${step.column.name}`;
    case 'dropColumn':
      return `drop column ${step.table}.${step.column.name}`;
    case 'createIndex':
      return `create index ${step.index.name} on ${step.table} (${step.index.columns.join(', ')})`;
    case 'dropIndex':
      return `drop index ${step.index.name}`;
    case 'rebuildTable':
      return `rebuild table ${step.to.name} in its new shape, keeping the columns it had`;
    case 'renumberModel':
      return `renumber model ${step.model} from ${step.from} to ${step.to}`;
    case 'renameTable':
      return `rename table ${step.from} to ${step.to}, keeping its rows`;
    case 'renameColumn':
      return `rename column ${step.table}.${step.from} to ${step.to}, keeping its values`;
    case 'renameLoggedField':
      return `rename ${step.model.name}.${step.from} to ${step.to} in the entries of the sync log`;
    case 'irreversible':
      return `cannot be reverted: ${step.reason}`;
    default:
      return assertNever(step, 'migration step');
  }
}
