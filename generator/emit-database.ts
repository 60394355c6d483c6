/**
 * The Kysely `Database` interface: every synced table with its stored column types.
 */
import { codeFile, type GeneratedFile } from './generated-file.js';
import type { ModelSpec } from './model-spec.js';
import { modelTables, type ColumnSpec } from './storage-layout.js';
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
  return codeFile('database.ts', origin, templates.database({ tables }));
}

function columnType(column: ColumnSpec, model: ModelSpec): string {
  const field = model.fields.find((candidate) => candidate.name === column.field);
  let type: string;
  if (column.role === 'createClock' || column.role === 'clock' || column.role === 'version') type = 'Buffer';
  else if (field?.kind === 'enum') type = field.enumValues!.map((value) => (typeof value === 'string' ? tsString(value) : String(value))).join(' | ');
  else type = column.type === 'text' ? 'string' : column.type === 'blob' ? 'Buffer' : 'number';
  return column.nullable ? `${type} | null` : type;
}
