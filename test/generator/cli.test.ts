/**
 * The `syncgen` command line. `generate` on a real directory: writing, `--check` naming every
 * stale, edited, missing or extra file, orphans removed, foreign files protected, exit codes. The
 * shell around the commands: help, version, typos and wrong usage, each with its exact message and
 * exit code, and a start-up that does not load the generator. `init` is in init.test.ts.
 */
import { appendFileSync, cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FIXTURES_DIR, REPO_DIR, scratchDir } from '../support/fixtures.js';
import { syncgen } from './run-syncgen.js';

/** A project with the log-based fixture's schemas, generated once. */
async function project(): Promise<string> {
  const directory = scratchDir('cli');
  cpSync(path.join(FIXTURES_DIR, 'log-based-references', 'schema'), path.join(directory, 'schema'), { recursive: true });
  const first = await syncgen(directory, 'generate');
  assert.equal(first, { code: 0, out: ['syncgen: wrote 10 files, removed 0 in generated/; new migration 0001_initial'], err: [] });
  return directory;
}

const NOTE_WITH_PINNED = (text: string) => text.replace('"archivedAt":', '"pinned": { "type": "boolean", "default": false },\n    "archivedAt":');

test('generate writes the files and the first history file; a second run is a no-op; --check passes', async () => {
  const directory = await project();
  assert.ok(existsSync(path.join(directory, 'schema', 'history', '0001_initial.json')));
  assert.equal(await syncgen(directory, 'generate'), { code: 0, out: ['syncgen: up to date in generated/'], err: [] });
  assert.equal(await syncgen(directory, 'generate', '--check'), { code: 0, out: ['syncgen: generated/ is up to date with schema/'], err: [] });
});

test('--check names an edited, a deleted and an extra file, and the fix command; it writes nothing', async () => {
  const directory = await project();
  appendFileSync(path.join(directory, 'generated', 'adapters', 'note.ts'), '// a hand edit\n');
  rmSync(path.join(directory, 'generated', 'types', 'folder.ts'));
  writeFileSync(path.join(directory, 'generated', 'notes.txt'), 'scratch');
  const run = await syncgen(directory, 'generate', '--check');
  assert.equal(run, {
    code: 1,
    out: [],
    err: [
      'syncgen: generated/ is not what schema/ generates:',
      '  generated/adapters/note.ts: edited by hand: generated files are rewritten on every run',
      '  generated/notes.txt: not generated from any schema',
      '  generated/types/folder.ts: missing',
      'Run `npx syncgen generate` to fix.',
    ],
  });
  assert.ok(!existsSync(path.join(directory, 'generated', 'types', 'folder.ts')), '--check wrote nothing');
});

test('--check names the files a schema change makes stale, and the migration that is due', async () => {
  const directory = await project();
  const notePath = path.join(directory, 'schema', 'note.json');
  writeFileSync(notePath, NOTE_WITH_PINNED(readFileSync(notePath, 'utf8')));
  const run = await syncgen(directory, 'generate', '--check');
  assert.equal(run.code, 1);
  assert.equal(run.err, [
    'syncgen: generated/ is not what schema/ generates:',
    '  generated/adapters/note.ts: out of date: the schemas now generate something else',
    '  generated/database.ts: out of date: the schemas now generate something else',
    '  generated/migrations/0002_add_note_pinned.ts: missing',
    '  generated/migrations/index.ts: out of date: the schemas now generate something else',
    '  generated/registry.ts: out of date: the schemas now generate something else',
    '  generated/types/note.ts: out of date: the schemas now generate something else',
    '  schema/history/0002_add_note_pinned.json: missing: the schemas changed since the last generate, so a new migration is due',
    'Run `npx syncgen generate` to fix.',
  ]);
  const regenerate = await syncgen(directory, 'generate');
  assert.equal(regenerate.out, ['syncgen: wrote 7 files, removed 0 in generated/; new migration 0002_add_note_pinned']);
  assert.is((await syncgen(directory, 'generate', '--check')).code, 0);
});

