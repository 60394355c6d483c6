/**
 * The Kysely `Database` interface: every synced table with its stored column types.
 */
import { FIELD_KINDS } from 'syncgen/contract';
import { modelTables, type ColumnSpec } from '../layout/storage-layout.js';
import type { ModelSpec } from '../model-spec.js';
import { codeFile, type GeneratedFile } from './generated-file.js';
import { templates } from './templates.js';

export function emitDatabase(models: readonly ModelSpec[], origin: string): GeneratedFile {
  const tables = models.flatMap((model) =>
    modelTables(model).map((table, position) => ({
      name: table.name,
      interfaceName: `${model.name}${position === 0 ? '' : 'Device'}Table`,
      doc: position === 0 ? `the ${model.name} records (${model.strategy}).` : `each device's own values of ${model.name}'s perDevice fields.`,
      columns: table.columns.map((column) => ({ name: column.name, tsType: columnType(column, model) })),
    })),
  );
  return codeFile('database.ts', origin, templates.database({ tables }));
}

/** A field's column as its kind stores it; syncgen's own columns (clocks, versions, record and device keys) as SQLite holds them. */
function columnType(column: ColumnSpec, model: ModelSpec): string {
  const field = column.role === 'key' || column.role === 'value' ? model.fields.find((candidate) => candidate.name === column.field) : undefined;
  const type = field ? FIELD_KINDS[field.kind].storedType(field) : column.type === 'blob' ? 'Uint8Array' : 'string';
  return column.nullable ? `${type} | null` : type;
}
