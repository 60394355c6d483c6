/**
 * Schema validation: one test per kind of problem, each asserting the exact issue (code, file,
 * JSON pointer, problem and fix), plus the example schemas passing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatIssue, SchemaValidationError, type SchemaIssue } from '../../generator/errors.js';
import { validateSchemas } from '../../generator/validate/validate-schemas.js';
import { REPO_DIR } from '../support/fixtures.js';

type Schema = Record<string, unknown>;

/** A valid logBased model; tests change one thing in it. */
function tag(change: (schema: Schema) => void = () => {}): Schema {
  const schema: Schema = {
    title: 'Tag',
    type: 'object',
    additionalProperties: false,
    'x-sync': { id: 1, strategy: 'logBased', primaryKey: 'id' },
    properties: { id: { type: 'string', format: 'uuid' }, name: { type: 'string' } },
    required: ['id', 'name'],
  };
  change(schema);
  return schema;
}

function location(change: (schema: Schema) => void = () => {}): Schema {
  const schema: Schema = {
    title: 'Location',
    type: 'object',
    'x-sync': { id: 2, strategy: 'stateBased', primaryKey: 'id', owner: 'deviceId' },
    properties: { id: { type: 'string', format: 'uuid' }, deviceId: { type: 'string', format: 'uuid' }, path: { type: 'string' } },
    required: ['id', 'deviceId', 'path'],
  };
  change(schema);
  return schema;
}

const sync = (schema: Schema) => schema['x-sync'] as Schema;
const props = (schema: Schema) => schema.properties as Record<string, Schema>;

/** The issues of a set of schema files (`{ 'schema/tag.json': schema }`); fails if none. */
function issuesOf(files: Record<string, Schema | string>): SchemaIssue[] {
  try {
    validateSchemas(Object.entries(files).map(([file, schema]) => ({ file, text: typeof schema === 'string' ? schema : JSON.stringify(schema, null, 2) })));
  } catch (error) {
    if (error instanceof SchemaValidationError) return [...error.issues];
    throw error;
  }
  assert.unreachable('the schemas were accepted');
  return [];
}

function only(files: Record<string, Schema | string>): SchemaIssue {
  const issues = issuesOf(files);
  assert.is(issues.length, 1, issues.map(formatIssue).join('\n'));
  return issues[0]!;
}

test('the example schemas are valid and give eleven models sorted by name', () => {
  const directory = path.join(REPO_DIR, 'schema');
  const sources = readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .map((name) => ({ file: `schema/${name}`, text: readFileSync(path.join(directory, name), 'utf8') }));
  const models = validateSchemas(sources);
  assert.equal(
    models.map((model) => `${model.name}:${model.id}:${model.strategy}`),
    [
      'Album:6:logBased',
      'Collection:7:logBased',
      'Device:1:stateBased',
      'Entry:4:stateBased',
      'EntryInAlbum:10:logBased',
      'EntryInCollection:11:logBased',
      'Location:3:stateBased',
      'Tag:5:logBased',
      'TagOnEntry:9:logBased',
      'UserMetadata:8:hybrid',
      'Volume:2:stateBased',
    ],
  );
});

test('invalid JSON: names the line and column', () => {
  const issue = only({ 'schema/tag.json': '{\n  "title": "Tag",\n  "type" "object"\n}' });
  assert.is(issue.code, 'invalid-json');
  assert.is(issue.pointer, '');
  assert.match(issue.problem, /\(line 3, column 10\)$/);
});

test('unknown keyword: suggests the near one, with the exact message', () => {
  const issue = only({ 'schema/tag.json': tag((s) => (sync(s).strategi = 'logBased')) });
  assert.equal(issue, {
    code: 'unknown-keyword',
    file: 'schema/tag.json',
    pointer: '/x-sync/strategi',
    problem: 'unknown sync keyword "strategi"',
    fix: 'Did you mean "strategy"?',
  });
  assert.is(formatIssue(issue), 'schema/tag.json#/x-sync/strategi: unknown sync keyword "strategi". Did you mean "strategy"?');
});

