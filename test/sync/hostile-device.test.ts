/**
 * Whole devices with one hostile member, through random histories with faults (see
 * `test/harness/hostile-history.ts`): it sends entries in other devices' names, equivocates,
 * answers what nobody asked and forges snapshot pages, and the honest devices still converge
 * exactly as the reference model predicts, with every hostile act reported. FLEET_HOSTILE_RUNS sets
 * the runs; FLEET_HOSTILE_SEED and FLEET_HOSTILE_PATH replay a failure.
 */
import { test } from 'uvu';
import { checkHostileFleet, hostileHistory, runHostileHistory } from '../harness/hostile-history.js';
import { assertFleetProperty } from '../harness/property.js';

const RUNS = Number(process.env.FLEET_HOSTILE_RUNS ?? 12);

test(`property: with one hostile member, the honest devices converge and every hostile act is reported (${RUNS} runs)`, async () => {
  await assertFleetProperty({
    runs: RUNS,
    scenarios: hostileHistory,
    run: runHostileHistory,
    check: checkHostileFleet,
    seedVariable: 'FLEET_HOSTILE_SEED',
    pathVariable: 'FLEET_HOSTILE_PATH',
    defaultSeed: 20261125,
    failAfterSeconds: 600,
  });
});

test.run();
