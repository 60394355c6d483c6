/**
 * One file of the schema history (`schema/history/0002_add_tag_icon.json`): the storage layout of
 * every model once migration N has run. The history is the migration record: migration N is the
 * difference between versions N-1 and N, so `generated/` can be emptied and rewritten without
 * losing a migration. This module owns the file's shape and how it is written.
 */
import type { ModelLayout } from '../layout/storage-layout.js';

/**
 * The value of the marker key `syncgenHistory`; bumped when the file's shape changes. Format 2 adds
 * `renamedFrom` to a model and to a field's column; a file is written in it only when it records a
 * rename, so a generator that predates renames refuses that file instead of reading a rename as a
 * removal plus an addition. Every format up to the current one is read.
 */
export const HISTORY_FORMAT = 2;
/** The format of a file without renames. */
export const PLAIN_HISTORY_FORMAT = 1;

/** The schema after one migration. */
export interface SchemaVersion {
  /** The migration that brings a database to this version, e.g. `0002_add_tag_icon`. */
  readonly migration: string;
  readonly models: readonly ModelLayout[];
}

/** A history file as read from disk. */
export interface HistorySource {
  readonly file: string;
  readonly text: string;
}

export function serializeVersion(version: SchemaVersion): string {
  const renames = version.models.some(
    (model) => model.renamedFrom !== undefined || model.tables.some((table) => table.columns.some((column) => column.renamedFrom !== undefined)),
  );
  const format = renames ? HISTORY_FORMAT : PLAIN_HISTORY_FORMAT;
  return `${readableJson({ syncgenHistory: format, migration: version.migration, models: version.models }, '')}\n`;
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
