/**
 * The registry (models by accessor, dependency order, schema hash, migrations) and the `index.ts`
 * that re-exports everything generated.
 */
import { dependencyOrder } from '../dependency-order.js';
import type { ModelSpec } from '../model-spec.js';
import { codeFile, type GeneratedFile } from './generated-file.js';
import { schemaHash } from './schema-hash.js';
import { templates } from './templates.js';
import { tsString } from './ts-literal.js';

export function emitRegistry(models: readonly ModelSpec[], origin: string): GeneratedFile {
  const view = {
    models,
    schemaHash: schemaHash(models),
    dependencyOrder: dependencyOrder(models)
      .map((model) => tsString(model.accessor))
      .join(', '),
  };
  return codeFile('registry.ts', origin, templates.registry(view));
}

export function emitIndex(models: readonly ModelSpec[], origin: string): GeneratedFile {
  return codeFile('index.ts', origin, templates.index({ models }));
}