test('a deleted schema leaves no orphan (model removal needs --allow-breaking)', async () => {
  const directory = await project();
  const label = readFileSync(path.join(directory, 'schema', 'folder.json'), 'utf8')
    .replace('"Folder"', '"Label"')
    .replace('"id": 1', '"id": 3')
    .replace(/"parentId"[^\n]*\n/, '')
    .replace(/,\s*"pinnedNoteId"[^\n]*\n/, '\n');
  writeFileSync(path.join(directory, 'schema', 'label.json'), label);
  assert.is((await syncgen(directory, 'generate')).code, 0);
  assert.ok(existsSync(path.join(directory, 'generated', 'adapters', 'label.ts')));
  rmSync(path.join(directory, 'schema', 'label.json'));

  const refused = await syncgen(directory, 'generate');
  assert.is(refused.code, 1);
  assert.match(
    refused.err[0]!,
    /^syncgen: the schema change is breaking:\n {2}model-removed: the model Label was removed \(its tables and data would be dropped\)\n/,
  );
  const allowed = await syncgen(directory, 'generate', '--allow-breaking');
  assert.equal(allowed.out, ['syncgen: wrote 6 files, removed 2 in generated/; new migration 0003_drop_label']);
  assert.ok(!existsSync(path.join(directory, 'generated', 'adapters', 'label.ts')));
  assert.ok(!existsSync(path.join(directory, 'generated', 'types', 'label.ts')));
});

test('generate refuses to empty an output directory holding files it did not write', async () => {
  const directory = await project();
  writeFileSync(path.join(directory, 'generated', 'handwritten.ts'), 'export const mine = 1;\n');
  const run = await syncgen(directory, 'generate');
  assert.is(run.code, 1);
  assert.is(
    run.err[0],
    'syncgen: the output directory holds files that syncgen did not generate:\n  generated/handwritten.ts\nIt is emptied on every run; move them elsewhere, or pass another --out.',
  );
  assert.is(readFileSync(path.join(directory, 'generated', 'handwritten.ts'), 'utf8'), 'export const mine = 1;\n');
});

test('schema errors exit 1 with file, pointer, problem and fix', async () => {
  const directory = await project();
  const notePath = path.join(directory, 'schema', 'note.json');
  writeFileSync(notePath, readFileSync(notePath, 'utf8').replace('"strategy"', '"strategi"'));
  const run = await syncgen(directory, 'generate', '--check');
  assert.equal(run.code, 1);
  assert.is(
    run.err[0],
    'syncgen: 2 schema problems:\n' +
      '  schema/note.json#/x-sync/strategi: unknown sync keyword "strategi". Did you mean "strategy"?\n' +
      '  schema/note.json#/x-sync/strategy: the model has no strategy. Add "strategy": "stateBased" (one device owns each record), "logBased" (shared) or "hybrid"',
  );
});

const GENERAL_HELP = `syncgen: typed, convergent sync of local-first SQLite data, generated from JSON Schema models

Usage: syncgen <command> [options]

Commands:
  generate    write the types, adapters, registry and migrations that the models describe
  init        start an app: example models, one per sync strategy, and the "generate" script
  inspect     show what a library file holds: tables, sync log, peers, parked changes, members
  help        show the help of a command

Options:
  -h, --help       show this help
  -v, --version    print the version of syncgen

Examples:
  syncgen init                   start an app: example models in schema/ and the "generate" script
  syncgen generate               write generated/ from the models in schema/
  syncgen generate --check       in CI: exit 1 when generated/ is not what schema/ generates
  syncgen inspect data/laptop    show what a device's library holds (read-only, safe while the app runs)

Run \`syncgen help <command>\` for the options of a command.`;

const GENERATE_HELP = `Usage: syncgen generate [options]

Reads the models (one JSON Schema file per model), type-checks what they generate, and rewrites
the output directory. When the storage changed since the last run, it appends the next layout to
the schema history, with its migration. Hand-written migration steps (data changes, such as
splitting a field) go in the migrations folder as NNNN_<slug>.ts exporting up(db), and run after
generated migration NNNN; the generator imports them into the migration index, never writes them.

Options:
  --schema <dir>        model schemas, one JSON Schema file per model (default: schema)
  --out <dir>           generated code, owned by the generator (it removes stale files, refuses foreign ones) (default: generated)
  --history <dir>       schema history (the storage layout after each migration), checked in (default: <schema>/history)
  --migrations <dir>    hand-written migration steps (NNNN_<slug>.ts), read, never written (default: <schema>/migrations)
  --check               write nothing; exit 1 naming every file that is not what the schemas generate
  --allow-breaking      accept breaking schema changes and generate migrations that rebuild tables
  -h, --help            show this help

Exit codes: 0 done or up to date, 1 schema problem, breaking change or stale output, 2 wrong usage.`;

const COMMANDS_HINT = 'Run `syncgen --help` for the commands.';
const GENERATE_HINT = 'Run `syncgen generate --help` for its options.';

