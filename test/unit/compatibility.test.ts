/**
 * Which schema versions sync (`runtime/protocol/compatibility.ts`): two devices sync when each is at
 * least the other's oldest compatible version; otherwise the reason names both versions and the
 * device to upgrade, and both sides name the same one.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compatible, incompatibility, type SchemaCompatibility } from '../../runtime/protocol/compatibility.js';

const SEED = Number(process.env.COMPATIBILITY_SEED ?? 20261213);
const PEER = '0000000b-0000-4000-8000-00000000000b';
const at = (schemaVersion: number, compatibleFrom: number): SchemaCompatibility => ({ schemaVersion, compatibleFrom });
const AFTER = 'nothing is lost meanwhile, and they sync once it is upgraded';

test('a table of versions: equal ones and additive changes sync both ways; across a breaking change they do not, and the reason says who upgrades', () => {
  const cases: [SchemaCompatibility, SchemaCompatibility, string | null][] = [
    // Equal versions.
    [at(1, 1), at(1, 1), null],
    [at(3, 3), at(3, 3), null],
    [at(2, 1), at(2, 1), null],
    // An additive change: version 2 still syncs with 1, both ways.
    [at(1, 1), at(2, 1), null],
    [at(2, 1), at(1, 1), null],
    // A breaking change at 3: neither 1 nor 2 syncs with it; the older device upgrades.
    [
      at(3, 3),
      at(1, 1),
      `incompatible schemas: schema version 3 here (syncs with 3 and later), 1 on ${PEER} (syncs with 1 and later); upgrade the app on ${PEER}: ${AFTER}`,
    ],
    [
      at(1, 1),
      at(3, 3),
      `incompatible schemas: schema version 1 here (syncs with 1 and later), 3 on ${PEER} (syncs with 3 and later); upgrade the app on this device: ${AFTER}`,
    ],
    [
      at(3, 3),
      at(2, 1),
      `incompatible schemas: schema version 3 here (syncs with 3 and later), 2 on ${PEER} (syncs with 1 and later); upgrade the app on ${PEER}: ${AFTER}`,
    ],
    [
      at(2, 1),
      at(3, 3),
      `incompatible schemas: schema version 2 here (syncs with 1 and later), 3 on ${PEER} (syncs with 3 and later); upgrade the app on this device: ${AFTER}`,
    ],
    // Additive changes after the breaking one: 4 syncs with 3, not with 2.
    [at(4, 3), at(3, 3), null],
    [at(3, 3), at(4, 3), null],
    [
      at(4, 3),
      at(2, 1),
      `incompatible schemas: schema version 4 here (syncs with 3 and later), 2 on ${PEER} (syncs with 1 and later); upgrade the app on ${PEER}: ${AFTER}`,
    ],
  ];
  assert.equal(
    cases.map(([mine, theirs]) => [compatible(mine, theirs), incompatibility(mine, theirs, PEER)]),
    cases.map(([, , reason]) => [reason === null, reason]),
  );
});

test('for any valid versions: compatibility is symmetric, the reason is given exactly when they do not sync, and both sides name the same device to upgrade', () => {
  const schema = fc.integer({ min: 1, max: 1000 }).chain((schemaVersion) => fc.integer({ min: 1, max: schemaVersion }).map((from) => at(schemaVersion, from)));
  fc.assert(
    fc.property(schema, schema, (a, b) => {
      const together = compatible(a, b);
      assert.is(compatible(b, a), together);
      const onA = incompatibility(a, b, 'B');
      const onB = incompatibility(b, a, 'A');
      assert.is(onA === null, together);
      assert.is(onB === null, together);
      if (onA === null || onB === null) return;
      // The older device is the one below the other's oldest compatible version.
      const older = a.schemaVersion < b.compatibleFrom ? 'A' : 'B';
      assert.ok(onA.endsWith(`upgrade the app on ${older === 'A' ? 'this device' : 'B'}: ${AFTER}`), onA);
      assert.ok(onB.endsWith(`upgrade the app on ${older === 'B' ? 'this device' : 'A'}: ${AFTER}`), onB);
      assert.ok(
        onA.startsWith(`incompatible schemas: schema version ${a.schemaVersion} here (syncs with ${a.compatibleFrom} and later), ${b.schemaVersion} on B`),
        onA,
      );
    }),
    { seed: SEED, numRuns: 2000 },
  );
});

test.run();
