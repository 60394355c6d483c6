/**
 * The whole-device property over real TCP on loopback (fewer runs than on the simulated network,
 * in real time): the same commands and the same six checks. FLEET_TCP_RUNS sets the runs;
 * FLEET_TCP_SEED and FLEET_TCP_PATH replay a failure.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import { command } from '../harness/fleet-history.js';
import { assertFleetProperty } from '../harness/property.js';
import { runTcpHistory } from '../harness/tcp-history.js';

const RUNS = Number(process.env.FLEET_TCP_RUNS ?? 3);
/** Few runs, so each is a full-size history (fast-check would start with tiny ones). */
const scenarios = fc.record({ seed: fc.nat(), devices: fc.integer({ min: 2, max: 3 }), commands: fc.array(command, { minLength: 30, maxLength: 60 }) });

test(`property over TCP: whole devices under faults converge with no lost writes (${RUNS} runs)`, async () => {
  // A fixed seed keeps CI reproducible; real time makes shrinking too slow, so the first failure is reported as is.
  await assertFleetProperty({
    runs: RUNS,
    scenarios,
    run: runTcpHistory,
    seedVariable: 'FLEET_TCP_SEED',
    pathVariable: 'FLEET_TCP_PATH',
    defaultSeed: 20261124,
    endOnFailure: true,
    failAfterSeconds: 240,
  });
});

test.run();
