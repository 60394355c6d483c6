/**
 * The `renamedFrom` keyword, on a field's or a model's `x-sync`: the name it had in the last
 * version of the schema, so the generator renames its column or table (keeping the values) instead
 * of dropping one and adding another, and devices on either side of the rename keep syncing it.
 *
 * Here only what the schemas alone decide: the old name is a valid name, not the element's own,
 * not the name of a current field or model (that one would be two things at once), and claimed by
 * one element only. Whether the last version had it is the history diff's to check.
 */
import type { FieldSpec, ModelSpec } from '../model-spec.js';
import type { IssueList, Report } from './issue-list.js';
import { escapePointer } from './schema-json.js';

/** The old name of a field (`what` 'field', `at` its pointer) or of a model; undefined when absent or invalid (reported). */
export function parseRenamedFrom(value: unknown, at: string, own: string, pattern: RegExp, what: 'field' | 'model', report: Report): string | undefined {
  if (value === undefined) return undefined;
  const example = what === 'field' ? '"renamedFrom": "colour"' : '"renamedFrom": "Label"';
  if (typeof value !== 'string' || !pattern.test(value)) {
    report('invalid-value', `${at}/x-sync/renamedFrom`, `renamedFrom must be the ${what}'s previous name, a valid ${what} name`, `Write e.g. ${example}`);
    return undefined;
  }
  if (value === own) {
    report('invalid-rename', `${at}/x-sync/renamedFrom`, `the ${what} "${own}" is renamed from its own name`, 'Remove renamedFrom, or name the previous name');
    return undefined;
  }
  return value;
}

/** A field's old name must not be a current field of its model, nor another field's old name. */
export function checkFieldRenames(model: string, fields: readonly FieldSpec[], report: Report): void {
  const current = new Set(fields.map((field) => field.name));
  const claimed = new Map<string, string>();
  for (const field of fields) {
    const old = field.renamedFrom;
    if (old === undefined) continue;
    const at = `/properties/${escapePointer(field.name)}/x-sync/renamedFrom`;
    if (current.has(old)) {
      report(
        'invalid-rename',
        at,
        `${model}.${field.name} is renamed from "${old}", which is still a field of ${model}`,
        `Remove or rename the field "${old}" (a rename moves its values to "${field.name}"), or remove renamedFrom`,
      );
    } else if (claimed.has(old)) {
      report('invalid-rename', at, `${model}.${field.name} and ${model}.${claimed.get(old)} are both renamed from "${old}"`, 'Keep renamedFrom on one of them');
    } else {
      claimed.set(old, field.name);
    }
  }
}

/** A model's old name must not be a current model's name, nor another model's old name. */
export function checkModelRenames(models: readonly ModelSpec[], issues: IssueList): void {
  const current = new Set(models.map((model) => model.name));
  const claimed = new Map<string, ModelSpec>();
  for (const model of models) {
    const old = model.renamedFrom;
    if (old === undefined) continue;
    if (current.has(old)) {
      issues.add(
        'invalid-rename',
        model.file,
        '/x-sync/renamedFrom',
        `${model.name} is renamed from "${old}", which is still a model`,
        `Remove or rename the model "${old}" (a rename keeps its table and records under ${model.name}), or remove renamedFrom`,
      );
    } else if (claimed.has(old)) {
      const first = claimed.get(old)!;
      issues.add(
        'invalid-rename',
        model.file,
        '/x-sync/renamedFrom',
        `${model.name} and ${first.name} (${first.file}) are both renamed from "${old}"`,
        'Keep renamedFrom on one of them',
      );
    } else {
      claimed.set(old, model);
    }
  }
}
