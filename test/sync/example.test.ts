/**
 * The repository's main job (`npm start`): the three-device example, run as it is (three OS processes, TCP on
 * loopback), must end with its convergence check passed.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_DIR } from '../support/fixtures.js';
import { temporaryDirectory } from '../support/libraries.js';

test('three devices in three processes converge, one of them after going offline and restarting', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_DIR, 'examples', 'three-devices.ts'), temporaryDirectory('example')], {
    cwd: REPO_DIR,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.is(run.status, 0, `${run.stdout}\n${run.stderr}`);
  const lines = run.stdout.trim().split('\n');
  for (const step of ['step 1', 'step 2', 'step 3', 'step 4'])
    assert.ok(
      lines.some((line) => line.startsWith(`  ✓ ${step}:`)),
      `${step} converged`,
    );
  assert.match(
    lines.at(-1)!,
    /^✓ all three devices hold identical data: digest [0-9a-f]{64}, version vector \{"0000000a-[^}]*:29,"0000000b-[^}]*:27,"0000000c-[^}]*:26\}$/,
  );
  const devices = lines.filter((line) => /^ {2}(laptop|desktop|phone) +\d/.test(line));
  assert.is(devices.length, 3);
  assert.is(new Set(devices.map((line) => line.replace(/^ {2}\w+ +/, ''))).size, 1, 'the same row counts and digest on every device');
});

test.run();
