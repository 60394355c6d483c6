/**
 * The checks that need every model at once: unique names and ids, old names (`renamedFrom`) that
 * no current model has, references to models that exist, and no cycle of required references (no record in one could ever be created first).
 */
import { findReferenceCycles } from '../dependency-order.js';
import type { ModelSpec } from '../model-spec.js';
import type { IssueList } from './issue-list.js';
import { suggestion } from './keywords.js';
import { checkModelRenames } from './renamed-from.js';
import { escapePointer } from './schema-json.js';

/** Checks that need every model: names, ids, references and cycles. */
export function checkAcrossModels(models: readonly ModelSpec[], declared: ReadonlySet<string>, issues: IssueList): void {
  const byName = firstByKey(
    models,
    (model) => model.name,
    (model, first) =>
      issues.add(
        'duplicate-model-name',
        model.file,
        '/title',
        `the model name ${model.name} is also declared by ${first.file}`,
        'Give each model its own title',
      ),
  );
  firstByKey(
    models,
    (model) => model.id,
    (model, first) =>
      issues.add(
        'duplicate-model-id',
        model.file,
        '/x-sync/id',
        `the model id ${model.id} is also used by ${first.name} (${first.file})`,
        `Give ${model.name} an id that no other model uses`,
      ),
  );
  for (const model of models) {
    for (const field of model.fields) {
      if (field.reference && !declared.has(field.reference.model)) {
        issues.add(
          'unknown-reference',
          model.file,
          `/properties/${escapePointer(field.name)}/x-sync/references`,
          `${model.name}.${field.name} references the unknown model ${JSON.stringify(field.reference.model)}`,
          suggestion(field.reference.model, [...byName.keys()], 'Reference one of'),
        );
      }
    }
  }
  checkModelRenames(models, issues);
  for (const cycle of findReferenceCycles(models.filter((model) => byName.get(model.name) === model))) {
    const first = cycle[0]!;
    const model = byName.get(first.model)!;
    issues.add(
      'reference-cycle',
      model.file,
      `/properties/${escapePointer(first.field)}/x-sync/references`,
      `required references form a cycle: ${cycle.map((edge) => `${edge.model}.${edge.field} → ${edge.target}`).join(', ')}; no record in it could be created first`,
      'Make one of these reference fields nullable ("type": ["string", "null"]) so a record can be created before its referent',
    );
  }
}

/** The first model of each key; every later model with a key already taken goes to `duplicate`. */
function firstByKey<K>(models: readonly ModelSpec[], key: (model: ModelSpec) => K, duplicate: (model: ModelSpec, first: ModelSpec) => void): Map<K, ModelSpec> {
  const first = new Map<K, ModelSpec>();
  for (const model of models) {
    const taken = first.get(key(model));
    if (taken) duplicate(model, taken);
    else first.set(key(model), model);
  }
  return first;
}
