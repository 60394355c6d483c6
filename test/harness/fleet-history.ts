/**
 * Model-based histories of whole devices (libraries + PeerSync + a network), for fast-check.
 *
 * A history is a list of commands: random writes on random devices, interleaved with faults (frame
 * drops up to 30%, duplicates, delays that reorder, partitions into groups and heal, crashes and
 * restarts from files, wall clocks jumping forward or back within the drift bound, a device joining
 * late). After it, the network heals and runs until quiet; then `checkFleet` verifies:
 *   1. convergence: every device's synced tables are identical, row by row, field by field;
 *   2 + 4. no lost writes: they equal what the reference model predicts from every committed change
 *      (each field's highest-clock write; deleted records gone everywhere);
 *   3. device-owned data equals its owner's copy;
 *   5. after a last prune, the logs are empty: everything every peer acknowledged was pruned, and
 *      what was pruned earlier was not needed (or convergence would have failed);
 *   6. no unhandled error, no refused change, nothing parked;
 *   7. the change feed told every change: at each notice a device got, the difference of its records
 *      since the one before is exactly what the notice says (`support/change-audit.ts`), on every
 *      path (local writes, entries, snapshots, fetched records, cascades), and nothing changed
 *      without one. `feedTally` counts the notices of every history by source.
 * Commands carry plain numbers, resolved against the fleet when they run, so shrinking keeps
 * histories valid. Reusable with another schema: pass its registry and a write generator.
 */
import fc from 'fast-check';
import * as assert from 'uvu/assert';
import type { ChangeEntry } from '../../runtime/core/change-entry.js';
import type { SyncEvent } from '../../runtime/sync/options.js';
import { syncPortOf } from '../../runtime/library/library.js';
import { AuditCounts, auditChanges } from '../support/change-audit.js';
import { DEVICES, heldEntries, syncedState } from '../support/libraries.js';
import { applyRandomWrite, randomWrite, type RandomWrite } from '../support/random-writes.js';
import { SimulatedFleet, type Device } from '../support/sync-harness.js';
import { predictState } from './reference-model.js';

export type Command =
  | { readonly kind: 'write'; readonly device: number; readonly writes: readonly RandomWrite[] }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'faults'; readonly drop: number; readonly duplicate: number; readonly maxDelayMs: number }
  | { readonly kind: 'partition'; readonly groups: readonly number[] }
  | { readonly kind: 'heal' }
  | { readonly kind: 'crash'; readonly device: number }
  | { readonly kind: 'restart'; readonly device: number }
  | { readonly kind: 'clock'; readonly device: number; readonly offsetMs: number }
  | { readonly kind: 'join' }
  /** A device's app upgraded by `steps` schema versions (see `version-history.ts`); fleets of one schema ignore it. */
  | { readonly kind: 'upgrade'; readonly device: number; readonly steps: number }
  /** A hostile device's act (see `hostile-history.ts`); fleets without one ignore it. */
  | { readonly kind: 'hostile'; readonly action: HostileAction; readonly target: number; readonly pick: number };

export type HostileAction = 'own-origin' | 'equivocate' | 'unsolicited-records' | 'unsolicited-page' | 'forge-responses' | 'lure-pull';

/** Wall clock jumps stay within ±2 minutes, so two devices never drift apart beyond the 5-minute bound. */
const MAX_CLOCK_OFFSET_MS = 2 * 60_000;

export const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({ kind: fc.constant('write' as const), device: fc.nat(), writes: fc.array(randomWrite, { minLength: 1, maxLength: 8 }) }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 3000 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('faults' as const),
      drop: fc.integer({ min: 0, max: 30 }).map((percent) => percent / 100),
      duplicate: fc.integer({ min: 0, max: 20 }).map((percent) => percent / 100),
      maxDelayMs: fc.integer({ min: 1, max: 200 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('partition' as const), groups: fc.array(fc.nat(2), { minLength: 5, maxLength: 5 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'heal' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), device: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), device: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('clock' as const),
      device: fc.nat(),
      offsetMs: fc.integer({ min: -MAX_CLOCK_OFFSET_MS, max: MAX_CLOCK_OFFSET_MS }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'join' as const }) },
);

export const history = fc.record({
  seed: fc.nat(),
  devices: fc.integer({ min: 2, max: 3 }),
  commands: fc.array(command, { minLength: 1, maxLength: 80, size: 'large' }),
});

export interface HistoryResult {
  /** The devices at the end, all up. */
  readonly devices: readonly Device[];
  /** Every change any device committed, whichever device it was on. */
  readonly committed: ChangeEntry[];
  /** Warnings of the sync engines that are not part of normal operation. */
  readonly problems: SyncEvent[];
  /** What the audits of the devices' change feeds found. */
  readonly feed: AuditCounts;
  close(): Promise<void>;
}

