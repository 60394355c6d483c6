import fc from 'fast-check';
import { command, checkFleet } from './harness/fleet-history.js';
import { runTcpHistory } from './harness/tcp-history.js';
const scenarios = fc.record({ seed: fc.nat(), devices: fc.integer({ min: 2, max: 3 }), commands: fc.array(command, { minLength: 30, maxLength: 60 }) });
for (const seed of [105, 126, 131, 132, 133, 134]) {
  const [s] = fc.sample(scenarios, { numRuns: 1, seed });
  const t = Date.now();
  try { const r = await runTcpHistory(s!); try { checkFleet(r); console.log(seed, 'ok', Date.now() - t); } finally { await r.close(); } }
  catch (e) { console.log(seed, 'FAIL', Date.now() - t, (e as Error).message.slice(0, 400)); }
}
process.exit(0);
