/**
 * The repository's main job (`npm start`): the three-device example, run as it is (three OS processes, TCP on
 * loopback), must pass its convergence check, show the winner of the concurrent edit, the returning phone's
 * progress bar and each device's change feed, and end with `syncgen inspect` of the laptop.
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
  const converged = lines.find((line) => line.startsWith('✓ all three devices'));
  assert.match(
    converged ?? '',
    /^✓ all three devices hold identical data: digest [0-9a-f]{64}, version vector \{"0000000a-[^}]*:3030,"0000000b-[^}]*:27,"0000000c-[^}]*:26\}$/,
  );
  const devices = lines.filter((line) => /^ {2}(laptop|desktop|phone) +\d/.test(line));
  assert.is(devices.length, 3);
  assert.is(new Set(devices.map((line) => line.replace(/^ {2}\w+ +/, ''))).size, 1, 'the same row counts and digest on every device');
  // The winner of each field of the shared tag: one device's name and description, the laptop's color.
  const winner = lines.find((line) => line.startsWith('    name '))!.match(/the (\w+)'s edit/)![1];
  assert.match(lines.find((line) => line.startsWith('    description '))!, `the ${winner}'s edit`);
  assert.match(lines.find((line) => line.startsWith('    color '))!, '"#ff8800"');
  // The phone's catch-up of the laptop's 3,000 new files and the rest, drawn to its end.
  assert.ok(
    lines.some((line) => /^ {2}\[phone\] \[█{30}\] 100% {2}3,008 \/ 3,008 changes from 0000000[ab]… {2}done$/.test(line)),
    run.stdout,
  );
  // The change feeds: the phone, back, heard the entries it lacked (3,000 files at least).
  const phoneHeard = lines.find((line) => /^ {2}phone +entries \d+ \/ \d+/.test(line))!;
  assert.ok(Number(phoneHeard.match(/entries \d+ \/ (\d+)/)![1]) > 3000, phoneHeard);
  // syncgen inspect of the laptop, read while its app runs.
  for (const expected of [
    /^tables: 12 tables, 3055 rows$/,
    /^ {2}entry +Entry +stateBased +3025$/,
    /^parked changes: 0, waiting for 0 records$/,
    /^members: 3 active of 3$/,
  ]) {
    assert.ok(
      lines.some((line) => expected.test(line)),
      `inspect printed ${expected}`,
    );
  }
});

test.run();