/** Collects the sync engines' warnings that normal operation does not produce. */
export function problemCollector(): { problems: SyncEvent[]; log: (event: SyncEvent) => void } {
  const problems: SyncEvent[] = [];
  // A send to a peer that just went away fails and is retried: expected. Anything else is not.
  const log = (event: SyncEvent) => {
    if (event.level === 'warn' && event.event !== 'send failed') problems.push(event);
  };
  return { problems, log };
}

const RETENTION_MS = 30_000;
const QUIET_LIMIT_MS = 10 * 60_000;

/**
 * What a history needs of a fleet, on any network: the simulated one here, real TCP in
 * `tcp-history.ts`. Devices are addressed by index into `devices()`, which keeps crashed ones.
 */
export interface FleetDriver {
  devices(): readonly Device[];
  advance(ms: number): Promise<void>;
  setFaults(faults: { drop: number; duplicate: number; maxDelayMs: number }): void;
  /** Groups of device ids that reach only each other; null heals. */
  partition(groups: string[][] | null): void;
  crash(id: string): Promise<void>;
  restart(id: string): Promise<Device>;
  join(id: string): Promise<Device>;
  setClockOffset(id: string, offsetMs: number): void;
  /** Runs until every device holds the same version vector, nothing parked; false after `maxMs`. */
  settle(maxMs: number): Promise<boolean>;
  /** Lets a few heartbeats and acks go round, so every device learns what every other holds. */
  exchangeVectors(): Promise<void>;
  close(): Promise<void>;
  /** A hostile device acts (only fleets that have one). */
  hostile?(command: Extract<Command, { kind: 'hostile' }>): Promise<void>;
  /** Makes a device's random writes (default: `applyRandomWrite`, the example schema's generator). */
  write?(device: Device, writes: readonly RandomWrite[]): void;
  /** Upgrades a device's app by `steps` versions (only fleets of several versions); the device reopened, or undefined when it stays. */
  upgrade?(id: string, steps: number): Promise<Device | undefined>;
}

/**
 * Runs the commands on a fleet, then heals everything, restarts every crashed device and runs
 * until quiet. Every change a device commits is collected, for the reference model.
 */
export async function executeHistory(driver: FleetDriver, commands: readonly Command[], problems: SyncEvent[], quietLimitMs: number): Promise<HistoryResult> {
  const committed: ChangeEntry[] = [];
  const feed = new AuditCounts();
  const audits: { finish(): void }[] = [];
  const watch = (device: Device) => {
    device.library.outbox.subscribe((entries) => committed.push(...entries.filter((entry) => entry.origin === device.id)));
    audits.push(auditChanges(device.library, feed));
  };
  driver.devices().forEach(watch);
  const pick = (index: number) => driver.devices()[index % driver.devices().length]!;
  const live = () => driver.devices().filter((device) => !device.library.closed);

  for (const item of commands) {
    switch (item.kind) {
      case 'write': {
        const device = pick(item.device);
        if (device.library.closed) break;
        if (driver.write) driver.write(device, item.writes);
        else for (const write of item.writes) applyRandomWrite(device.library, write);
        break;
      }
      case 'advance':
        await driver.advance(item.ms);
        break;
      case 'faults':
        driver.setFaults(item);
        break;
      case 'partition': {
        const groups: string[][] = [[], [], []];
        driver.devices().forEach((device, index) => {
          groups[item.groups[index % item.groups.length]!]!.push(device.id);
        });
        driver.partition(groups.filter((group) => group.length > 0));
        break;
      }
      case 'heal':
        driver.partition(null);
        break;
      case 'crash': {
        const device = pick(item.device);
        if (!device.library.closed && live().length > 1) await driver.crash(device.id);
        break;
      }
      case 'restart': {
        const device = pick(item.device);
        if (device.library.closed) watch(await driver.restart(device.id));
        break;
      }
      case 'clock':
        driver.setClockOffset(pick(item.device).id, item.offsetMs);
        break;
      case 'join':
        if (driver.devices().length < DEVICES.length) watch(await driver.join(DEVICES[driver.devices().length]!));
        break;
      case 'hostile':
        await driver.hostile?.(item);
        break;
      case 'upgrade': {
        const upgraded = await driver.upgrade?.(pick(item.device).id, item.steps);
        if (upgraded) watch(upgraded);
        break;
      }
    }
  }

  // The quiet phase: a healthy network, every device up, until all hold the same vector.
  driver.partition(null);
  driver.setFaults({ drop: 0, duplicate: 0, maxDelayMs: 1 });
  for (const device of [...driver.devices()]) if (device.library.closed) watch(await driver.restart(device.id));
  const quiet = await driver.settle(quietLimitMs);
  const vectors = () =>
    live().map((device) => `${device.id.slice(0, 8)}: ${JSON.stringify([...device.library.outbox.cursors()])} parked ${device.library.parkedCount}`);
  assert.ok(quiet, `the fleet did not become quiet within ${quietLimitMs} ms:\n${vectors().join('\n')}`);
  await driver.exchangeVectors();
  for (const audit of audits) audit.finish();
  feedTally.add(feed);
  return { devices: live(), committed, problems, feed, close: () => driver.close() };
}

