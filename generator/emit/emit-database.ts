/**
 * The Kysely `Database` interface: every synced table with its column types. A field's column has
 * the model's type (a JSON field the record type's own, precise one), as `library.db` reads it
 * back decoded; syncgen's own columns (clocks, versions, record and device keys) are as SQLite
 * holds them.
 */
import { FIELD_KINDS } from 'syncgen/contract';
import { modelTables, type ColumnSpec } from '../layout/storage-layout.js';
import type { FieldSpec, ModelSpec } from '../model-spec.js';
import { codeFile, type GeneratedFile } from './generated-file.js';
import { templates } from './templates.js';
import { tsString } from './ts-literal.js';

export function emitDatabase(models: readonly ModelSpec[], origin: string): GeneratedFile {
  const tables = models.flatMap((model) =>
    modelTables(model).map((table, position) => ({
      name: table.name,
      interfaceName: `${model.name}${position === 0 ? '' : 'Device'}Table`,
      doc: position === 0 ? `the ${model.name} records (${model.strategy}).` : `each device's own values of ${model.name}'s perDevice fields.`,
      columns: table.columns.map((column) => ({ name: column.name, tsType: columnType(column, model) })),
    })),
  );
  const records = models
    .filter((model) => model.fields.some(isJson))
    .map((model) => ({ name: model.name, alias: recordAlias(model), fileStem: model.fileStem }));
  return codeFile('database.ts', origin, templates.database({ records, tables }));
}

function columnType(column: ColumnSpec, model: ModelSpec): string {
  const field = column.role === 'key' || column.role === 'value' ? model.fields.find((candidate) => candidate.name === column.field) : undefined;
  // The kind knows only a JSON value's shape; the record type has the nested schema's type, null included.
  if (field !== undefined && isJson(field)) return `${recordAlias(model)}[${tsString(field.name)}]`;
  const type = field ? FIELD_KINDS[field.kind].tsType(field) : column.type === 'blob' ? 'Uint8Array' : 'string';
  return column.nullable ? `${type} | null` : type;
}

function isJson(field: FieldSpec): boolean {
  return field.kind === 'json';
}

/** The record type's local name: `Record` ends no table interface's name (`<Model>Table`, `Database`), so none clash. */
function recordAlias(model: ModelSpec): string {
  return `${model.name}Record`;
}