test('unknown keyword: a misspelt x-sync block is reported once, as the typo', () => {
  const issue = only({
    'schema/tag.json': tag((s) => {
      s['x-sinc'] = s['x-sync'];
      delete s['x-sync'];
    }),
  });
  assert.equal([issue.code, issue.pointer, issue.fix], ['unknown-keyword', '/x-sinc', 'Did you mean "x-sync"?']);
});

test('unknown keyword: on a field, and with no near keyword the known ones are listed', () => {
  const near = only({ 'schema/tag.json': tag((s) => (props(s).name!.formt = 'uuid')) });
  assert.equal([near.pointer, near.fix], ['/properties/name/formt', 'Did you mean "format"?']);
  const far = only({ 'schema/tag.json': tag((s) => (props(s).name!['x-sync'] = { shard: 3 })) });
  assert.equal(
    [far.code, far.pointer, far.fix],
    ['unknown-keyword', '/properties/name/x-sync/shard', 'Known ones are: "perDevice", "references", "onDelete", "renamedFrom"'],
  );
});

test('missing primary key', () => {
  const issue = only({ 'schema/tag.json': tag((s) => delete sync(s).primaryKey) });
  assert.equal(
    [issue.code, issue.pointer, issue.problem, issue.fix],
    [
      'missing-primary-key',
      '/x-sync/primaryKey',
      'the model has no primary key',
      'Set "primaryKey" to a field declared as { "type": "string", "format": "uuid" }',
    ],
  );
});

test('primary key that names no field', () => {
  const issue = only({ 'schema/tag.json': tag((s) => (sync(s).primaryKey = 'uuid')) });
  assert.equal([issue.code, issue.problem], ['missing-primary-key', 'the primary key "uuid" names no field of the model']);
});

test('primary key that is not a UUID', () => {
  const integer = only({ 'schema/tag.json': tag((s) => (props(s).id = { type: 'integer' })) });
  assert.equal([integer.code, integer.pointer], ['primary-key-not-uuid', '/properties/id']);
  const nullable = only({ 'schema/tag.json': tag((s) => (props(s).id = { type: ['string', 'null'], format: 'uuid' })) });
  assert.equal([nullable.code, nullable.problem], ['primary-key-not-uuid', 'the primary key "id" is not a non-null UUID']);
});

test('stateBased model without an owner field', () => {
  const issue = only({ 'schema/location.json': location((s) => delete sync(s).owner) });
  assert.equal([issue.code, issue.file, issue.pointer], ['missing-owner', 'schema/location.json', '/x-sync/owner']);
  assert.match(issue.fix, /Add "owner": "<field>"/);
});

test('an owner on a logBased model, and an owner field that is not a UUID', () => {
  const onShared = only({ 'schema/tag.json': tag((s) => (sync(s).owner = 'id')) });
  assert.equal([onShared.code, onShared.problem], ['invalid-owner', 'a logBased model has no owning device']);
  const notUuid = only({ 'schema/location.json': location((s) => (props(s).deviceId = { type: 'string' })) });
  assert.equal([notUuid.code, notUuid.pointer], ['invalid-owner', '/properties/deviceId']);
});

test('reference to an unknown model: suggests the near model', () => {
  const issue = only({
    'schema/location.json': location(),
    'schema/tag.json': tag(
      (s) => (props(s).locationId = { type: ['string', 'null'], format: 'uuid', 'x-sync': { references: 'Locaton', onDelete: 'setNull' } }),
    ),
  });
  assert.equal(issue, {
    code: 'unknown-reference',
    file: 'schema/tag.json',
    pointer: '/properties/locationId/x-sync/references',
    problem: 'Tag.locationId references the unknown model "Locaton"',
    fix: 'Did you mean "Location"?',
  });
});

