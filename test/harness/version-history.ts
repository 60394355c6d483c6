/**
 * Fleet histories of devices on different schema versions (issue 13, "schema evolution in the
 * field"): the evolution fixtures v1, v2 (v1 + additive changes) and v3 (v2 + renames of
 * Tag.color → hue, Note's perDevice lastReadAt → lastOpenedAt, and the model Folder → Collection),
 * all compatible with each other.
 *
 * A history is the fleet history of `fleet-history.ts` (random writes, drops, duplicates, delays,
 * partitions, crashes and restarts, clock jumps, a late join) on 3 or 4 devices, each starting on
 * a version drawn from the seed (at least two versions among the first two devices), writing what
 * its own version has (`version-writes.ts`), plus `upgrade` commands: the device's library and
 * transport closed and its same directory reopened with a newer registry (its migration runs, what
 * it quarantined is replayed). Then the network heals and runs until quiet: the checkpoint. Then
 * every device is upgraded to v3 and the fleet runs until quiet again. `checkVersionFleet` checks:
 *   at the checkpoint, a. devices on the same version have identical synced tables; b. devices on
 *     different versions are identical in what both versions know (the shared models, and in them
 *     the shared fields with their clocks); c. each device equals, in what its version knows, the
 *     reference model's prediction;
 *   at the end, the fleet checks (`checkFleet`): convergence; the state the reference model
 *     predicts from every committed change, each interpreted in v3's terms (`version-reference.ts`);
 *     owners' copies; empty logs after a last prune; no warning, no refusal, nothing parked; and
 *     nothing left in any quarantine.
 */
import fc from 'fast-check';
import * as assert from 'uvu/assert';
import { registry as v1 } from '../fixtures/evolution-v1/expected/generated/index.js';
import { registry as v2 } from '../fixtures/evolution-v2/expected/generated/index.js';
import { registry as v3 } from '../fixtures/evolution-v3/expected/generated/index.js';
import type { Registry } from '../../runtime/contract/registry.js';
import type { SyncEvent } from '../../runtime/sync/options.js';
import { DEVICES, readRows, syncedState } from '../support/libraries.js';
import { prng } from '../support/random-writes.js';
import { SimulatedFleet, type Device } from '../support/sync-harness.js';
import { applyVersionWrite, sequentialId } from '../support/version-writes.js';
import { checkFleet, command, executeHistory, problemCollector, snapshotLagFor, type Command, type FleetDriver, type HistoryResult } from './fleet-history.js';
import { predictState } from './reference-model.js';
import { entryIn, sharedState, type State, type VersionedEntry } from './version-reference.js';

type AnyRegistry = Registry<any, any>;
export const VERSIONS: readonly AnyRegistry[] = [v1, v2, v3];
const NEWEST = v3 as AnyRegistry;

const upgradeCommand: fc.Arbitrary<Command> = fc.record({ kind: fc.constant('upgrade' as const), device: fc.nat(), steps: fc.integer({ min: 1, max: 2 }) });

/** Histories: the fleet's commands with upgrades among them, on 3 or 4 devices (a 4th may join late). */
export const versionHistory = fc.record({
  seed: fc.nat(),
  devices: fc.integer({ min: 3, max: 4 }),
  commands: fc.array(fc.oneof({ weight: 12, arbitrary: command }, { weight: 1, arbitrary: upgradeCommand }), { minLength: 1, maxLength: 80, size: 'large' }),
});

/** The first version of each device (by index into `DEVICES`), drawn from the seed; the first two differ. */
export function versionsFor(seed: number): number[] {
  const random = prng(seed ^ 0x13e7);
  const versions = DEVICES.map(() => 1 + Math.floor(random() * VERSIONS.length));
  if (versions[1] === versions[0]) versions[1] = (versions[0]! % VERSIONS.length) + 1;
  return versions;
}

/** A device's state at the checkpoint, with the registry it was on. */
export interface Checkpoint {
  readonly id: string;
  readonly registry: AnyRegistry;
  readonly state: State;
}

export interface VersionResult extends HistoryResult {
  /** Every change any device committed, with the schema it was written under. */
  readonly written: readonly VersionedEntry[];
  readonly checkpoint: readonly Checkpoint[];
}

/**
 * How long an upgraded device is down (virtual ms; default 0: closed and reopened in the same
 * instant, so a peer that has not yet heard of it going may still send it frames made for its old
 * version: the simulated network must drop them, as TCP drops them with the old connection).
 */
const UPGRADE_DOWN_MS = Number(process.env.FLEET_VERSION_UPGRADE_DOWN_MS ?? 0);
const RETENTION_MS = 30_000;
const QUIET_LIMIT_MS = 10 * 60_000;

/**
 * Runs a history on the simulated network, then upgrades every device to the newest version.
 * `observe` sees every device's sync events (to debug a failure).
 */
