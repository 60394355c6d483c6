/**
 * `syncgen inspect`: the text report of a small library (the lines it must hold), `--json` (the
 * report itself, exactly), every path that is not a library (exit 1, one line, no stack), wrong
 * usage (exit 2), and the message when the app has no `syncgen` runtime to read with.
 */
import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadAppRuntime } from '../../generator/cli/app-runtime.js';
import { inspectLibrary } from '../../runtime/library/inspect-library.js';
import { syncMigrations } from '../../runtime/store/sync-tables.js';
import { DEVICE_A, DEVICE_B, DEVICE_C, deliver, heldEntries, LIBRARY_ID, NOW, openDevice } from '../support/libraries.js';
import { scratchDir } from '../support/fixtures.js';
import { introduce } from '../support/sync-harness.js';
import { syncgen } from './run-syncgen.js';

const INSPECT_HINT = 'Run `syncgen inspect --help` for its options.';

/** An app directory with a library in data/laptop: device A, which holds B's changes, deleted a tag, and parks a change from C. */
async function appWithLibrary(): Promise<{ app: string; dir: string; awaited: string }> {
  const app = scratchDir('cli-inspect');
  const dir = path.join(app, 'data', 'laptop');
  const a = await openDevice(DEVICE_A, { dir });
  const b = await openDevice(DEVICE_B);
  introduce(a, b);
  const tag = a.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));
  a.transact((tx) => tx.tag.create({ name: 'Work', createdAt: NOW }));
  a.transact((tx) => tx.tag.delete(tag.id));
  b.transact((tx) => tx.collection.create({ name: 'Trips', createdAt: NOW }));
  deliver(b, a);
  const c = await openDevice(DEVICE_C);
  const pending = c.transact((tx) => tx.tag.create({ name: 'Pending', createdAt: NOW }));
  c.transact((tx) => tx.tag.update(pending.id, { color: '#00aa00' }));
  assert.is(a.applyChanges([heldEntries(c)[1]!]).parked, 1);
  for (const library of [a, b, c]) library.close();
  return { app, dir, awaited: pending.id };
}

test('the text report holds the ids, schema, tables, log, vector, parked changes, tombstones and members', async () => {
  const { app, awaited } = await appWithLibrary();
  const run = await syncgen(app, 'inspect', 'data/laptop');
  assert.equal([run.code, run.err, run.out.length], [0, [], 1]);
  const lines = run.out[0]!.split('\n');
  const runtime = Object.keys(await syncMigrations.getMigrations())
    .sort()
    .at(-1);
  for (const line of [
    `library   ${LIBRARY_ID}`,
    `device    ${DEVICE_A}`,
    `schema    version 1 (migrations: models 0001_initial, runtime ${runtime})`,
    `file      ${path.join(app, 'data', 'laptop', 'library.db')}`,
    'tables: 12 tables, 2 rows',
    '  collection              Collection          logBased     1',
    '  tag                     Tag                 logBased     1',
    '  user_metadata           UserMetadata        hybrid       0',
    '  user_metadata__device   UserMetadata        per device   0',
    'sync log: 5 entries of 3 origins',
    '  origin                                 entries   seqs   pruned up to',
    `  ${DEVICE_A}   3         1..3   0`,
    `  ${DEVICE_B}   1         1..1   0`,
    `  ${DEVICE_C}   1         2..2   0`,
    'version vector (per origin, every change up to this seq is held)',
    `  ${DEVICE_A}   3`,
    `  ${DEVICE_B}   1`,
    `  ${DEVICE_C}   0`,
    'peers: 0',
    'parked changes: 1, waiting for 1 record',
    `  Tag   ${awaited}   1 change`,
    'tombstones: 1',
    '  Tag   1',
    'held for newer schemas: 0 entries, 0 records',
    'members: 2 active of 2',
  ]) {
    assert.ok(lines.includes(line), `a line "${line}" in:\n${run.out[0]}`);
  }
  assert.match(run.out[0]!, /\n {2}0000000b-0000-4000-8000-00000000000b {3}added by 0000000a-0000-4000-8000-00000000000a at \d{4}-\d\d-\d\dT[\d:.]+Z$/);
  assert.match(run.out[0]!, /\nsize {6}[\d.]+ KiB \(database [\d.]+ KiB, WAL 0 B\)\n/);
});

