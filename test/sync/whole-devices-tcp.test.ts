/**
 * The whole-device property over real TCP on loopback (fewer runs than on the simulated network,
 * in real time): the same commands and the same six checks. FLEET_TCP_RUNS sets the runs.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import { checkFleet, command } from '../harness/fleet-history.js';
import { runTcpHistory } from '../harness/tcp-history.js';

const RUNS = Number(process.env.FLEET_TCP_RUNS ?? 3);
/** Few runs, so each is a full-size history (fast-check would start with tiny ones). */
const history = fc.record({ seed: fc.nat(), devices: fc.integer({ min: 2, max: 3 }), commands: fc.array(command, { minLength: 30, maxLength: 60 }) });

test(`property over TCP: whole devices under faults converge with no lost writes (${RUNS} runs)`, async () => {
  const details = await fc.check(
    fc.asyncProperty(history, async (scenario) => {
      const result = await runTcpHistory(scenario);
      try {
        checkFleet(result);
      } finally {
        await result.close();
      }
    }),
    { numRuns: RUNS, seed: Number(process.env.FLEET_TCP_SEED ?? 20261124), endOnFailure: true },
  );
  if (details.failed) throw new Error(`${fc.defaultReportMessage(details)}\n\nCaused by: ${(details.errorInstance as Error)?.stack}`);
});

test.run();