/**
 * Half the histories pull a snapshot instead of replaying the log as soon as a device lacks more
 * than a few entries (and half of a peer's): joins, restarts and partitions then go through
 * snapshots often; the other half keep the default, so mostly the log.
 */
export function snapshotLagFor(seed: number): number | undefined {
  return seed % 2 === 1 ? 8 : undefined;
}

/** Runs a history on the simulated network (virtual time). */
export async function runHistory({ seed, devices, commands }: { seed: number; devices: number; commands: readonly Command[] }): Promise<HistoryResult> {
  const { problems, log } = problemCollector();
  const fleet = await SimulatedFleet.create(devices, { seed, sync: { log, retentionMs: RETENTION_MS, pruneEveryMs: 5000, snapshotLag: snapshotLagFor(seed) } });
  const driver: FleetDriver = {
    devices: () => fleet.devices,
    advance: (ms) => fleet.network.scheduler.advance(ms),
    setFaults: ({ drop, duplicate, maxDelayMs }) => fleet.network.setFaults({ drop, duplicate, minDelayMs: 1, maxDelayMs }),
    partition: (groups) => (groups ? fleet.network.partition(...groups) : fleet.network.heal()),
    crash: (id) => fleet.crash(id),
    restart: (id) => fleet.restart(id),
    join: (id) => fleet.add(id),
    setClockOffset: (id, offsetMs) => fleet.clockOffsets.set(id, offsetMs),
    settle: (maxMs) => fleet.settle(maxMs),
    exchangeVectors: () => fleet.network.scheduler.advance(2000),
    close: () => fleet.close(),
  };
  return executeHistory(driver, commands, problems, QUIET_LIMIT_MS);
}

/** The notices of every history run in this process, by source, and the cascade deletes among them. */
export const feedTally = new AuditCounts();

/** The seven checks of a finished history. */
export function checkFleet(result: HistoryResult): void {
  checkState(result);
  checkQuiet(result);
  checkFeed(result);
}

/** Check 7: every notice was exactly what changed, and nothing changed without one. */
export function checkFeed({ feed }: HistoryResult): void {
  assert.equal(feed.mismatches, []);
}

/** Checks 1 to 5: convergence, no lost writes, owners' copies, pruning. */
export function checkState({ devices, committed }: HistoryResult): void {
  const registry = devices[0]!.library.registry;
  const state = syncedState(devices[0]!.library);
  // 1. convergence
  for (const device of devices.slice(1)) assert.equal(syncedState(device.library), state, `${device.id} differs from ${devices[0]!.id}`);
  // 2 + 4. no lost writes: the reference model predicts this state from every committed change
  assert.equal(state, predictState(registry, committed), 'the state is not what the reference model predicts');
  // 3. device-owned data equals its owner's copy
  for (const adapter of registry.dependencyOrder.filter((item) => item.owner !== null)) {
    for (const owner of devices) {
      const own = (rows: Record<string, unknown>[]) => rows.filter((row) => row[adapter.owner!] === owner.id);
      const mine = own(syncedState(owner.library)[adapter.table]!);
      for (const other of devices) assert.equal(own(syncedState(other.library)[adapter.table]!), mine, `${adapter.name} rows of ${owner.id} on ${other.id}`);
    }
  }
  // 5. everything acknowledged by every peer is pruned
  for (const device of devices) {
    syncPortOf(device.library).prune(RETENTION_MS);
    assert.equal(heldEntries(device.library), [], `${device.id} kept log entries every peer acknowledged`);
  }
}

/** Check 6: no unhandled error, no refusal, nothing parked. */
export function checkQuiet({ devices, problems }: HistoryResult): void {
  assert.equal(
    problems.map((event) => `${event.peer ?? ''} ${event.event}: ${event.detail}`),
    [],
  );
  for (const device of devices) {
    assert.is(device.library.parkedCount, 0);
    assert.is(device.sync.metrics().total.refused, 0, `${device.id} refused changes`);
  }
}
