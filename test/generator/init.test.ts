/**
 * `syncgen init` in a fresh app: the example models written byte for byte, the "generate" script
 * added with package.json's own formatting, nothing written when anything is in the way, and the
 * scaffold generating at once.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_DIR, readTree, scratchDir } from '../support/fixtures.js';
import { syncgen } from './run-syncgen.js';

const EXAMPLES_DIR = path.join(REPO_DIR, 'generator', 'init', 'schema');
const WROTE = [
  'syncgen: wrote schema/device.json, schema/note.json, schema/bookmark.json; added the "generate" script to package.json',
  'Next: edit the models in schema/, then run `npm run generate` (writes generated/).',
];

/** An app directory holding only the given package.json text (none when undefined). */
function app(packageJson: string | undefined): string {
  const directory = scratchDir('init');
  if (packageJson !== undefined) writeFileSync(path.join(directory, 'package.json'), packageJson);
  return directory;
}

const packageJsonOf = (directory: string) => readFileSync(path.join(directory, 'package.json'), 'utf8');

test('the example models are one per strategy, in kebab-case files named after their titles', () => {
  const models = readdirSync(EXAMPLES_DIR)
    .sort()
    .map((name) => [name, JSON.parse(readFileSync(path.join(EXAMPLES_DIR, name), 'utf8'))] as const);
  assert.equal(
    models.map(([name, model]) => [name, model.title, model['x-sync'].id, model['x-sync'].strategy]),
    [
      ['bookmark.json', 'Bookmark', 3, 'hybrid'],
      ['device.json', 'Device', 1, 'stateBased'],
      ['note.json', 'Note', 2, 'logBased'],
    ],
  );
});

test('init writes the example models byte for byte and adds the script, keeping two-space indentation and key order', async () => {
  const directory = app('{\n  "name": "my-app",\n  "version": "1.0.0",\n  "scripts": {\n    "test": "node --test"\n  },\n  "private": true\n}\n');
  assert.equal(await syncgen(directory, 'init'), { code: 0, out: WROTE, err: [] });
  assert.equal(readTree(path.join(directory, 'schema')), readTree(EXAMPLES_DIR));
  assert.is(
    packageJsonOf(directory),
    '{\n  "name": "my-app",\n  "version": "1.0.0",\n  "scripts": {\n    "test": "node --test",\n    "generate": "syncgen generate"\n  },\n  "private": true\n}\n',
  );
});

test('init keeps a tab-indented package.json without a final newline, and adds a missing "scripts" last', async () => {
  const directory = app('{\n\t"name": "my-app",\n\t"dependencies": {\n\t\t"syncgen": "^0.1.0"\n\t}\n}');
  assert.equal(await syncgen(directory, 'init'), { code: 0, out: WROTE, err: [] });
  assert.is(
    packageJsonOf(directory),
    '{\n\t"name": "my-app",\n\t"dependencies": {\n\t\t"syncgen": "^0.1.0"\n\t},\n\t"scripts": {\n\t\t"generate": "syncgen generate"\n\t}\n}',
  );
});

test('init keeps CRLF line endings', async () => {
  const directory = app('{\r\n    "name": "my-app"\r\n}\r\n');
  assert.is((await syncgen(directory, 'init')).code, 0);
  assert.is(packageJsonOf(directory), '{\r\n    "name": "my-app",\r\n    "scripts": {\r\n        "generate": "syncgen generate"\r\n    }\r\n}\r\n');
});

test('a "generate" script that already runs syncgen generate is kept as it is', async () => {
  const original = '{ "name": "my-app", "scripts": { "generate": "syncgen generate" } }\n';
  const directory = app(original);
  assert.equal(await syncgen(directory, 'init'), {
    code: 0,
    out: ['syncgen: wrote schema/device.json, schema/note.json, schema/bookmark.json; the "generate" script is already in package.json', WROTE[1]],
    err: [],
  });
  assert.is(packageJsonOf(directory), original);
});

test('--schema writes the models elsewhere, and the script names that directory', async () => {
  const directory = app('{\n  "name": "my-app"\n}\n');
  assert.equal(await syncgen(directory, 'init', '--schema', 'src/models'), {
    code: 0,
    out: [
      'syncgen: wrote src/models/device.json, src/models/note.json, src/models/bookmark.json; added the "generate" script to package.json',
      'Next: edit the models in src/models/, then run `npm run generate` (writes generated/).',
    ],
    err: [],
  });
  assert.equal([...readTree(path.join(directory, 'src', 'models')).keys()], ['bookmark.json', 'device.json', 'note.json']);
  assert.equal(JSON.parse(packageJsonOf(directory)).scripts, { generate: 'syncgen generate --schema src/models' });
});

