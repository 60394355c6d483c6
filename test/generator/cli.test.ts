/**
 * The `syncgen generate` command on a real directory: writing, `--check` naming every stale,
 * edited, missing or extra file, orphans removed, foreign files protected, exit codes.
 */
import { appendFileSync, cpSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../../generator/cli.js';
import { FIXTURES_DIR, scratchDir } from '../support/fixtures.js';

interface Run {
  code: number;
  out: string[];
  err: string[];
}

async function syncgen(cwd: string, ...args: string[]): Promise<Run> {
  const run: Run = { code: 0, out: [], err: [] };
  run.code = await main(args, { cwd, out: (line) => run.out.push(line), err: (line) => run.err.push(line) });
  return run;
}

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

test('wrong usage exits 2 with the usage text; --help exits 0', async () => {
  const directory = scratchDir('cli-usage');
  const unknownFlag = await syncgen(directory, 'generate', '--chek');
  assert.is(unknownFlag.code, 2);
  assert.match(unknownFlag.err[0]!, /^syncgen: Unknown option '--chek'/);
  const noCommand = await syncgen(directory);
  assert.is(noCommand.code, 2);
  assert.match(noCommand.err[0]!, /^syncgen: expected the command "generate"\n\nUsage: syncgen generate \[options\]/);
  const help = await syncgen(directory, '--help');
  assert.is(help.code, 0);
  assert.match(help.out[0]!, /--allow-breaking/);
  const missing = await syncgen(directory, 'generate');
  assert.equal(missing, { code: 1, out: [], err: ['syncgen: the schema directory schema does not exist (pass --schema <dir>)'] });
});

test.run();