test('reference cycle with no nullable edge; one nullable edge makes it valid', () => {
  const ref = (model: string, nullable: boolean) => ({
    type: nullable ? ['string', 'null'] : 'string',
    format: 'uuid',
    'x-sync': { references: model, onDelete: 'cascade' },
  });
  const withRefs = (tagToLocation: boolean) => ({
    'schema/location.json': location((s) => {
      props(s).tagId = ref('Tag', false);
      (s.required as string[]).push('tagId');
    }),
    'schema/tag.json': tag((s) => {
      props(s).locationId = ref('Location', tagToLocation);
      (s.required as string[]).push('locationId');
    }),
  });
  const issue = only(withRefs(false));
  assert.equal(
    [issue.code, issue.file, issue.pointer, issue.problem],
    [
      'reference-cycle',
      'schema/location.json',
      '/properties/tagId/x-sync/references',
      'required references form a cycle: Location.tagId → Tag, Tag.locationId → Location; no record in it could be created first',
    ],
  );
  assert.is(validateSchemas(Object.entries(withRefs(true)).map(([file, s]) => ({ file, text: JSON.stringify(s) }))).length, 2);
});

test('a required self-reference is a cycle; a nullable one is not', () => {
  const selfRef = (nullable: boolean) =>
    tag((s) => {
      props(s).parentId = { type: nullable ? ['string', 'null'] : 'string', format: 'uuid', 'x-sync': { references: 'Tag', onDelete: 'cascade' } };
      (s.required as string[]).push('parentId');
    });
  assert.is(
    only({ 'schema/tag.json': selfRef(false) }).problem,
    'required references form a cycle: Tag.parentId → Tag; no record in it could be created first',
  );
  assert.is(validateSchemas([{ file: 'schema/tag.json', text: JSON.stringify(selfRef(true)) }]).length, 1);
});

test('duplicate model id: reported on the later file, naming the first', () => {
  const issue = only({ 'schema/location.json': location((s) => (sync(s).id = 1)), 'schema/tag.json': tag() });
  assert.equal(issue, {
    code: 'duplicate-model-id',
    file: 'schema/tag.json',
    pointer: '/x-sync/id',
    problem: 'the model id 1 is also used by Location (schema/location.json)',
    fix: 'Give Tag an id that no other model uses',
  });
});

test('duplicate model name', () => {
  const issue = only({ 'schema/a.json': tag(), 'schema/b.json': tag((s) => (sync(s).id = 9)) });
  assert.equal([issue.code, issue.file, issue.problem], ['duplicate-model-name', 'schema/b.json', 'the model name Tag is also declared by schema/a.json']);
});

test('field types that cannot be stored', () => {
  const cases: [Schema, string, string][] = [
    [{ type: ['string', 'integer'] }, '/properties/name/type', 'a field holds one type, not string or integer'],
    [{ type: 'null' }, '/properties/name/type', 'a field whose only type is null stores nothing'],
    [{ description: 'no type' }, '/properties/name', 'the field has no type'],
    [{ oneOf: [{ type: 'string' }, { type: 'integer' }] }, '/properties/name/oneOf', '"oneOf" gives a field no single column type'],
    [{ type: 'string', format: 'datetime' }, '/properties/name/format', 'the string format "datetime" is not supported'],
    [{ enum: ['a', 1] }, '/properties/name/enum', 'enum values must be all strings or all integers (null may be added)'],
    [{ type: 'strin' }, '/properties/name/type', 'unknown type "strin"'],
    [{ type: 'object', properties: { inner: { $ref: '#/x' } } }, '/properties/name/properties/inner/$ref', 'a $ref inside a JSON field is not supported'],
  ];
  for (const [field, pointer, problem] of cases) {
    const issue = only({ 'schema/tag.json': tag((s) => (props(s).name = field)) });
    assert.equal([issue.code, issue.pointer, issue.problem], ['unstorable-type', pointer, problem], JSON.stringify(field));
  }
  assert.is(only({ 'schema/tag.json': tag((s) => (props(s).name = { type: 'string', format: 'datetime' })) }).fix, 'Did you mean "date-time"?');
});

