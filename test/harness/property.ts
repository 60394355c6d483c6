/**
 * Runs the whole-device property with fast-check: from `npm test` (few runs) and from the soak
 * (`npm run test:soak -- --runs 2000`, or `--seconds 600`). A failure reports fast-check's seed,
 * path and shrunk command list, and the check that failed; FLEET_SEED (with FLEET_PATH) replays it.
 */
import fc from 'fast-check';
import { checkFleet, history, runHistory, type Command, type HistoryResult } from './fleet-history.js';

type Scenario = { seed: number; devices: number; commands: Command[] };

export interface PropertyOptions<R extends HistoryResult = HistoryResult> {
  readonly runs: number;
  /** Stop starting new runs after this long (the soak's `--seconds`). */
  readonly seconds?: number;
  /** The histories (default: `history`) and how to run one (default: on the simulated network). */
  readonly scenarios?: fc.Arbitrary<Scenario>;
  readonly run?: (scenario: Scenario) => Promise<R>;
  /** The checks of a finished history (default: `checkFleet`, the six checks). */
  readonly check?: (result: R) => void;
  /** Environment variables that replay a failure (default FLEET_SEED and FLEET_PATH). */
  readonly seedVariable?: string;
  readonly pathVariable?: string;
  /** The seed when the variable is not set (default: a random one, printed on failure). */
  readonly defaultSeed?: number;
  /** Report the first failure without shrinking (shrinking real-time histories takes too long). */
  readonly endOnFailure?: boolean;
  /** Fail, rather than pass with fewer runs, when the runs take longer than this. */
  readonly failAfterSeconds?: number;
}

/** Runs the property; returns how many histories ran, throws with fast-check's report on a failure. */
export async function assertFleetProperty<R extends HistoryResult = HistoryResult>(options: PropertyOptions<R>): Promise<number> {
  const seedVariable = options.seedVariable ?? 'FLEET_SEED';
  const pathVariable = options.pathVariable ?? 'FLEET_PATH';
  const seed = process.env[seedVariable] === undefined ? options.defaultSeed : Number(process.env[seedVariable]);
  const path = process.env[pathVariable];
  const run = options.run ?? (runHistory as unknown as (scenario: Scenario) => Promise<R>);
  const check = options.check ?? checkFleet;
  const details = await fc.check(
    fc.asyncProperty(options.scenarios ?? history, async (scenario) => {
      const result = await run(scenario);
      try {
        check(result);
      } finally {
        await result.close();
      }
    }),
    {
      numRuns: options.runs,
      ...(seed === undefined ? {} : { seed }),
      ...(path === undefined ? {} : { path }),
      ...(options.seconds === undefined ? {} : { interruptAfterTimeLimit: options.seconds * 1000 }),
      ...(options.failAfterSeconds === undefined ? {} : { interruptAfterTimeLimit: options.failAfterSeconds * 1000, markInterruptAsFailure: true }),
      ...(options.endOnFailure ? { endOnFailure: true } : {}),
    },
  );
  if (details.failed) {
    const cause = details.errorInstance instanceof Error ? (details.errorInstance.stack ?? details.errorInstance.message) : String(details.errorInstance);
    throw new Error(
      `${fc.defaultReportMessage(details) ?? 'property failed'}\n\nCaused by: ${cause}\n\nReplay with ${seedVariable}=${details.seed} ${pathVariable}=${details.counterexamplePath}.`,
    );
  }
  return details.numRuns;
}
