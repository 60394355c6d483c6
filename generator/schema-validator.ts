/**
 * Reads schema files (JSON text) into validated `ModelSpec`s, or reports every problem at once.
 *
 * Each problem names its file, the JSON pointer of the offending value, what is wrong and how to fix
 * it. The validator never throws on bad input except the one `SchemaValidationError` at the end,
 * and it reads no files: sources come in as text.
 */
import { closest, distance } from 'fastest-levenshtein';
import { ValueError } from '../runtime/contract/column-codecs.js';
import { codecFor, type FieldKind } from '../runtime/contract/field-kinds.js';
import type { OnDelete, Strategy } from '../runtime/contract/model-adapter.js';
import { findReferenceCycles } from './dependency-order.js';
import { SchemaValidationError, type SchemaIssue, type SchemaIssueCode } from './errors.js';
import type { FieldConstraints, FieldSpec, IndexDefinition, JsonValue, ModelSpec } from './model-spec.js';
import { accessorName, compareText as compare, fileStem, tableName } from './naming.js';

/** One schema file: its name as the user sees it, and its text. */
export interface SchemaSource {
  readonly file: string;
  readonly text: string;
}

const MODEL_KEYWORDS = ['$schema', '$id', '$comment', 'title', 'description', 'type', 'properties', 'required', 'additionalProperties', 'x-sync'];
const FIELD_KEYWORDS = [
  'type', 'format', 'enum', 'default', 'description', 'title', '$comment', 'examples', 'deprecated',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern',
  'items', 'properties', 'required', 'additionalProperties', 'x-sync',
];
/** Valid JSON Schema, but a field built with them has no single column type. */
const COMPOSITION_KEYWORDS = ['$ref', 'oneOf', 'anyOf', 'allOf', 'not', 'const', 'if', 'then', 'else', 'patternProperties'];
const MODEL_SYNC_KEYWORDS = ['id', 'strategy', 'primaryKey', 'owner', 'indexes'];
const FIELD_SYNC_KEYWORDS = ['perDevice', 'references', 'onDelete'];
const INDEX_KEYWORDS = ['fields', 'unique'];
const STRATEGIES: readonly Strategy[] = ['stateBased', 'logBased', 'hybrid'];
const ON_DELETE: readonly OnDelete[] = ['cascade', 'setNull'];
const TYPE_NAMES = ['string', 'integer', 'number', 'boolean', 'object', 'array', 'null'];
const FORMATS = ['uuid', 'date-time'];
const TEXT_CONSTRAINTS = ['minLength', 'maxLength', 'pattern'] as const;
const NUMBER_CONSTRAINTS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'] as const;
const JSON_TYPING_KEYWORDS = ['items', 'properties', 'required', 'additionalProperties'];
const MODEL_NAME = /^[A-Z][A-Za-z0-9]*$/;
const FIELD_NAME = /^[a-z][A-Za-z0-9]*$/;
const MAX_MODEL_ID = 65535;

type Json = Record<string, unknown>;

/** Validates every source; returns the models sorted by name, or throws `SchemaValidationError`. */
export function validateSchemas(sources: readonly SchemaSource[]): ModelSpec[] {
  const issues = new IssueList();
  const sorted = [...sources].sort((a, b) => compare(a.file, b.file));
  // Titles of every file, valid or not: a reference to a model whose own file has problems is not
  // reported again as a reference to an unknown model.
  const declared = new Set<string>();
  const models = sorted.flatMap((source) => parseModel(source, issues, declared) ?? []);
  checkAcrossModels(models, declared, issues);
  if (issues.length > 0) throw new SchemaValidationError(issues.sorted());
  return models.sort((a, b) => compare(a.name, b.name));
}

