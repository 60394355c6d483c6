/**
 * The registry's schema hash, which peers compare before they sync. It covers everything devices
 * must agree on: models, ids, strategies, fields and their types, constraints and references.
 * Defaults and descriptions are left out (a change to them does not change what travels between
 * devices).
 */
import { createHash } from 'node:crypto';
import { modelIdentity, type ModelSpec } from '../model-spec.js';
import { compareText } from '../naming.js';

export function schemaHash(models: readonly ModelSpec[]): string {
  const canonical = [...models]
    .sort((a, b) => compareText(a.name, b.name))
    .map((model) => ({
      ...modelIdentity(model),
      fields: model.fields.map((field) => ({
        name: field.name,
        kind: field.kind,
        nullable: field.nullable,
        perDevice: field.perDevice,
        enumValues: field.enumValues ?? null,
        jsonShape: field.jsonShape ?? null,
        constraints: field.constraints,
        reference: field.reference ?? null,
      })),
    }));
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
