/**
 * The long run of the whole-device property: `npm run test:soak -- --runs 2000` (default), or
 * `-- --seconds 600` to stop starting runs after ten minutes. Replays a failure with FLEET_SEED and
 * FLEET_PATH like `npm test` does.
 */
import { parseArgs } from 'node:util';
import { assertFleetProperty } from './harness/property.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '2000' }, seconds: { type: 'string' } } });
const runs = Number(values.runs);
const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
if (!Number.isSafeInteger(runs) || runs < 1 || (seconds !== undefined && !(seconds > 0))) {
  console.error('usage: npm run test:soak -- [--runs N] [--seconds S]');
  process.exit(2);
}
const started = Date.now();
console.log(`soak: whole devices under faults, ${runs} histories${seconds ? `, at most ${seconds} s` : ''}`);
try {
  const ran = await assertFleetProperty({ runs, seconds });
  console.log(`soak: ${ran} passed, 0 failed in ${Math.round((Date.now() - started) / 1000)} s`);
} catch (error) {
  console.error((error as Error).message);
  console.error(`soak: failed after ${Math.round((Date.now() - started) / 1000)} s`);
  process.exit(1);
}