test('--json prints the report itself: every value, for scripts', async () => {
  const { app, dir, awaited } = await appWithLibrary();
  const run = await syncgen(app, 'inspect', dir, '--json');
  assert.equal([run.code, run.err], [0, []]);
  const report = JSON.parse(run.out[0]!);
  assert.equal(report, JSON.parse(JSON.stringify(inspectLibrary(dir))));
  assert.equal(
    [report.reportVersion, report.libraryId, report.deviceId, report.schemaVersion, report.vector],
    [1, LIBRARY_ID, DEVICE_A, 1, { [DEVICE_A]: 3, [DEVICE_B]: 1, [DEVICE_C]: 0 }],
  );
  assert.equal(report.parked, { changes: 1, records: [{ modelId: 5, model: 'Tag', record: awaited, changes: 1 }] });
  assert.equal(report.tombstones, [{ modelId: 5, model: 'Tag', count: 1 }]);
  assert.equal(
    report.tables.find((table: { table: string }) => table.table === 'tag'),
    {
      table: 'tag',
      model: 'Tag',
      modelId: 5,
      kind: 'model',
      strategy: 'logBased',
      rows: 1,
    },
  );
  assert.equal(report.log[0], { origin: DEVICE_A, entries: 3, lowestSeq: 1, highestSeq: 3, pruneFloor: 0 });
});

test('a path that is not a library: one line naming it and why, exit 1', async () => {
  const app = scratchDir('cli-inspect-errors');
  const fail = (message: string) => ({ code: 1, out: [], err: [`syncgen inspect: ${message}`] });
  assert.equal(await syncgen(app, 'inspect', 'data/laptop'), fail(`no library at ${path.join(app, 'data', 'laptop')}: no such file or directory`));
  mkdirSync(path.join(app, 'data'));
  assert.equal(
    await syncgen(app, 'inspect', 'data'),
    fail(`no library at ${path.join(app, 'data')}: the directory has no library.db (give the directory that the app opened the library in)`),
  );
  writeFileSync(path.join(app, 'data', 'library.db'), 'a text file, not a database: '.repeat(10));
  assert.equal(await syncgen(app, 'inspect', 'data'), fail(`${path.join(app, 'data', 'library.db')} is not a SQLite database (nor a syncgen library)`));
  const other = path.join(app, 'other.db');
  new Database(other).exec('CREATE TABLE note (id TEXT PRIMARY KEY)').close();
  assert.equal(
    await syncgen(app, 'inspect', 'other.db', '--json'),
    fail(`${other} is a SQLite database, but not a syncgen library: it has no library and device ids (_sync_state)`),
  );
});

test('wrong usage exits 2: no library given, two given, a mistyped option', async () => {
  const app = scratchDir('cli-inspect-usage');
  assert.equal(await syncgen(app, 'inspect'), {
    code: 2,
    out: [],
    err: ['syncgen inspect: missing the argument <library-dir> (e.g. `syncgen inspect data/laptop`)', INSPECT_HINT],
  });
  assert.equal(await syncgen(app, 'inspect', 'a', 'b'), { code: 2, out: [], err: ['syncgen inspect: unexpected argument "b"', INSPECT_HINT] });
  assert.equal(await syncgen(app, 'inspect', 'a', '--jsno'), {
    code: 2,
    out: [],
    err: ['syncgen inspect: unknown option "--jsno". Did you mean "--json"?', INSPECT_HINT],
  });
  const help = await syncgen(app, 'inspect', '--help');
  assert.is(help.code, 0);
  assert.ok(help.out[0]!.startsWith('Usage: syncgen inspect <library-dir> [options]\n'));
});

test('without the syncgen runtime, or with one that has no inspect entry, the command says so', async () => {
  assert.equal(await loadAppRuntime('inspect', [tmpdir()]), {
    problem: 'the syncgen package is not installed here: run it in the app, or `npm install syncgen` (the command reads the library with it)',
  });
  assert.equal(await loadAppRuntime('no-such-entry', [tmpdir(), scratchDir('cli-inspect-runtime')]), {
    problem: 'the installed syncgen package has no syncgen/no-such-entry: update it (npm install syncgen@latest)',
  });
});

test.run();
