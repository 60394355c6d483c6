/**
 * The benchmarks are not part of `npm test`, but their code is: `npm run bench -- --smoke` runs
 * every figure with tiny sizes, so a change that breaks a figure fails here.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_DIR } from '../support/fixtures.js';
import { temporaryDirectory } from '../support/libraries.js';

test('every figure runs with tiny sizes and writes its results', () => {
  const out = path.join(temporaryDirectory('bench'), 'smoke.json');
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_DIR, 'bench', 'run.ts'), '--smoke', '--out', out], {
    cwd: REPO_DIR,
    encoding: 'utf8',
    timeout: 180_000,
  });
  assert.is(run.status, 0, `${run.stdout}\n${run.stderr}`);
  const results = JSON.parse(readFileSync(out, 'utf8')) as {
    figures: { id: number; rows: { sample: { median: number } }[] }[];
    versions: Record<string, string>;
  };
  assert.equal([...new Set(results.figures.map((figure) => figure.id))].sort(), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.ok(results.figures.every((figure) => figure.rows.length > 0 && figure.rows.every((row) => Number.isFinite(row.sample.median))));
  assert.ok(results.versions.sqlite && results.versions['better-sqlite3']);
  // Figure 7's correctness part holds at any size.
  const loss = results.figures.find((figure) => figure.id === 7)!;
  assert.is(loss.rows[0]!.sample.median, 0, 'no change missing after the heal');
});

test.run();
