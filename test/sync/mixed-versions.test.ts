/**
 * Devices on different schema versions (the evolution fixtures v1, v2, v3) through random fleet
 * histories with faults and upgrades mid-history (see `test/harness/version-history.ts`): at a
 * checkpoint before the last upgrades, devices of one version are identical and devices of two
 * versions identical in what both know, each as the reference model predicts; after every device
 * upgraded to v3, the fleet converges to the reference model's state of every committed change
 * read in v3's terms, with nothing refused, parked or left in quarantine. FLEET_VERSION_RUNS sets
 * the runs; FLEET_VERSION_SEED and FLEET_VERSION_PATH replay a failure.
 */
import { test } from 'uvu';
import { assertFleetProperty } from '../harness/property.js';
import { checkVersionFleet, runVersionHistory, versionHistory } from '../harness/version-history.js';

const RUNS = Number(process.env.FLEET_VERSION_RUNS ?? 12);

test(`property: devices on schema versions 1 to 3, upgrading mid-history, lose nothing and converge (${RUNS} runs)`, async () => {
  await assertFleetProperty({
    runs: RUNS,
    scenarios: versionHistory,
    run: runVersionHistory,
    check: checkVersionFleet,
    seedVariable: 'FLEET_VERSION_SEED',
    pathVariable: 'FLEET_VERSION_PATH',
    defaultSeed: 20261301,
    failAfterSeconds: 600,
  });
});

test.run();
