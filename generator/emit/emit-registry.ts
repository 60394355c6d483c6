/**
 * The registry (models by accessor, dependency order, schema hash and compatibility, the fields
 * renamed by the history, migrations) and the `index.ts` that re-exports everything generated.
 */
import { dependencyOrder } from '../dependency-order.js';
import type { Compatibility } from '../history/compatibility.js';
import type { VersionedRename } from '../history/renames.js';
import type { ModelSpec } from '../model-spec.js';
import { codeFile, type GeneratedFile } from './generated-file.js';
import { schemaHash } from './schema-hash.js';
import { templates } from './templates.js';
import { tsString } from './ts-literal.js';

export function emitRegistry(models: readonly ModelSpec[], origin: string, compatibility: Compatibility, renames: readonly VersionedRename[]): GeneratedFile {
  const view = {
    models,
    schemaHash: schemaHash(models),
    ...compatibility,
    // Absent when there are none: a registry without renames stays as it was.
    renames:
      renames.length === 0
        ? null
        : renames.map((rename) => ({ version: rename.version, model: tsString(rename.model), from: tsString(rename.from), to: tsString(rename.to) })),
    dependencyOrder: dependencyOrder(models)
      .map((model) => tsString(model.accessor))
      .join(', '),
  };
  return codeFile('registry.ts', origin, templates.registry(view));
}

export function emitIndex(models: readonly ModelSpec[], origin: string): GeneratedFile {
  return codeFile('index.ts', origin, templates.index({ models }));
}