export async function runVersionHistory(
  { seed, devices, commands }: { seed: number; devices: number; commands: readonly Command[] },
  observe?: (device: string, event: SyncEvent) => void,
): Promise<VersionResult> {
  const { problems, log } = problemCollector();
  const fleet = await SimulatedFleet.create(0, {
    seed,
    sync: { log, retentionMs: RETENTION_MS, pruneEveryMs: 5000, snapshotLag: snapshotLagFor(seed) },
    ...(observe
      ? {
          logFor: (device: string) => (event: SyncEvent) => {
            observe(device, event);
            log(event);
          },
        }
      : {}),
  });
  const versions = versionsFor(seed);
  const written: VersionedEntry[] = [];
  // Each device's own commits, with the registry it wrote them under (subscribed at every open).
  const track = (device: Device): Device => {
    const registry = device.library.registry as AnyRegistry;
    device.library.outbox.subscribe((entries) => {
      for (const entry of entries) if (entry.origin === device.id) written.push({ entry, registry });
    });
    return device;
  };
  const open = async (index: number) => track(await fleet.add(DEVICES[index]!, undefined, { registry: VERSIONS[versions[index]! - 1]! }));
  let ids = 0;
  const newId = () => sequentialId(0x13, ++ids);
  /** Closes the device (its engine, transport and library) and reopens its directory with the newer registry. */
  const upgrade = async (id: string, steps: number): Promise<Device | undefined> => {
    const device = fleet.device(id);
    const version = device.library.registry.schemaVersion;
    const next = Math.min(VERSIONS.length, version + steps);
    if (next === version) return undefined;
    if (!device.library.closed) await fleet.crash(id);
    if (UPGRADE_DOWN_MS > 0) await fleet.network.scheduler.advance(UPGRADE_DOWN_MS);
    return track(await fleet.restart(id, VERSIONS[next - 1]!));
  };

  for (let index = 0; index < devices; index += 1) await open(index);
  const driver: FleetDriver = {
    devices: () => fleet.devices,
    advance: (ms) => fleet.network.scheduler.advance(ms),
    setFaults: ({ drop, duplicate, maxDelayMs }) => fleet.network.setFaults({ drop, duplicate, minDelayMs: 1, maxDelayMs }),
    partition: (groups) => (groups ? fleet.network.partition(...groups) : fleet.network.heal()),
    crash: (id) => fleet.crash(id),
    restart: async (id) => track(await fleet.restart(id)),
    join: (id) => open(DEVICES.indexOf(id as (typeof DEVICES)[number])),
    setClockOffset: (id, offsetMs) => fleet.clockOffsets.set(id, offsetMs),
    settle: (maxMs) => fleet.settle(maxMs),
    exchangeVectors: () => fleet.network.scheduler.advance(2000),
    close: () => fleet.close(),
    write: (device, writes) => {
      for (const write of writes) applyVersionWrite(device.library, write, newId);
    },
    upgrade,
  };
  const history = await executeHistory(driver, commands, problems, QUIET_LIMIT_MS);
  const checkpoint = history.devices.map((device) => ({ id: device.id, registry: device.library.registry as AnyRegistry, state: syncedState(device.library) }));

  // Every device upgraded to the newest version, then quiet again.
  for (const device of [...fleet.live()]) await upgrade(device.id, VERSIONS.length);
  const quiet = await fleet.settle(QUIET_LIMIT_MS);
  assert.ok(quiet, 'the fleet did not become quiet after every device upgraded');
  await driver.exchangeVectors();
  return {
    devices: fleet.live(),
    committed: written.map((item) => entryIn(NEWEST, item)),
    problems,
    // The feeds were audited until every device ran the history's versions; the final upgrades replay, which `openLibrary`'s tests audit.
    feed: history.feed,
    written,
    checkpoint,
    close: () => fleet.close(),
  };
}

const label = ({ id, registry }: Checkpoint) => `${id.slice(0, 8)} (v${registry.schemaVersion})`;

/** The checkpoint's checks (a to c), then the fleet's checks at the end and the empty quarantines. */
export function checkVersionFleet(result: VersionResult): void {
  const { checkpoint, written } = result;
  const predicted = predictState(
    NEWEST,
    written.map((item) => entryIn(NEWEST, item)),
  );
  for (const [index, device] of checkpoint.entries()) {
    for (const other of checkpoint.slice(index + 1)) {
      const pair = [device.registry, other.registry];
      if (device.registry === other.registry) assert.equal(other.state, device.state, `${label(other)} differs from ${label(device)} at the checkpoint`);
      else
        assert.equal(
          sharedState(other.state, other.registry, NEWEST, pair),
          sharedState(device.state, device.registry, NEWEST, pair),
          `${label(other)} differs from ${label(device)} at the checkpoint, in what both versions know`,
        );
    }
    assert.equal(
      sharedState(device.state, device.registry, NEWEST, [device.registry]),
      sharedState(predicted, NEWEST, NEWEST, [device.registry]),
      `${label(device)} at the checkpoint is not what the reference model predicts, in what its version knows`,
    );
  }
  checkFleet(result);
  for (const device of result.devices) {
    for (const table of ['_sync_quarantine', '_sync_quarantine_record']) {
      assert.equal(readRows(device.library, `SELECT * FROM "${table}"`), [], `${device.id} still holds ${table} rows on the newest version`);
    }
  }
}