test('--help, -h and help print the commands to stdout, exit 0; no arguments prints them to stderr, exit 2', async () => {
  const directory = scratchDir('cli-help');
  for (const args of [['--help'], ['-h'], ['help']]) {
    assert.equal(await syncgen(directory, ...args), { code: 0, out: [GENERAL_HELP], err: [] }, args.join(' '));
  }
  assert.equal(await syncgen(directory), { code: 2, out: [], err: [GENERAL_HELP] });
});

test('help generate, generate --help, generate -h and --help generate print the command help, exit 0', async () => {
  const directory = scratchDir('cli-help');
  for (const args of [
    ['help', 'generate'],
    ['generate', '--help'],
    ['generate', '-h'],
    ['--help', 'generate'],
    ['generate', '--chekc', '--help'],
  ]) {
    assert.equal(await syncgen(directory, ...args), { code: 0, out: [GENERATE_HELP], err: [] }, args.join(' '));
  }
  const initHelp = await syncgen(directory, 'help', 'init');
  assert.is(initHelp.code, 0);
  assert.equal(initHelp.out, (await syncgen(directory, 'init', '--help')).out);
  assert.ok(initHelp.out[0]!.startsWith('Usage: syncgen init [options]\n'));
  assert.match(initHelp.out[0]!, /\n {2}--schema <dir> {4}where to write the example models \(default: schema\)\n/);
});

test('--version and -v print the version of @syncgen/cli', async () => {
  const directory = scratchDir('cli-version');
  const manifestFile = path.join(REPO_DIR, 'generator', 'package.json');
  const version = await syncgen(directory, '--version');
  if (existsSync(manifestFile)) {
    const expected = (JSON.parse(readFileSync(manifestFile, 'utf8')) as { version: string }).version;
    assert.equal(version, { code: 0, out: [expected], err: [] });
  } else {
    assert.is(version.code, 0);
    assert.match(version.out[0]!, /^\d+\.\d+\.\d+/);
  }
  assert.equal(await syncgen(directory, '-v'), version);
});

test('a mistyped command is named with the closest command, exit 2; a far one gets no guess', async () => {
  const directory = scratchDir('cli-usage');
  assert.equal(await syncgen(directory, 'genrate'), { code: 2, out: [], err: ['syncgen: unknown command "genrate". Did you mean "generate"?', COMMANDS_HINT] });
  assert.equal(await syncgen(directory, 'nosuch'), { code: 2, out: [], err: ['syncgen: unknown command "nosuch"', COMMANDS_HINT] });
  assert.equal(await syncgen(directory, 'help', 'nosuch'), { code: 2, out: [], err: ['syncgen: unknown command "nosuch"', COMMANDS_HINT] });
  assert.equal(await syncgen(directory, 'help', 'inti'), { code: 2, out: [], err: ['syncgen: unknown command "inti". Did you mean "init"?', COMMANDS_HINT] });
});

test('a mistyped option is named with the closest option of its command, exit 2', async () => {
  const directory = scratchDir('cli-usage');
  assert.equal(await syncgen(directory, 'generate', '--chekc'), {
    code: 2,
    out: [],
    err: ['syncgen generate: unknown option "--chekc". Did you mean "--check"?', GENERATE_HINT],
  });
  assert.equal(await syncgen(directory, 'generate', '--schem', 'models'), {
    code: 2,
    out: [],
    err: ['syncgen generate: unknown option "--schem". Did you mean "--schema"?', GENERATE_HINT],
  });
  assert.equal(await syncgen(directory, 'generate', '--verbose'), { code: 2, out: [], err: ['syncgen generate: unknown option "--verbose"', GENERATE_HINT] });
  assert.equal(await syncgen(directory, 'generate', '-x'), { code: 2, out: [], err: ['syncgen generate: unknown option "-x"', GENERATE_HINT] });
  assert.equal(await syncgen(directory, '--verison'), {
    code: 2,
    out: [],
    err: ['syncgen: unknown option "--verison". Did you mean "--version"?', COMMANDS_HINT],
  });
  assert.equal(await syncgen(directory, '--check', 'generate'), {
    code: 2,
    out: [],
    err: ['syncgen: "--check" is an option of a command; write it after the command, e.g. `syncgen generate --check`', GENERATE_HINT],
  });
});

