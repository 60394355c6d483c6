/**
 * The generator's pure core: schema sources (and the snapshot history) in, generated files out.
 * No file system, no clock, no environment: the same input always gives byte-identical output.
 */
import { emitAdapter } from './emit-adapter.js';
import { emitDatabase } from './emit-database.js';
import { emitMigrations } from './emit-migrations.js';
import { emitIndex, emitRegistry } from './emit-registry.js';
import { emitModelType } from './emit-types.js';
import { BreakingChangeError, GeneratorError, ImpossibleMigrationError } from './errors.js';
import type { GeneratedFile } from './generated-file.js';
import { compareText } from './naming.js';
import { diffSnapshots, migrationName } from './schema-diff.js';
import { validateSchemas, type SchemaSource } from './schema-validator.js';
import { modelSnapshots, readHistory, serializeSnapshot, type SnapshotSource } from './snapshot.js';

export interface GenerateOptions {
  /** The checked-in snapshot files: the migration history so far. */
  readonly snapshots?: readonly SnapshotSource[];
  /** Accept breaking schema changes and generate table rebuilds for them. */
  readonly allowBreaking?: boolean;
  /** How the snapshot directory is named in file headers (default `schema/snapshots`). */
  readonly snapshotsDir?: string;
}

/**
 * Validates the schemas and makes every generated file. When the schemas' storage differs from
 * the last snapshot, the result also holds the next snapshot (kind `snapshot`) and its migration.
 *
 * @example
 * const files = await generate([{ file: 'schema/tag.json', text }], { snapshots: [] });
 */
export async function generate(schemas: readonly SchemaSource[], options: GenerateOptions = {}): Promise<GeneratedFile[]> {
  if (schemas.length === 0) {
    throw new GeneratorError('no-schemas', 'no schema files were found: add one JSON Schema file per model (e.g. schema/tag.json)');
  }
  const models = validateSchemas(schemas);
  const history = readHistory(options.snapshots ?? []);
  const current = modelSnapshots(models);
  const diff = diffSnapshots(history.at(-1)?.models ?? [], current);
  if (diff.impossible.length > 0) throw new ImpossibleMigrationError(diff.impossible);
  if (diff.breaking.length > 0 && !options.allowBreaking) throw new BreakingChangeError(diff.breaking);

  const files: GeneratedFile[] = [];
  if (diff.steps.length > 0) {
    const snapshot = { migration: migrationName(history.length + 1, diff.steps), models: current };
    history.push(snapshot);
    files.push({ path: `${snapshot.migration}.json`, content: serializeSnapshot(snapshot), kind: 'snapshot' });
  }
  const origin = schemaOrigin(schemas);
  for (const model of models) {
    files.push(await emitModelType(model), emitAdapter(model));
  }
  files.push(
    emitDatabase(models, origin),
    emitRegistry(models, origin),
    emitIndex(models, origin),
    ...emitMigrations(history, options.snapshotsDir ?? 'schema/snapshots'),
  );
  return files.sort((a, b) => compareText(a.kind, b.kind) || compareText(a.path, b.path));
}

/** `the schemas in schema/` when they share a directory. */
function schemaOrigin(schemas: readonly SchemaSource[]): string {
  const directories = new Set(schemas.map((schema) => schema.file.replace(/[\\/][^\\/]*$/, '')));
  const [directory] = directories;
  return directories.size === 1 && directory !== undefined && directory !== schemas[0]!.file ? `the schemas in ${directory}/` : 'the schemas';
}