class IssueList {
  readonly #issues: SchemaIssue[] = [];
  get length(): number {
    return this.#issues.length;
  }
  add(code: SchemaIssueCode, file: string, pointer: string, problem: string, fix: string): void {
    this.#issues.push({ code, file, pointer, problem, fix });
  }
  sorted(): SchemaIssue[] {
    return [...this.#issues].sort((a, b) => compare(a.file, b.file) || compare(a.pointer, b.pointer));
  }
}

/** Everything about one file that needs only that file. */
function parseModel(source: SchemaSource, issues: IssueList, declared: Set<string>): ModelSpec | undefined {
  const { file } = source;
  const report = (code: SchemaIssueCode, pointer: string, problem: string, fix: string) =>
    issues.add(code, file, pointer, problem, fix);
  const before = issues.length;

  let root: unknown;
  try {
    root = JSON.parse(source.text);
  } catch (error) {
    report('invalid-json', '', `not valid JSON: ${(error as Error).message}${jsonErrorLocation(source.text, error)}`, 'Fix the JSON syntax');
    return undefined;
  }
  if (!isObject(root)) {
    report('invalid-value', '', 'a model schema must be a JSON object', 'Write one JSON Schema object per file');
    return undefined;
  }
  checkKeywords(root, '', MODEL_KEYWORDS, 'keyword', report);

  const name = root.title;
  if (typeof name === 'string') declared.add(name);
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

  const sync = root['x-sync'];
  if (!isObject(sync)) {
    if (sync !== undefined) {
      report('invalid-value', '/x-sync', 'x-sync must be an object', 'Write "x-sync": { "id": 1, "strategy": "logBased", "primaryKey": "id" }');
    } else if (!Object.keys(root).some((key) => !MODEL_KEYWORDS.includes(key) && isNear(key, 'x-sync'))) {
      report('missing-keyword', '/x-sync', 'the model has no x-sync block', 'Add "x-sync": { "id": <stable number>, "strategy": "stateBased" | "logBased" | "hybrid", "primaryKey": "<uuid field>" }');
    }
    return undefined;
  }
  checkKeywords(sync, '/x-sync', MODEL_SYNC_KEYWORDS, 'sync keyword', report);

  const id = sync.id;
  if (id === undefined) {
    report('missing-keyword', '/x-sync/id', 'the model has no numeric id', `Add "id": a number from 1 to ${MAX_MODEL_ID} that no other model uses and that never changes`);
  } else if (!Number.isInteger(id) || (id as number) < 1 || (id as number) > MAX_MODEL_ID) {
    report('invalid-value', '/x-sync/id', `the model id ${JSON.stringify(id)} is not an integer from 1 to ${MAX_MODEL_ID}`, 'Use a small positive integer');
  }
  const strategy = sync.strategy;
  if (strategy === undefined) {
    report('missing-keyword', '/x-sync/strategy', 'the model has no strategy', 'Add "strategy": "stateBased" (one device owns each record), "logBased" (shared) or "hybrid"');
  } else if (!STRATEGIES.includes(strategy as Strategy)) {
    report('invalid-value', '/x-sync/strategy', `unknown strategy ${JSON.stringify(strategy)}`, suggestion(String(strategy), STRATEGIES, 'Use one of'));
  }
  const knownStrategy = STRATEGIES.includes(strategy as Strategy) ? (strategy as Strategy) : undefined;

  const properties = root.properties;
  if (!isObject(properties) || Object.keys(properties).length === 0) {
    report('missing-keyword', '/properties', 'the model declares no fields', 'Add "properties" with at least the primary key field');
    return undefined;
  }
  const required = parseRequired(root.required, properties, report);

  const fields: FieldSpec[] = [];
  for (const [fieldName, schema] of Object.entries(properties)) {
    const field = parseField(fieldName, schema, required.has(fieldName), knownStrategy, report);
    if (field) fields.push(field);
  }
  const byName = new Map(fields.map((field) => [field.name, field]));

  const primaryKey = sync.primaryKey;
  if (typeof primaryKey !== 'string' || !(primaryKey in properties)) {
    report(
      'missing-primary-key',
      '/x-sync/primaryKey',
      primaryKey === undefined ? 'the model has no primary key' : `the primary key ${JSON.stringify(primaryKey)} names no field of the model`,
      'Set "primaryKey" to a field declared as { "type": "string", "format": "uuid" }',
    );
  } else {
    const key = byName.get(primaryKey);
    if (key && (key.kind !== 'uuid' || key.nullable)) {
      report('primary-key-not-uuid', `/properties/${escapePointer(primaryKey)}`, `the primary key "${primaryKey}" is not a non-null UUID`, 'Declare it as { "type": "string", "format": "uuid" }');
    }
    if (key?.perDevice) {
      report('invalid-value', `/properties/${escapePointer(primaryKey)}/x-sync/perDevice`, 'the primary key cannot be perDevice', 'Remove perDevice from the primary key');
    }
  }

  const owner = sync.owner;
  if (knownStrategy === 'stateBased' && owner === undefined) {
    report('missing-owner', '/x-sync/owner', 'a stateBased model needs the field that holds its owning device', 'Add "owner": "<field>" naming a uuid field with the device id (a Device model may name its own primary key)');
  } else if (owner !== undefined && knownStrategy !== undefined && knownStrategy !== 'stateBased') {
    report('invalid-owner', '/x-sync/owner', `a ${knownStrategy} model has no owning device`, 'Remove "owner", or make the model stateBased');
  } else if (owner !== undefined) {
    const ownerField = typeof owner === 'string' ? byName.get(owner) : undefined;
    if (typeof owner !== 'string' || !(owner in properties)) {
      report('unknown-field', '/x-sync/owner', `the owner ${JSON.stringify(owner)} names no field of the model`, suggestion(String(owner), Object.keys(properties), 'Name one of'));
    } else if (ownerField && (ownerField.kind !== 'uuid' || ownerField.nullable)) {
      report('invalid-owner', `/properties/${escapePointer(owner)}`, `the owner field "${owner}" is not a non-null UUID`, 'Declare it as { "type": "string", "format": "uuid" }');
    }
  }

  if (knownStrategy === 'hybrid' && !fields.some((field) => field.perDevice)) {
    report('hybrid-without-per-device', '/x-sync/strategy', 'a hybrid model has no perDevice field', 'Mark the fields each device keeps for itself with "x-sync": { "perDevice": true }, or use "logBased"');
  }
  const indexes = parseIndexes(sync.indexes, byName, report);

  if (issues.length > before || typeof name !== 'string' || knownStrategy === undefined) return undefined;
  const key = byName.get(primaryKey as string)!;
  // A create may omit the key (a new UUID) and the owner (this device); the runtime fills them in.
  const ordered = [key, ...fields.filter((field) => field !== key)].map((field) =>
    field === key || field.name === owner ? { ...field, optionalOnCreate: true } : field,
  );
  return {
    name,
    id: id as number,
    file,
    accessor: accessorName(name),
    table: tableName(name),
    fileStem: fileStem(name),
    description: typeof root.description === 'string' ? root.description : undefined,
    strategy: knownStrategy,
    primaryKey: primaryKey as string,
    owner: (owner as string | undefined) ?? null,
    fields: ordered,
    indexes,
    typeSchema: typeSchema(name, root, ordered.map((field) => field.name)),
  };
}

type Report = (code: SchemaIssueCode, pointer: string, problem: string, fix: string) => void;

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

function parseField(name: string, schema: unknown, required: boolean, strategy: Strategy | undefined, report: Report): FieldSpec | undefined {
  const at = `/properties/${escapePointer(name)}`;
  if (!FIELD_NAME.test(name)) {
    report('invalid-name', at, `the field name "${name}" is not camelCase letters and digits`, `Rename it, e.g. to "${camelCase(name)}"`);
  }
  if (!isObject(schema)) {
    report('unstorable-type', at, 'a field schema must be an object', 'Write e.g. { "type": "string" }');
    return undefined;
  }
  checkKeywords(schema, at, [...FIELD_KEYWORDS, ...COMPOSITION_KEYWORDS], 'keyword', report);
  const composition = Object.keys(schema).filter((keyword) => COMPOSITION_KEYWORDS.includes(keyword));
  for (const keyword of composition) {
    report('unstorable-type', `${at}/${escapePointer(keyword)}`, `"${keyword}" gives a field no single column type`, 'Use one "type" (with "null" for optional values), "enum", or "type": "object" / "array" for JSON');
  }
  const type = composition.length > 0 ? undefined : fieldType(schema, at, report);
  const sync = schema['x-sync'];
  let perDevice = false;
  let reference: FieldSpec['reference'];
  if (sync !== undefined && !isObject(sync)) {
    report('invalid-value', `${at}/x-sync`, 'x-sync must be an object', 'Write e.g. "x-sync": { "references": "Location", "onDelete": "cascade" }');
  } else if (sync) {
    checkKeywords(sync, `${at}/x-sync`, FIELD_SYNC_KEYWORDS, 'sync keyword', report);
    if (sync.perDevice !== undefined && typeof sync.perDevice !== 'boolean') {
      report('invalid-value', `${at}/x-sync/perDevice`, 'perDevice must be true or false', 'Write "perDevice": true');
    }
    perDevice = sync.perDevice === true;
    if (perDevice && strategy !== undefined && strategy !== 'hybrid') {
      report('per-device-not-hybrid', `${at}/x-sync/perDevice`, `a perDevice field in a ${strategy} model`, 'Set the model\'s "strategy" to "hybrid", or remove perDevice');
    }
    reference = parseReference(sync, at, type, perDevice, report);
  }
  if (!type) return undefined;
  if (type.kind === 'json') {
    const nested = findKeyword(schema, '$ref', at);
    if (nested) report('unstorable-type', nested, 'a $ref inside a JSON field is not supported', 'Inline the referenced schema');
  }
  const constraints = parseConstraints(schema, at, type.kind, report);
  const spec: FieldSpec = {
    name,
    ...type,
    optionalOnCreate: !required,
    default: schema.default as JsonValue | undefined,
    perDevice,
    constraints,
    reference,
  };
  if (spec.default !== undefined) {
    try {
      codecFor(spec).encode(spec.default);
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      report('invalid-default', `${at}/default`, `the default ${JSON.stringify(spec.default)} is not ${error.expected}`, 'Give a default that the field can hold');
    }
  }
  if (!required && !spec.nullable && spec.default === undefined) {
    report('optional-without-default', at, `"${name}" is not required but has neither a default nor null in its type`, `Add it to "required", give it a "default", or allow null with "type": [..., "null"]`);
  } else if (perDevice && !spec.nullable && spec.default === undefined) {
    report('optional-without-default', at, `the perDevice field "${name}" has no value on devices that never set it`, 'Give it a "default", or allow null');
  }
  return spec;
}

type FieldType = Pick<FieldSpec, 'kind' | 'nullable' | 'enumValues' | 'jsonShape'>;

/** The column type of a field schema, or undefined after reporting why it has none. */
function fieldType(schema: Json, at: string, report: Report): FieldType | undefined {
  const declared = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  for (const [position, typeName] of declared.entries()) {
    if (typeof typeName !== 'string' || !TYPE_NAMES.includes(typeName)) {
      const pointer = Array.isArray(schema.type) ? `${at}/type/${position}` : `${at}/type`;
      report('unstorable-type', pointer, `unknown type ${JSON.stringify(typeName)}`, suggestion(String(typeName), TYPE_NAMES, 'Use one of'));
      return undefined;
    }
  }
  const types = [...new Set(declared as string[])].filter((typeName) => typeName !== 'null');

  if (schema.enum !== undefined) {
    const values = schema.enum;
    if (!Array.isArray(values) || values.length === 0) {
      report('invalid-value', `${at}/enum`, 'enum must be a non-empty array', 'List the allowed values, e.g. ["file", "directory"]');
      return undefined;
    }
    const nonNull = values.filter((value) => value !== null);
    const allText = nonNull.length > 0 && nonNull.every((value) => typeof value === 'string');
    const allIntegers = nonNull.length > 0 && nonNull.every((value) => Number.isSafeInteger(value));
    if (!allText && !allIntegers) {
      report('unstorable-type', `${at}/enum`, 'enum values must be all strings or all integers (null may be added)', 'Split the values, or store them as JSON with "type": "object"');
      return undefined;
    }
    const valueType = allText ? 'string' : 'integer';
    if (types.some((typeName) => typeName !== valueType)) {
      report('unstorable-type', `${at}/type`, `the type ${JSON.stringify(schema.type)} does not match the ${valueType} enum values`, `Use "type": "${valueType}" or remove "type"`);
      return undefined;
    }
    if (declared.includes('null') && !values.includes(null)) {
      report('invalid-value', `${at}/enum`, 'the type allows null but the enum does not list it', 'Add null to the enum values');
      return undefined;
    }
    return { kind: 'enum', nullable: values.includes(null), enumValues: nonNull as (string | number)[], jsonShape: undefined };
  }

  if (declared.length === 0) {
    report('unstorable-type', at, 'the field has no type', 'Add "type": "string", "integer", "number", "boolean", "object" or "array" (add "null" to allow null)');
    return undefined;
  }
  if (types.length === 0) {
    report('unstorable-type', `${at}/type`, 'a field whose only type is null stores nothing', 'Give it a value type, e.g. ["string", "null"]');
    return undefined;
  }
  if (types.length > 1) {
    report('unstorable-type', `${at}/type`, `a field holds one type, not ${types.join(' or ')}`, 'Pick one type (with "null" for optional values), or use "type": "object" to store mixed values as JSON');
    return undefined;
  }
  const nullable = declared.includes('null');
  const base = { nullable, enumValues: undefined, jsonShape: undefined };
  const typeName = types[0]!;
  const format = schema.format;
  if (format !== undefined && typeName !== 'string') {
    report('invalid-value', `${at}/format`, `"format" applies to string fields, not ${typeName}`, 'Remove "format"');
    return undefined;
  }
  switch (typeName) {
    case 'string':
      if (format === undefined) return { ...base, kind: 'string' };
      if (format === 'uuid') return { ...base, kind: 'uuid' };
      if (format === 'date-time') return { ...base, kind: 'dateTime' };
      report('unstorable-type', `${at}/format`, `the string format ${JSON.stringify(format)} is not supported`, suggestion(String(format), FORMATS, 'Use one of'));
      return undefined;
    case 'integer':
      return { ...base, kind: 'integer' };
    case 'number':
      return { ...base, kind: 'number' };
    case 'boolean':
      return { ...base, kind: 'boolean' };
    default:
      return { ...base, kind: 'json', jsonShape: typeName as 'object' | 'array' };
  }
}

function parseReference(sync: Json, at: string, type: FieldType | undefined, perDevice: boolean, report: Report): FieldSpec['reference'] {
  const { references, onDelete } = sync;
  if (references === undefined) {
    if (onDelete !== undefined) {
      report('missing-keyword', `${at}/x-sync/references`, 'onDelete without references', 'Add "references": "<Model>", or remove onDelete');
    }
    return undefined;
  }
  if (typeof references !== 'string') {
    report('invalid-value', `${at}/x-sync/references`, 'references must be a model name', 'Write "references": "Location"');
    return undefined;
  }
  if (type && type.kind !== 'uuid') {
    report('invalid-reference', `${at}/x-sync/references`, `a reference must be a uuid field, not ${type.kind}`, 'Declare the field as { "type": "string", "format": "uuid" }');
  }
  if (perDevice) {
    report('invalid-reference', `${at}/x-sync/references`, 'a perDevice field cannot reference another model', 'Move the reference to a shared field');
  }
  if (onDelete === undefined) {
    report('missing-keyword', `${at}/x-sync/onDelete`, `the reference to ${references} does not say what happens when the ${references} is deleted`, 'Add "onDelete": "cascade" (delete this record too) or "setNull" (clear this field)');
    return undefined;
  }
  if (!ON_DELETE.includes(onDelete as OnDelete)) {
    report('invalid-value', `${at}/x-sync/onDelete`, `unknown onDelete ${JSON.stringify(onDelete)}`, suggestion(String(onDelete), ON_DELETE, 'Use one of'));
    return undefined;
  }
  if (onDelete === 'setNull' && type && !type.nullable) {
    report('invalid-reference', `${at}/x-sync/onDelete`, 'onDelete setNull on a field that cannot be null', 'Allow null with "type": ["string", "null"], or use "cascade"');
  }
  return { model: references, onDelete: onDelete as OnDelete };
}

function parseConstraints(schema: Json, at: string, kind: FieldKind, report: Report): FieldConstraints {
  const constraints: Record<string, number | string> = {};
  for (const keyword of TEXT_CONSTRAINTS) {
    const value = schema[keyword];
    if (value === undefined) continue;
    if (kind !== 'string') {
      report('invalid-value', `${at}/${keyword}`, `${keyword} applies to plain string fields, not ${kind}`, `Remove "${keyword}"`);
    } else if (keyword === 'pattern') {
      if (typeof value !== 'string' || !compiles(value)) {
        report('invalid-value', `${at}/pattern`, 'pattern is not a valid regular expression', 'Fix the pattern');
      } else constraints[keyword] = value;
    } else if (!Number.isSafeInteger(value) || (value as number) < 0) {
      report('invalid-value', `${at}/${keyword}`, `${keyword} must be a non-negative integer`, `Fix "${keyword}"`);
    } else constraints[keyword] = value as number;
  }
  for (const keyword of NUMBER_CONSTRAINTS) {
    const value = schema[keyword];
    if (value === undefined) continue;
    if (kind !== 'integer' && kind !== 'number') {
      report('invalid-value', `${at}/${keyword}`, `${keyword} applies to integer and number fields, not ${kind}`, `Remove "${keyword}"`);
    } else if (typeof value !== 'number' || !Number.isFinite(value)) {
      report('invalid-value', `${at}/${keyword}`, `${keyword} must be a number`, `Fix "${keyword}"`);
    } else constraints[keyword] = value;
  }
  if (kind !== 'json') {
    for (const keyword of JSON_TYPING_KEYWORDS) {
      if (schema[keyword] !== undefined) {
        report('invalid-value', `${at}/${keyword}`, `${keyword} applies to object and array fields, not ${kind}`, `Remove "${keyword}"`);
      }
    }
  }
  return constraints;
}

function parseIndexes(value: unknown, fields: Map<string, FieldSpec>, report: Report): IndexDefinition[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    report('invalid-value', '/x-sync/indexes', 'indexes must be an array', 'Write "indexes": [{ "fields": ["name"] }]');
    return [];
  }
  const indexes: IndexDefinition[] = [];
  value.forEach((index: unknown, position) => {
    const at = `/x-sync/indexes/${position}`;
    if (!isObject(index)) {
      report('invalid-value', at, 'an index must be an object', 'Write { "fields": ["name"] }');
      return;
    }
    checkKeywords(index, at, INDEX_KEYWORDS, 'index keyword', report);
    const names = index.fields;
    if (!Array.isArray(names) || names.length === 0 || !names.every((item) => typeof item === 'string')) {
      report('invalid-value', `${at}/fields`, 'an index needs a non-empty list of field names', 'Write "fields": ["name"]');
      return;
    }
    let valid = true;
    names.forEach((fieldName: string, fieldPosition) => {
      const field = fields.get(fieldName);
      if (!field) {
        report('unknown-field', `${at}/fields/${fieldPosition}`, `the index names "${fieldName}", which is not a field`, suggestion(fieldName, [...fields.keys()], 'Name one of'));
        valid = false;
      } else if (field.perDevice) {
        report('invalid-value', `${at}/fields/${fieldPosition}`, `the perDevice field "${fieldName}" cannot be indexed`, 'Index shared fields only');
        valid = false;
      }
    });
    if (index.unique !== undefined && index.unique !== false) {
      report('unsafe-unique-index', `${at}/unique`, 'a unique index cannot hold across devices that write and apply changes in different orders', 'Remove "unique", and derive the primary key from the unique fields (e.g. a UUIDv5) so equal records share one key');
      valid = false;
    }
    if (valid) indexes.push({ fields: names as string[], unique: false });
  });
  return indexes;
}

