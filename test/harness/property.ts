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

export async function assertFleetProperty(options: PropertyOptions): Promise<void> {
  const seed = process.env.FLEET_SEED === undefined ? undefined : Number(process.env.FLEET_SEED);
  const path = process.env.FLEET_PATH;
  await fc
    .assert(
      fc.asyncProperty(history, async (scenario) => {
        const result = await runHistory(scenario);
        try {
          checkFleet(result);
        } finally {
          await result.fleet.close();
        }
      }),
      {
        numRuns: options.runs,
        ...(seed === undefined ? {} : { seed }),
        ...(path === undefined ? {} : { path }),
        ...(options.seconds === undefined ? {} : { interruptAfterTimeLimit: options.seconds * 1000 }),
      },
    )
    .catch((error: Error) => {
      throw new Error(`${error.message}\n\nCaused by: ${(error.cause as Error | undefined)?.stack ?? 'unknown'}\n\nReplay with FLEET_SEED=<seed> FLEET_PATH=<path>.`);
    });
}
