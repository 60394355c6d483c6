/**
 * Migration names (`0002_add_tag_icon`): the number that orders the history, then a slug from the
 * migration's steps so a reader of `schema/history/` sees what each one does.
 */
import { assertNever } from 'syncgen/contract';
import type { MigrationStep } from './migration-step.js';

/** A migration's name: its number, then a slug (`0002_add_tag_icon`). */
export const MIGRATION_NAME = /^(\d{4})_[a-z0-9_]+$/;

/** `0002_add_tag_icon`: a readable name for a migration from its first step. */
export function migrationName(number: number, steps: readonly MigrationStep[]): string {
  const prefix = String(number).padStart(4, '0');
  if (number === 1) return `${prefix}_initial`;
  const slugs = [...new Set(steps.map(stepSlug))];
  const slug = slugs.length > 1 ? `${slugs[0]}_and_more` : (slugs[0] ?? 'update');
  return `${prefix}_${slug.toLowerCase().slice(0, 60)}`;
}

function stepSlug(step: MigrationStep): string {
  switch (step.op) {
    case 'createTable':
      return `create_${step.table.name}`;
    case 'dropTable':
      return `drop_${step.table.name}`;
    case 'addColumn':
      return `add_${step.table}_${step.column.field ?? step.column.name}`;
    case 'dropColumn':
      return `drop_${step.table}_${step.column.field ?? step.column.name}`;
    case 'createIndex':
      return `index_${step.table}`;
    case 'dropIndex':
      return `drop_index_${step.table}`;
    case 'rebuildTable':
      return `rebuild_${step.to.name}`;
    case 'renumberModel':
      return `renumber_${step.model}`;
    case 'renameTable':
      return `rename_${step.from}`;
    case 'renameColumn':
      return `rename_${step.table}_${step.from}`;
    case 'renameLoggedField':
      return `rename_${step.model.name}_${step.from}`;
    case 'irreversible':
      return 'irreversible';
    default:
      return assertNever(step, 'migration step');
  }
}
