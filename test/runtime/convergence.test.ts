/**
 * Convergence in process (fast-check): 2 to 4 libraries on real SQLite files make random writes
 * across every example model (creates, updates of random fields, deletes, children of records
 * received from others), with partial deliveries between them along the way. Then every library
 * receives what it lacks from every other, shuffled, with duplicates and random batch boundaries
 * (so children often arrive before their parents). Afterwards every library's synced tables are
 * identical, row by row and field by field (clocks and tombstones included), nothing is parked and
 * every version vector is the same.
 *
 * A failure prints fast-check's seed and shrunk history; re-run it with CONVERGENCE_SEED=<seed>
 * (and CONVERGENCE_PATH=<path>). CONVERGENCE_RUNS sets the number of runs.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChangeEntry } from '../../runtime/core/change-entry.js';
import { registry } from '../../generated/index.js';
import { predictState } from '../harness/reference-model.js';
import { closeReaders, DEVICES, openDevice, syncedState, type ExampleLibrary } from '../support/libraries.js';
import { applyRandomWrite, prng, randomWrite } from '../support/random-writes.js';

const RUNS = Number(process.env.CONVERGENCE_RUNS ?? 30);
const SEED = process.env.CONVERGENCE_SEED === undefined ? undefined : Number(process.env.CONVERGENCE_SEED);
const PATH = process.env.CONVERGENCE_PATH;

const step = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('write' as const), device: fc.nat(), write: randomWrite }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('deliver' as const), from: fc.nat(), to: fc.nat(), share: fc.integer({ min: 0, max: 100 }), seed: fc.nat() }),
  },
);

const scenario = fc.record({
  devices: fc.integer({ min: 2, max: 4 }),
  steps: fc.array(step, { minLength: 1, maxLength: 80, size: 'large' }),
  seed: fc.nat(),
  duplicates: fc.integer({ min: 0, max: 50 }),
  batch: fc.integer({ min: 1, max: 25 }),
});

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other]!, items[index]!];
  }
  return items;
}

/** Applies entries in random batches; every entry must be taken (held, parked or duplicate), none refused. */
function applyInBatches(library: ExampleLibrary, entries: ChangeEntry[], batch: number, random: () => number): void {
  for (let start = 0; start < entries.length; ) {
    const size = 1 + Math.floor(random() * batch);
    const outcome = library.applyChanges(entries.slice(start, start + size));
    if (outcome.refused.length > 0) throw new Error(`refused: ${outcome.refused.map((item) => item.error.message).join('; ')}`);
    start += size;
  }
}

test(`property: libraries that received the same changes hold identical data (${RUNS} runs)`, async () => {
  await fc
    .assert(
      fc.asyncProperty(scenario, async ({ devices, steps, seed, duplicates, batch }) => {
        const random = prng(seed);
        const libraries = await Promise.all(DEVICES.slice(0, devices).map((device) => openDevice(device)));
        const committed: ChangeEntry[] = [];
        for (const library of libraries) library.outbox.subscribe((entries) => committed.push(...entries.filter((entry) => entry.origin === library.deviceId)));
        try {
          for (const item of steps) {
            if (item.kind === 'write') {
              applyRandomWrite(libraries[item.device % devices]!, item.write);
              continue;
            }
            const from = libraries[item.from % devices]!;
            const to = libraries[item.to % devices]!;
            if (from === to) continue;
            const lacking = shuffle(from.outbox.missingFrom(to.outbox.cursors(), Number.MAX_SAFE_INTEGER), prng(item.seed));
            applyInBatches(to, lacking.slice(0, Math.ceil((lacking.length * item.share) / 100)), batch, random);
          }
          for (const to of libraries) {
            const lacking = libraries.filter((from) => from !== to).flatMap((from) => from.outbox.missingFrom(to.outbox.cursors(), Number.MAX_SAFE_INTEGER));
            const repeated = lacking.filter(() => random() * 100 < duplicates);
            applyInBatches(to, shuffle([...lacking, ...repeated], random), batch, random);
          }
          const expected = syncedState(libraries[0]!);
          assert.equal(expected, predictState(registry, committed), 'the reference model predicts the same state');
          for (const library of libraries) {
            assert.equal(syncedState(library), expected, `device ${library.deviceId} differs from device ${libraries[0]!.deviceId}`);
            assert.is(library.parkedCount, 0, `device ${library.deviceId} has parked changes`);
            assert.equal(library.outbox.cursors(), libraries[0]!.outbox.cursors());
          }
        } finally {
          for (const library of libraries) {
            closeReaders(library);
            library.close();
          }
        }
      }),
      {
        numRuns: RUNS,
        ...(SEED === undefined ? {} : { seed: SEED }),
        ...(PATH === undefined ? {} : { path: PATH }),
        // Shrinking a long history is slow: past this time the best counterexample so far is reported.
        interruptAfterTimeLimit: Number(process.env.CONVERGENCE_TIME_LIMIT_MS ?? 120_000),
        markInterruptAsFailure: true,
      },
    )
    .catch((error: Error) => {
      // fast-check's report (seed, path, shrunk counterexample) plus the failure inside the property.
      throw new Error(`${error.message}\n\nCaused by: ${(error.cause as Error | undefined)?.stack ?? 'unknown'}`);
    });
});

test.run();