test('init writes nothing when a model file exists, naming it; other models in the directory are named too', async () => {
  const original = '{\n  "name": "my-app"\n}\n';
  const directory = app(original);
  mkdirSync(path.join(directory, 'schema'));
  writeFileSync(path.join(directory, 'schema', 'note.json'), '{}');
  writeFileSync(path.join(directory, 'schema', 'album.json'), '{}');
  assert.equal(await syncgen(directory, 'init'), {
    code: 1,
    out: [],
    err: [
      'syncgen init: wrote nothing, so as not to overwrite what is there:',
      '  schema/album.json: the schema directory already holds models',
      '  schema/note.json: already exists',
      'Pass --schema <dir> to write the example models into another directory.',
    ],
  });
  assert.equal([...readTree(path.join(directory, 'schema')).keys()], ['album.json', 'note.json']);
  assert.is(readFileSync(path.join(directory, 'schema', 'note.json'), 'utf8'), '{}');
  assert.is(packageJsonOf(directory), original);
});

test('init writes nothing when package.json has another "generate" script', async () => {
  const original = '{\n  "name": "my-app",\n  "scripts": {\n    "generate": "prisma generate"\n  }\n}\n';
  const directory = app(original);
  assert.equal(await syncgen(directory, 'init'), {
    code: 1,
    out: [],
    err: [
      'syncgen init: wrote nothing, so as not to overwrite what is there:',
      '  package.json: the "generate" script is already "prisma generate"',
      'Rename or remove the "generate" script in package.json, then run `syncgen init` again.',
    ],
  });
  assert.not.ok(existsSync(path.join(directory, 'schema')));
  assert.is(packageJsonOf(directory), original);
});

test('init names every conflict at once', async () => {
  const directory = app('{ "scripts": { "generate": "tsc -b" } }');
  mkdirSync(path.join(directory, 'schema'));
  writeFileSync(path.join(directory, 'schema', 'device.json'), '{}');
  const run = await syncgen(directory, 'init');
  assert.equal(run, {
    code: 1,
    out: [],
    err: [
      'syncgen init: wrote nothing, so as not to overwrite what is there:',
      '  schema/device.json: already exists',
      '  package.json: the "generate" script is already "tsc -b"',
      'Pass --schema <dir> to write the example models into another directory.',
      'Rename or remove the "generate" script in package.json, then run `syncgen init` again.',
    ],
  });
});

test('init without a package.json writes nothing and says how to make one', async () => {
  const directory = app(undefined);
  assert.equal(await syncgen(directory, 'init'), { code: 1, out: [], err: [`syncgen init: no package.json in ${directory}; run \`npm init -y\` first`] });
  assert.equal(readdirSync(directory), []);
});

test('init with a package.json that is not a JSON object, or whose "scripts" is not one, writes nothing', async () => {
  const broken = app('{ "name": "my-app", }');
  const run = await syncgen(broken, 'init');
  assert.is(run.code, 1);
  assert.match(run.err[0]!, /^syncgen init: package\.json is not valid: /);
  const oddScripts = app('{ "scripts": "none" }');
  assert.equal(await syncgen(oddScripts, 'init'), {
    code: 1,
    out: [],
    err: [
      'syncgen init: wrote nothing, so as not to overwrite what is there:',
      '  package.json: "scripts" is not an object',
      'Make "scripts" in package.json an object, then run `syncgen init` again.',
    ],
  });
  for (const directory of [broken, oddScripts]) assert.equal(readdirSync(directory), ['package.json']);
});

test('init rejects options it does not have, exit 2', async () => {
  const directory = app('{}');
  assert.equal(await syncgen(directory, 'init', '--shema', 'models'), {
    code: 2,
    out: [],
    err: ['syncgen init: unknown option "--shema". Did you mean "--schema"?', 'Run `syncgen init --help` for its options.'],
  });
  assert.equal(readdirSync(directory), ['package.json']);
});

test('init then generate: the example models generate and type-check', async () => {
  const directory = app('{\n  "name": "my-app",\n  "private": true\n}\n');
  assert.is((await syncgen(directory, 'init')).code, 0);
  assert.equal(await syncgen(directory, 'generate'), {
    code: 0,
    out: ['syncgen: wrote 12 files, removed 0 in generated/; new migration 0001_initial'],
    err: [],
  });
  assert.ok(existsSync(path.join(directory, 'generated', 'adapters', 'bookmark.ts')));
  assert.ok(existsSync(path.join(directory, 'schema', 'history', '0001_initial.json')));
  assert.equal(await syncgen(directory, 'generate', '--check'), { code: 0, out: ['syncgen: generated/ is up to date with schema/'], err: [] });
});

test.run();