test('perDevice field in a model that is not hybrid', () => {
  const issue = only({
    'schema/tag.json': tag((s) => (props(s).lastOpenedAt = { type: ['string', 'null'], format: 'date-time', 'x-sync': { perDevice: true } })),
  });
  assert.equal(issue, {
    code: 'per-device-not-hybrid',
    file: 'schema/tag.json',
    pointer: '/properties/lastOpenedAt/x-sync/perDevice',
    problem: 'a perDevice field in a logBased model',
    fix: 'Set the model\'s "strategy" to "hybrid", or remove perDevice',
  });
});

test('hybrid model without a perDevice field', () => {
  const issue = only({ 'schema/tag.json': tag((s) => (sync(s).strategy = 'hybrid')) });
  assert.equal([issue.code, issue.pointer], ['hybrid-without-per-device', '/x-sync/strategy']);
});

test('a field a create may omit, with neither default nor null', () => {
  const issue = only({ 'schema/tag.json': tag((s) => (props(s).color = { type: 'string' })) });
  assert.equal(
    [issue.code, issue.pointer, issue.problem],
    ['optional-without-default', '/properties/color', '"color" is not required but has neither a default nor null in its type'],
  );
});

test('a default the field cannot hold', () => {
  const issue = only({ 'schema/tag.json': tag((s) => (props(s).rating = { type: 'integer', minimum: 0, maximum: 5, default: 9 })) });
  assert.equal([issue.code, issue.pointer, issue.problem], ['invalid-default', '/properties/rating/default', 'the default 9 is not an integer >= 0 and <= 5']);
});

test('a unique index is refused: devices cannot keep it', () => {
  const issue = only({ 'schema/tag.json': tag((s) => (sync(s).indexes = [{ fields: ['name'], unique: true }])) });
  assert.equal([issue.code, issue.pointer], ['unsafe-unique-index', '/x-sync/indexes/0/unique']);
});

test('an index on an unknown field', () => {
  const issue = only({ 'schema/tag.json': tag((s) => (sync(s).indexes = [{ fields: ['nmae'] }])) });
  assert.equal([issue.code, issue.pointer, issue.fix], ['unknown-field', '/x-sync/indexes/0/fields/0', 'Did you mean "name"?']);
});

test('references: missing onDelete, setNull on a required field, a reference on a non-UUID field', () => {
  const withRef = (field: Schema) => ({ 'schema/location.json': location(), 'schema/tag.json': tag((s) => (props(s).locationId = field)) });
  const noOnDelete = only(withRef({ type: ['string', 'null'], format: 'uuid', 'x-sync': { references: 'Location' } }));
  assert.equal([noOnDelete.code, noOnDelete.pointer], ['missing-keyword', '/properties/locationId/x-sync/onDelete']);
  const setNull = issuesOf(withRef({ type: 'string', format: 'uuid', 'x-sync': { references: 'Location', onDelete: 'setNull' } }));
  assert.equal(
    setNull.map((issue) => issue.code),
    ['optional-without-default', 'invalid-reference'],
  );
  const notUuid = only(withRef({ type: ['integer', 'null'], 'x-sync': { references: 'Location', onDelete: 'setNull' } }));
  assert.equal([notUuid.code, notUuid.problem], ['invalid-reference', 'a reference must be a uuid field, not integer']);
});

test('every problem of every file is reported at once, sorted by file and pointer', () => {
  const issues = issuesOf({
    'schema/tag.json': tag((s) => {
      sync(s).strategi = 'x';
      props(s).name = { type: 'null' };
    }),
    'schema/location.json': location((s) => delete sync(s).owner),
  });
  assert.equal(
    issues.map((issue) => `${issue.file}#${issue.pointer} ${issue.code}`),
    [
      'schema/location.json#/x-sync/owner missing-owner',
      'schema/tag.json#/properties/name/type unstorable-type',
      'schema/tag.json#/x-sync/strategi unknown-keyword',
    ],
  );
});

test.run();
