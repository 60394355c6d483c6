/**
 * Everything about one model that its own file decides: the JSON, the title, the `x-sync` block
 * (id, strategy, key, owner, indexes), the required list and each field. Problems are reported, not
 * thrown; a model with any problem yields no `ModelSpec`, so later checks see only sound models.
 */
import type { Strategy } from 'syncgen/contract';
import type { FieldSpec, ModelSpec } from '../model-spec.js';
import { accessorName, fileStem, tableName } from '../naming.js';
import { parseField } from './field.js';
import { parseIndexes } from './indexes.js';
import type { IssueList, Report } from './issue-list.js';
import { checkKeywords, isNear, MODEL_KEYWORDS, MODEL_SYNC_KEYWORDS, STRATEGIES, suggestion } from './keywords.js';
import { checkOwner, checkPrimaryKey } from './model-keys.js';
import { MODEL_NAME, pascalCase } from './names.js';
import { checkFieldRenames, parseRenamedFrom } from './renamed-from.js';
import { isObject, type Json } from './schema-json.js';
import { typeSchema } from './type-schema.js';

const MAX_MODEL_ID = 65535;

/**
 * The model of one schema file, or undefined when the file has problems (all of them reported).
 * Adds the file's title to `declared` even then, so that references to it are not reported again.
 */
export function parseModel(file: string, text: string, issues: IssueList, declared: Set<string>): ModelSpec | undefined {
  const report = issues.reporter(file);
  const before = issues.length;

  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    report('invalid-json', '', `not valid JSON: ${(error as Error).message}${jsonErrorLocation(text, error)}`, 'Fix the JSON syntax');
    return undefined;
  }
  if (!isObject(root)) {
    report('invalid-value', '', 'a model schema must be a JSON object', 'Write one JSON Schema object per file');
    return undefined;
  }
  checkKeywords(root, '', MODEL_KEYWORDS, 'keyword', report);

  const name = root.title;
  if (typeof name === 'string') declared.add(name);
  checkModelObject(root, report);

  const sync = root['x-sync'];
  if (!isObject(sync)) {
    if (sync !== undefined) {
      report('invalid-value', '/x-sync', 'x-sync must be an object', 'Write "x-sync": { "id": 1, "strategy": "logBased", "primaryKey": "id" }');
    } else if (!Object.keys(root).some((key) => !MODEL_KEYWORDS.includes(key) && isNear(key, 'x-sync'))) {
      report(
        'missing-keyword',
        '/x-sync',
        'the model has no x-sync block',
        'Add "x-sync": { "id": <stable number>, "strategy": "stateBased" | "logBased" | "hybrid", "primaryKey": "<uuid field>" }',
      );
    }
    return undefined;
  }
  checkKeywords(sync, '/x-sync', MODEL_SYNC_KEYWORDS, 'sync keyword', report);
  checkModelId(sync.id, report);
  const strategy = parseStrategy(sync.strategy, report);

  const properties = root.properties;
  if (!isObject(properties) || Object.keys(properties).length === 0) {
    report('missing-keyword', '/properties', 'the model declares no fields', 'Add "properties" with at least the primary key field');
    return undefined;
  }
  const required = parseRequired(root.required, properties, report);

  const fields: FieldSpec[] = [];
  for (const [fieldName, schema] of Object.entries(properties)) {
    const field = parseField(fieldName, schema, required.has(fieldName), strategy, report);
    if (field) fields.push(field);
  }
  const byName = new Map(fields.map((field) => [field.name, field]));
  checkPrimaryKey(sync.primaryKey, properties, byName, report);
  checkOwner(sync.owner, strategy, properties, byName, report);
  if (strategy === 'hybrid' && !fields.some((field) => field.perDevice)) {
    report(
      'hybrid-without-per-device',
      '/x-sync/strategy',
      'a hybrid model has no perDevice field',
      'Mark the fields each device keeps for itself with "x-sync": { "perDevice": true }, or use "logBased"',
    );
  }
  const indexes = parseIndexes(sync.indexes, byName, report);
  const renamedFrom = typeof name === 'string' ? parseRenamedFrom(sync.renamedFrom, '', name, MODEL_NAME, 'model', report) : undefined;
  checkFieldRenames(typeof name === 'string' ? name : 'the model', fields, report);

  if (issues.length > before || typeof name !== 'string' || strategy === undefined) return undefined;
  const primaryKey = sync.primaryKey as string;
  const owner = (sync.owner as string | undefined) ?? null;
  const key = byName.get(primaryKey)!;
  // A create may omit the key (a new UUID) and the owner (this device); the runtime fills them in.
  const ordered = [key, ...fields.filter((field) => field !== key)].map((field) =>
    field === key || field.name === owner ? { ...field, optionalOnCreate: true } : field,
  );
  return {
    name,
    id: sync.id as number,
    file,
    accessor: accessorName(name),
    table: tableName(name),
    fileStem: fileStem(name),
    description: typeof root.description === 'string' ? root.description : undefined,
    renamedFrom,
    strategy,
    primaryKey,
    owner,
    fields: ordered,
    indexes,
    typeSchema: typeSchema(
      name,
      root,
      ordered.map((field) => field.name),
    ),
  };
}