/** Checks that need every model: names, ids, references and cycles. */
function checkAcrossModels(models: ModelSpec[], declared: ReadonlySet<string>, issues: IssueList): void {
  const byName = new Map<string, ModelSpec>();
  const byId = new Map<number, ModelSpec>();
  for (const model of models) {
    const sameName = byName.get(model.name);
    if (sameName) {
      issues.add('duplicate-model-name', model.file, '/title', `the model name ${model.name} is also declared by ${sameName.file}`, 'Give each model its own title');
    } else byName.set(model.name, model);
    const sameId = byId.get(model.id);
    if (sameId) {
      issues.add('duplicate-model-id', model.file, '/x-sync/id', `the model id ${model.id} is also used by ${sameId.name} (${sameId.file})`, `Give ${model.name} an id that no other model uses`);
    } else byId.set(model.id, model);
  }
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

/** The stored record's JSON Schema for json-schema-to-typescript: every field present, no sync keywords. */
function typeSchema(name: string, root: Json, fieldNames: string[]): Record<string, JsonValue> {
  const properties = root.properties as Json;
  const clean: Record<string, JsonValue> = {};
  for (const fieldName of fieldNames) clean[fieldName] = stripAnnotations(properties[fieldName], true) as JsonValue;
  return {
    title: name,
    ...(typeof root.description === 'string' ? { description: root.description } : {}),
    type: 'object',
    additionalProperties: false,
    required: fieldNames,
    properties: clean,
  };
}

/** Removes sync keywords, defaults and nested titles (which would become separate named types). */
function stripAnnotations(value: unknown, top: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => stripAnnotations(item, false));
  if (!isObject(value)) return value;
  const result: Json = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === 'x-sync' || key === 'default' || key === 'examples' || (key === 'title' && !top)) continue;
    result[key] = key === 'properties' && isObject(item)
      ? Object.fromEntries(Object.entries(item).map(([k, v]) => [k, stripAnnotations(v, false)]))
      : stripAnnotations(item, false);
  }
  return result;
}

