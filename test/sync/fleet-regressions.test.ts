/**
 * Histories the whole-device property found failing, shrunk, kept as named regressions. Each runs
 * through the same harness and the same six checks.
 */
import { test } from 'uvu';
import { checkFleet, runHistory, type Command } from '../harness/fleet-history.js';

async function replay(devices: number, seed: number, commands: Command[]): Promise<void> {
  const result = await runHistory({ seed, devices, commands });
  try {
    checkFleet(result);
  } finally {
    await result.close();
  }
}

test('lost snapshot page: a device behind a prune floor asks again for a StateResponse that was dropped', async () => {
  // B crashes before A ever hears of it; A writes and, with C's ack, prunes; B comes back behind the
  // floor over a lossy link. The snapshot pull used to wait forever for a dropped page.
  await replay(2, 0, [
    { kind: 'join' },
    { kind: 'crash', device: 1 },
    { kind: 'write', device: 0, writes: [{ action: 'create', model: 0, pick: 0, seed: 0 }] },
    { kind: 'advance', ms: 4903 },
    { kind: 'faults', drop: 0.07, duplicate: 0, maxDelayMs: 196 },
    { kind: 'restart', device: 1 },
    { kind: 'advance', ms: 180 },
  ]);
});

test.run();
