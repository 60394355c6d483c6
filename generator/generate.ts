/**
 * The generator's pure core: schema sources (and the schema history) in, generated files out.
 * No file system, no clock, no environment: the same input always gives byte-identical output.
 */
import { emitAdapter } from './emit/emit-adapter.js';
import { emitDatabase } from './emit/emit-database.js';
import { emitMigrations } from './emit/emit-migrations.js';
import { emitIndex, emitRegistry } from './emit/emit-registry.js';
import { emitModelType } from './emit/emit-types.js';
import type { GeneratedFile } from './emit/generated-file.js';
import { BreakingChangeError, GeneratorError, ImpossibleMigrationError } from './errors.js';
import { compatibilityOf } from './history/compatibility.js';
import { handMigrations, type HandMigrationFolder } from './history/hand-migrations.js';
import { diffLayouts } from './history/layout-diff.js';
import { migrationName } from './history/migration-name.js';
import { readHistory } from './history/read-history.js';
import { recordedRenames, registryRenames } from './history/renames.js';
import { serializeVersion, type HistorySource } from './history/version-file.js';
import { modelLayouts } from './layout/storage-layout.js';
import { compareText } from './naming.js';
import { validateSchemas, type SchemaSource } from './validate/validate-schemas.js';

export interface GenerateOptions {
  /** The checked-in schema history files: every migration so far. */
  readonly history?: readonly HistorySource[];
  /** Accept breaking schema changes and generate table rebuilds for them. */
  readonly allowBreaking?: boolean;
  /** How the history directory is named in file headers (default `schema/history`). */
  readonly historyDir?: string;
  /** The app's hand-written migration steps (`schema/migrations/`), numbered into the sequence. */
  readonly handMigrations?: HandMigrationFolder;
}

/**
 * Validates the schemas and makes every generated file. When the schemas' storage differs from
 * the last version in the history, the result also holds the next history file (kind `history`)
 * and its migration. Hand-written migration steps are named only: the index imports them.
 *
 * @example
 * const files = await generate([{ file: 'schema/tag.json', text }], { history: [] });
 */
export async function generate(schemas: readonly SchemaSource[], options: GenerateOptions = {}): Promise<GeneratedFile[]> {
  if (schemas.length === 0) {
    throw new GeneratorError('no-schemas', 'no schema files were found: add one JSON Schema file per model (e.g. schema/tag.json)');
  }
  const models = validateSchemas(schemas);
  const history = readHistory(options.history ?? []);
  const current = modelLayouts(models);
  const diff = diffLayouts(history.at(-1)?.models ?? [], current);
  if (diff.impossible.length > 0) throw new ImpossibleMigrationError(diff.impossible);
  if (diff.breaking.length > 0 && !options.allowBreaking) throw new BreakingChangeError(diff.breaking);

  const files: GeneratedFile[] = [];
  if (diff.steps.length > 0) {
    const version = { migration: migrationName(history.length + 1, diff.steps), models: recordedRenames(current, diff.renames) };
    history.push(version);
    files.push({ path: `${version.migration}.json`, content: serializeVersion(version), kind: 'history' });
  }
  const steps = handMigrations(options.handMigrations, history);
  const origin = schemaOrigin(schemas);
  for (const model of models) {
    files.push(await emitModelType(model), emitAdapter(model));
  }
  files.push(
    emitDatabase(models, origin),
    emitRegistry(models, origin, compatibilityOf(history), registryRenames(history)),
    emitIndex(models, origin),
    ...emitMigrations(history, options.historyDir ?? 'schema/history', steps, options.handMigrations?.dir ?? 'schema/migrations'),
  );
  return files.sort((a, b) => compareText(a.kind, b.kind) || compareText(a.path, b.path));
}

/** `the schemas in schema/` when they share a directory. */
function schemaOrigin(schemas: readonly SchemaSource[]): string {
  const directories = new Set(schemas.map((schema) => schema.file.replace(/[\\/][^\\/]*$/, '')));
  const [directory] = directories;
  return directories.size === 1 && directory !== undefined && directory !== schemas[0]!.file ? `the schemas in ${directory}/` : 'the schemas';
}