/** The pointer of the first `keyword` nested anywhere below `value`, or undefined. */
function findKeyword(value: unknown, keyword: string, at: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const pointer = `${at}/${escapePointer(key)}`;
    if (key === keyword) return pointer;
    const found = findKeyword(item, keyword, pointer);
    if (found) return found;
  }
  return undefined;
}

function checkKeywords(object: Json, at: string, known: readonly string[], what: string, report: Report): void {
  for (const keyword of Object.keys(object)) {
    if (known.includes(keyword)) continue;
    report('unknown-keyword', `${at}/${escapePointer(keyword)}`, `unknown ${what} "${keyword}"`, suggestion(keyword, known, 'Known ones are'));
  }
}

/** "Did you mean X?" when one candidate is close, else the list of candidates. */
function suggestion(value: string, candidates: readonly string[], lead: string): string {
  if (candidates.length > 0) {
    const near = closest(value, [...candidates]);
    if (isNear(value, near)) return `Did you mean "${near}"?`;
  }
  return `${lead}: ${candidates.map((candidate) => `"${candidate}"`).join(', ')}`;
}

function isNear(value: string, candidate: string): boolean {
  const limit = Math.max(2, Math.floor(candidate.length / 3));
  return distance(value.toLowerCase(), candidate.toLowerCase()) <= limit;
}

function jsonErrorLocation(text: string, error: unknown): string {
  const match = /position (\d+)/.exec(String((error as Error).message));
  if (!match) return '';
  const before = text.slice(0, Number(match[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function pascalCase(name: string): string {
  return name.split(/[^A-Za-z0-9]+/).filter(Boolean).map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('') || 'Model';
}

function camelCase(name: string): string {
  const pascal = pascalCase(name);
  return pascal.charAt(0).toLowerCase() + pascal.slice(1);
}