/** The title, and the shape every model schema has: an object with exactly its declared fields. */
function checkModelObject(root: Json, report: Report): void {
  const name = root.title;
  if (typeof name !== 'string') {
    report('missing-keyword', '/title', 'the model has no title', 'Add "title": "ModelName"; the title is the model name');
  } else if (!MODEL_NAME.test(name)) {
    report('invalid-name', '/title', `the model name "${name}" is not PascalCase letters and digits`, `Use a name like "${pascalCase(name)}"`);
  }
  if (root.type !== 'object') {
    report('invalid-value', '/type', 'a model schema must have "type": "object"', 'Set "type": "object"');
  }
  if (root.additionalProperties !== undefined && root.additionalProperties !== false) {
    report('invalid-value', '/additionalProperties', 'a model has exactly the declared fields', 'Remove additionalProperties or set it to false');
  }
}

function checkModelId(id: unknown, report: Report): void {
  if (id === undefined) {
    report(
      'missing-keyword',
      '/x-sync/id',
      'the model has no numeric id',
      `Add "id": a number from 1 to ${MAX_MODEL_ID} that no other model uses and that never changes`,
    );
  } else if (!Number.isInteger(id) || (id as number) < 1 || (id as number) > MAX_MODEL_ID) {
    report('invalid-value', '/x-sync/id', `the model id ${JSON.stringify(id)} is not an integer from 1 to ${MAX_MODEL_ID}`, 'Use a small positive integer');
  }
}

/** The strategy when it is one of the known ones; a missing or unknown one is reported. */
function parseStrategy(strategy: unknown, report: Report): Strategy | undefined {
  if (strategy === undefined) {
    report(
      'missing-keyword',
      '/x-sync/strategy',
      'the model has no strategy',
      'Add "strategy": "stateBased" (one device owns each record), "logBased" (shared) or "hybrid"',
    );
  } else if (!STRATEGIES.includes(strategy as Strategy)) {
    report('invalid-value', '/x-sync/strategy', `unknown strategy ${JSON.stringify(strategy)}`, suggestion(String(strategy), STRATEGIES, 'Use one of'));
  }
  return STRATEGIES.includes(strategy as Strategy) ? (strategy as Strategy) : undefined;
}

function parseRequired(value: unknown, properties: Json, report: Report): Set<string> {
  if (value === undefined) return new Set();
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    report('invalid-value', '/required', '"required" must be an array of field names', 'Write "required": ["name", ...]');
    return new Set();
  }
  value.forEach((item: string, position) => {
    if (!(item in properties)) {
      report('unknown-field', `/required/${position}`, `"${item}" is required but is not a field`, suggestion(item, Object.keys(properties), 'Name one of'));
    }
  });
  return new Set(value as string[]);
}

/** ` (line 3, column 5)` from the position in a JSON.parse message, or nothing. */
function jsonErrorLocation(text: string, error: unknown): string {
  const match = /position (\d+)/.exec(String((error as Error).message));
  if (!match) return '';
  const before = text.slice(0, Number(match[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}
