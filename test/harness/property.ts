/**
 * Runs the whole-device property with fast-check: from `npm test` (few runs) and from the soak
 * (`npm run test:soak -- --runs 2000`, or `--seconds 600`). A failure reports fast-check's seed,
 * path and shrunk command list, and the check that failed; FLEET_SEED (with FLEET_PATH) replays it.
 */
import fc from 'fast-check';
import { checkFleet, history, runHistory } from './fleet-history.js';

export interface PropertyOptions {
  readonly runs: number;
  /** Stop starting new runs after this long (the soak's `--seconds`). */
  readonly seconds?: number;
}

/** Runs the property; returns how many histories ran, throws with fast-check's report on a failure. */
export async function assertFleetProperty(options: PropertyOptions): Promise<number> {
  const seed = process.env.FLEET_SEED === undefined ? undefined : Number(process.env.FLEET_SEED);
  const path = process.env.FLEET_PATH;
  const details = await fc.check(
    fc.asyncProperty(history, async (scenario) => {
      const result = await runHistory(scenario);
      try {
        checkFleet(result);
      } finally {
        await result.close();
      }
    }),
    {
      numRuns: options.runs,
      ...(seed === undefined ? {} : { seed }),
      ...(path === undefined ? {} : { path }),
      ...(options.seconds === undefined ? {} : { interruptAfterTimeLimit: options.seconds * 1000 }),
    },
  );
  if (details.failed) {
    const cause = details.errorInstance instanceof Error ? (details.errorInstance.stack ?? details.errorInstance.message) : String(details.errorInstance);
    throw new Error(`${fc.defaultReportMessage(details) ?? 'property failed'}\n\nCaused by: ${cause}\n\nReplay with FLEET_SEED=${details.seed} FLEET_PATH=${details.counterexamplePath}.`);
  }
  return details.numRuns;
}