test('an option without its value, a flag with one, a repeated option and a stray argument exit 2, named', async () => {
  const directory = scratchDir('cli-usage');
  const needsValue = { code: 2, out: [], err: ['syncgen generate: option "--out" needs a value (e.g. --out generated)', GENERATE_HINT] };
  assert.equal(await syncgen(directory, 'generate', '--out'), needsValue);
  assert.equal(await syncgen(directory, 'generate', '--out', '--check'), needsValue);
  assert.equal(await syncgen(directory, 'generate', '--out='), needsValue);
  assert.equal(await syncgen(directory, 'generate', '--history'), {
    code: 2,
    out: [],
    err: ['syncgen generate: option "--history" needs a value (e.g. --history schema/history)', GENERATE_HINT],
  });
  assert.equal(await syncgen(directory, 'generate', '--check=yes'), {
    code: 2,
    out: [],
    err: ['syncgen generate: option "--check" takes no value', GENERATE_HINT],
  });
  assert.equal(await syncgen(directory, 'generate', '--out', 'a', '--out', 'b'), {
    code: 2,
    out: [],
    err: ['syncgen generate: option "--out" is given twice', GENERATE_HINT],
  });
  assert.equal(await syncgen(directory, 'generate', 'models'), { code: 2, out: [], err: ['syncgen generate: unexpected argument "models"', GENERATE_HINT] });
  assert.equal(await syncgen(directory, 'generate', 'check'), {
    code: 2,
    out: [],
    err: ['syncgen generate: unexpected argument "check". Did you mean "--check"?', GENERATE_HINT],
  });
  assert.equal(await syncgen(directory, 'help', 'generate', 'init'), {
    code: 2,
    out: [],
    err: ['syncgen help: unexpected argument "init"', 'Run `syncgen help --help` for its options.'],
  });
});

test('generate with correct usage but no schema directory exits 1', async () => {
  const directory = scratchDir('cli-usage');
  assert.equal(await syncgen(directory, 'generate'), { code: 1, out: [], err: ['syncgen: the schema directory schema does not exist (pass --schema <dir>)'] });
  assert.equal(await syncgen(directory, 'generate', '--schema=models', '--out', 'src/generated'), {
    code: 1,
    out: [],
    err: ['syncgen: the schema directory models does not exist (pass --schema <dir>)'],
  });
});

/**
 * Start-up: everything `main` loads before a command runs, i.e. its static imports followed
 * transitively, must not reach the generator's heavy dependencies. `generate` loads them itself,
 * with `import()`, which this walk does not follow.
 */
const HEAVY_PACKAGES = ['ts-morph', 'typescript', 'handlebars', 'json-schema-to-typescript'];
const HEAVY_MODULES = ['generator/generate.ts', 'generator/typecheck.ts'];
// `import … from '…'` and `export … from '…'` at the start of a line; `import type` is erased, `import()` is lazy.
const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;

function staticImportGraph(entry: string): { modules: Set<string>; packages: Set<string> } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    const relative = path.relative(REPO_DIR, file).split(path.sep).join('/');
    if (modules.has(relative)) return;
    modules.add(relative);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      if (specifier!.startsWith('.')) visit(path.resolve(path.dirname(file), specifier!.replace(/\.js$/, '.ts')));
      else packages.add(specifier!);
    }
  };
  visit(entry);
  return { modules, packages };
}

test('main.ts loads neither the generator nor its heavy dependencies before a command asks for them', () => {
  const { modules, packages } = staticImportGraph(path.join(REPO_DIR, 'generator', 'cli', 'main.ts'));
  // The walk reaches every command's declaration, so it does look where the heavy imports would be.
  for (const reached of ['generator/cli/commands.ts', 'generator/cli/generate-command.ts', 'generator/cli/inspect-command.ts', 'generator/cli/init-app.ts'])
    assert.ok(modules.has(reached), reached);
  assert.not.ok(modules.has('generator/cli/run-generate.ts'), 'run-generate.ts is loaded lazily');
  // `inspect` loads the app's runtime (better-sqlite3 with it) only when it runs.
  assert.not.ok(modules.has('generator/cli/run-inspect.ts'), 'run-inspect.ts is loaded lazily');
  assert.equal(
    [...packages].filter((name) => name === 'better-sqlite3' || name.startsWith('syncgen/inspect')),
    [],
  );
  assert.equal(
    HEAVY_MODULES.filter((module) => modules.has(module)),
    [],
  );
  assert.equal(
    HEAVY_PACKAGES.filter((name) => packages.has(name)),
    [],
  );
});

test.run();
