/**
 * Fleet histories with one hostile member (for fast-check): the fleet of `fleet-history.ts` plus a
 * device H that writes and syncs like the others, and between them, on `hostile` commands, sends a
 * target device what no honest device sends:
 * - `own-origin`: entries in the target's own name (a copy of one it wrote, altered, and one at a
 *   seq it has not used yet);
 * - `equivocate`: a different version (another clock) of an entry the target holds, of another
 *   device or of H itself;
 * - `unsolicited-records`, `unsolicited-page`: a RecordResponse or a StateResponse nobody asked for,
 *   deleting another member's Device;
 * - `forge-responses`: the next StateResponse or RecordResponse H sends carries forged records
 *   (deleted with a clock from the far future, another member's record deleted by H, records not
 *   asked for, or the target's own records with a newer change in its name);
 * - `lure-pull`: a heartbeat that says H pruned all it holds (so the target, lacking any of it,
 *   pulls a snapshot from H), and the next two responses forged.
 * Every forged record breaks a rule of entries, so none of it may take effect. `checkHostileFleet`
 * verifies that the honest devices (and H, whose own data is honest) converge exactly as the
 * reference model predicts, that no honest device refused anything from an honest peer or logged a
 * problem, and that the hostile acts were reported: per target, as many own-origin refusals and
 * equivocations as H delivered (outside snapshot pulls from H, which drop its entries unread), and
 * a refusal or a late answer counted for any hostile frame delivered.
 */
import fc from 'fast-check';
import * as assert from 'uvu/assert';
import type { ChangeEntry } from '../../runtime/core/change-entry.js';
import { decodeHlc, encodeHlc } from '../../runtime/core/hlc.js';
import type { SnapshotRecord } from '../../runtime/core/snapshot-record.js';
import type { SyncMessage } from '../../runtime/protocol/messages.js';
import { decodeEnvelope } from '../../runtime/protocol/wire-codec.js';
import { toEntry, type LogRow } from '../../runtime/store/sync-log.js';
import type { PeerMetrics } from '../../runtime/sync/metrics.js';
import type { SyncEvent } from '../../runtime/sync/options.js';
import type { Transport, TransportHandlers } from '../../runtime/transports/transport.js';
import { registry } from '../../generated/index.js';
import { readRows, type ExampleLibrary } from '../support/libraries.js';
import { frameOf } from '../support/raw-peer.js';
import { SimulatedFleet, type Device } from '../support/sync-harness.js';
import {
  checkFeed,
  checkState,
  command,
  executeHistory,
  snapshotLagFor,
  type Command,
  type FleetDriver,
  type HistoryResult,
  type HostileAction,
} from './fleet-history.js';

export const HOSTILE = '0000000e-0000-4000-8000-00000000000e';

const ACTIONS: readonly HostileAction[] = ['own-origin', 'equivocate', 'unsolicited-records', 'unsolicited-page', 'forge-responses', 'lure-pull'];

export const hostileCommand: fc.Arbitrary<Command> = fc.record({
  kind: fc.constant('hostile' as const),
  action: fc.constantFrom(...ACTIONS),
  target: fc.nat(),
  pick: fc.nat(),
});

export const hostileHistory = fc.record({
  seed: fc.nat(),
  devices: fc.integer({ min: 2, max: 3 }),
  commands: fc.array(fc.oneof({ weight: 3, arbitrary: command }, { weight: 1, arbitrary: hostileCommand }), { minLength: 1, maxLength: 80, size: 'large' }),
});

/** What happened to one target: hostile frames delivered, what they should have caused, and its engines' metrics of H. */
interface TargetReport {
  delivered: number;
  /** Delivered frames that must be counted: all but entries dropped by a pull, and equivocations about an entry pruned. */
  countable: number;
  ownOrigin: number;
  equivocations: number;
  /** Metrics of H, summed over the target's engines (a restart starts them again). */
  readonly seen: Pick<PeerMetrics, 'refused' | 'ownOrigin' | 'equivocations' | 'unsolicited' | 'late'>;
}

export interface HostileResult extends HistoryResult {
  /** Per honest device. */
  readonly reports: ReadonlyMap<string, TargetReport>;
  /** Per device, what its engine logged (H's own log is not checked). */
  readonly events: readonly { readonly device: string; readonly event: SyncEvent }[];
  /** Hostile acts by action, and how many of their frames were delivered. */
  readonly acts: Readonly<Record<HostileAction, number>>;
}

/** A hostile frame in flight: what it is and to whom, recognised by its bytes when delivered. */
interface Forged {
  readonly kind: 'own-origin' | 'equivocate' | 'response';
  readonly to: string;
  /** Entries in the target's own name, or the entry equivocated about. */
  readonly entries: readonly ChangeEntry[];
}

/** The hostile device's transport: as the inner one, but the next responses it sends are forged when armed. */
class ForgingTransport implements Transport {
  armed = 0;

  constructor(
    readonly inner: Transport,
    readonly forge: (to: string, message: Extract<SyncMessage, { type: 'StateResponse' | 'RecordResponse' }>) => Uint8Array,
  ) {}

  setHandlers(handlers: TransportHandlers): void {
    this.inner.setHandlers(handlers);
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  send(peer: string, frame: Uint8Array): Promise<void> {
    if (this.armed > 0) {
      const { message } = decodeEnvelope(frame);
      if (message.type === 'StateResponse' || message.type === 'RecordResponse') {
        this.armed -= 1;
        return this.inner.send(peer, this.forge(peer, message));
      }
    }
    return this.inner.send(peer, frame);
  }

  disconnect(peer: string, reason: string): void {
    this.inner.disconnect(peer, reason);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

const RETENTION_MS = 30_000;
const FAR_KEY = 'ffffffff-ffff-4fff-bfff-ffffffffffff';

/** Runs a history on the simulated network with the hostile device H in the fleet. */
export async function runHostileHistory({ seed, devices, commands }: { seed: number; devices: number; commands: readonly Command[] }): Promise<HostileResult> {
  const events: { device: string; event: SyncEvent }[] = [];
  /** Per target: whether it pulls a snapshot from H now (its engine then drops H's entries unread). */
  const pulling = new Set<string>();
  const forged = new Map<string, Forged>();
  const reports = new Map<string, TargetReport>();
  const acts = Object.fromEntries(ACTIONS.map((action) => [action, 0])) as Record<HostileAction, number>;
  let hostile: ForgingTransport | null = null;
  let forgeries = 0;
  let fleet: SimulatedFleet | null = null;

  const report = (device: string): TargetReport => {
    let found = reports.get(device);
    if (!found) {
      found = { delivered: 0, countable: 0, ownOrigin: 0, equivocations: 0, seen: { refused: 0, ownOrigin: 0, equivocations: 0, unsolicited: 0, late: 0 } };
      reports.set(device, found);
    }
    return found;
  };
  const keyOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  const farClock = () => Buffer.from(encodeHlc({ wallMs: fleet!.network.scheduler.now() + 3_600_000, counter: 0, device: HOSTILE }));
  const hostileClock = () => Buffer.from(encodeHlc({ wallMs: fleet!.network.scheduler.now(), counter: 0, device: HOSTILE }));
  const tombstone = (model: number, record: string, deleteClock: Buffer): SnapshotRecord => ({
    model,
    record,
    deleted: true,
    deleteClock,
    values: null,
    clocks: null,
    version: null,
    devices: [],
  });
  /** Another member's Device, deleted by H: refused (only a device deletes its own Device). */
  const stolenDevice = (target: string) => tombstone(registry.models.device.id, target, hostileClock());
  const send = (to: string, frame: Uint8Array, item: Forged) => {
    forged.set(keyOf(frame), item);
    hostile!.inner.send(to, frame).catch(() => {});
  };

  const log = (device: string) => (event: SyncEvent) => {
    events.push({ device, event });
    if (device === HOSTILE || event.peer !== HOSTILE) return;
    if (event.event === 'snapshot needed') pulling.add(device);
    if (['snapshot merged', 'snapshot incomplete', 'disconnected'].includes(event.event)) pulling.delete(device);
  };

  fleet = await SimulatedFleet.create(devices, {
    seed,
    sync: { retentionMs: RETENTION_MS, pruneEveryMs: 5000, snapshotLag: snapshotLagFor(seed) },
    logFor: log,
    wrapTransport: (device, transport) => {
      if (device !== HOSTILE) return transport;
      hostile = new ForgingTransport(transport, (to, message) => {
        forgeries += 1;
        const claimed = message.records.map((record) => claimOwn(record, to));
        const records: SnapshotRecord[] =
          message.type === 'StateResponse'
            ? forgeries % 2 === 0 && claimed.some((record, index) => record !== message.records[index])
              ? // The target's own records, with a newer change in its name that it never made.
                claimed
              : // After every record of the page: beyond its limit when full (not asked for), else deleted by a clock from the far future.
                [...message.records, tombstone(message.model, FAR_KEY, farClock())]
            : // Each record asked for deleted by a clock from the far future, and a record not asked for.
              [...message.records.map((record) => tombstone(record.model, record.record, farClock())), stolenDevice(to)];
        const frame = frameOf({ ...message, records });
        forged.set(keyOf(frame), { kind: 'response', to, entries: [] });
        return frame;
      });
      return hostile;
    },
  });
  await fleet.add(HOSTILE);
  const sim = fleet;

  // Deliveries of hostile frames, seen before the target handles them.
  sim.network.observe((from, to, frame) => {
    if (from !== HOSTILE) return;
    const item = forged.get(keyOf(frame));
    if (!item) return;
    const target = report(to);
    target.delivered += 1;
    if (item.kind === 'response') {
      target.countable += 1;
      return;
    }
    if (pulling.has(to)) return;
    if (item.kind === 'own-origin') {
      target.ownOrigin += item.entries.length;
      target.countable += 1;
    } else {
      const [entry] = item.entries as [ChangeEntry];
      // Held in the log (not pruned): the two versions can be compared.
      if (readRows(sim.device(to).library, 'SELECT 1 FROM _sync_log WHERE origin = ? AND seq = ?', entry.origin, entry.seq).length === 0) return;
      target.equivocations += 1;
      target.countable += 1;
    }
  });

  const addMetrics = (device: Device) => {
    const metrics = device.sync.metrics().peers[HOSTILE];
    if (!metrics) return;
    const { seen } = report(device.id);
    for (const key of ['refused', 'ownOrigin', 'equivocations', 'unsolicited', 'late'] as const) seen[key] += metrics[key];
  };

  const act = async ({ action, target: index, pick }: Extract<Command, { kind: 'hostile' }>) => {
    const honest = sim.live().filter((device) => device.id !== HOSTILE);
    if (honest.length === 0 || sim.device(HOSTILE).library.closed || !hostile) return;
    const target = honest[index % honest.length]!;
    if (!sim.network.linked(HOSTILE, target.id)) return;
    acts[action] += 1;
    switch (action) {
      case 'own-origin': {
        const own = logRows(target.library, 'origin = ?', target.id);
        if (own.length === 0) return;
        const entry = own[pick % own.length]!;
        const cursor = target.library.outbox.cursors().get(target.id) ?? 0;
        const entries = [altered(entry), { ...altered(entry), seq: cursor + 1 + (pick % 3) }];
        send(target.id, frameOf({ type: 'SharedChangeBatch', entries }), { kind: 'own-origin', to: target.id, entries });
        return;
      }
      case 'equivocate': {
        const held = logRows(target.library, 'origin != ?', target.id);
        if (held.length === 0) return;
        const entry = altered(held[pick % held.length]!);
        send(target.id, frameOf({ type: 'SharedChange', entry }), { kind: 'equivocate', to: target.id, entries: [entry] });
        return;
      }
      case 'unsolicited-records': {
        const victim = honest[pick % honest.length]!.id;
        send(target.id, frameOf({ type: 'RecordResponse', records: [stolenDevice(victim)] }), { kind: 'response', to: target.id, entries: [] });
        return;
      }
      case 'unsolicited-page': {
        const victim = honest[pick % honest.length]!.id;
        const page: SyncMessage = {
          type: 'StateResponse',
          model: registry.models.device.id,
          records: [stolenDevice(victim)],
          next: null,
          reflects: new Map([[HOSTILE, 1_000_000]]),
        };
        send(target.id, frameOf(page), { kind: 'response', to: target.id, entries: [] });
        return;
      }
      case 'forge-responses':
        hostile.armed += 1;
        return;
      case 'lure-pull': {
        const held = sim.device(HOSTILE).library.outbox.cursors();
        hostile.inner.send(target.id, frameOf({ type: 'Heartbeat', watermark: held, sentAt: sim.network.scheduler.now(), floor: held })).catch(() => {});
        hostile.armed += 2;
        return;
      }
    }
  };

  const driver: FleetDriver = {
    devices: () => sim.devices,
    advance: (ms) => sim.network.scheduler.advance(ms),
    setFaults: ({ drop, duplicate, maxDelayMs }) => sim.network.setFaults({ drop, duplicate, minDelayMs: 1, maxDelayMs }),
    partition: (groups) => (groups ? sim.network.partition(...groups) : sim.network.heal()),
    crash: async (id) => {
      addMetrics(sim.device(id));
      pulling.delete(id);
      await sim.crash(id);
    },
    restart: (id) => sim.restart(id),
    join: (id) => sim.add(id),
    setClockOffset: (id, offsetMs) => sim.clockOffsets.set(id, offsetMs),
    settle: (maxMs) => sim.settle(maxMs),
    exchangeVectors: () => sim.network.scheduler.advance(2000),
    close: () => sim.close(),
    hostile: act,
  };
  // The hostile device stops forging before the quiet phase: its last acts still count.
  const result = await executeHistory(driver, commands, [], 10 * 60_000);
  hostile = null;
  for (const device of result.devices) addMetrics(device);
  return { ...result, reports, events, acts };
}

/** A record the target wrote (its version is the target's clock), with a newer change in the target's name; any other record as it is. */
function claimOwn(record: SnapshotRecord, target: string): SnapshotRecord {
  if (record.deleted || !record.version || decodeHlc(record.version).device !== target) return record;
  const clock = decodeHlc(record.version);
  const newer = Buffer.from(encodeHlc({ ...clock, wallMs: clock.wallMs + 1 }));
  if (registry.byId(record.model)?.strategy === 'stateBased') return { ...record, version: newer };
  const [field] = Object.keys(record.values ?? {});
  return field === undefined ? record : { ...record, clocks: { ...record.clocks, [field]: newer } };
}

/** Log entries of a library matching `where`, in origin and seq order. */
function logRows(library: ExampleLibrary, where: string, ...parameters: unknown[]): LogRow[] {
  return readRows(library, `SELECT origin, seq, hlc, model, record, kind, data FROM _sync_log WHERE ${where} ORDER BY origin, seq`, ...parameters) as LogRow[];
}

/** The entry with its clock a millisecond later: valid, and different from the one held. */
function altered(row: LogRow): ChangeEntry {
  const entry = toEntry(row);
  const clock = decodeHlc(entry.hlc);
  return { ...entry, hlc: Buffer.from(encodeHlc({ ...clock, wallMs: clock.wallMs + 1 })) };
}

/** Refusals from H that an honest device may log; anything else it logs at warn level is a problem. */
const REPORTS = /^(refused \((own-origin|equivocation|unsolicited-response|not-owner|invalid-change|clock-drift)\)|snapshot incomplete)$/;

/** The checks of a history with a hostile member. */
export function checkHostileFleet(result: HostileResult): void {
  // 1 to 5 over every device: the hostile one's own data is honest, and nothing forged took effect; 7: the feeds told it.
  checkState(result);
  checkFeed(result);
  const problems = result.events
    .filter(({ device, event }) => device !== HOSTILE && event.level === 'warn' && event.event !== 'send failed')
    .filter(({ event }) => event.peer !== HOSTILE || !REPORTS.test(event.event))
    .map(({ device, event }) => `${device.slice(0, 8)}: ${event.peer?.slice(0, 8) ?? ''} ${event.event}: ${event.detail}`);
  assert.equal(problems, []);
  for (const device of result.devices) {
    assert.is(device.library.parkedCount, 0, `${device.id} parked changes`);
    if (device.id === HOSTILE) continue;
    for (const [peer, metrics] of Object.entries(device.sync.metrics().peers)) {
      if (peer !== HOSTILE) assert.is(metrics.refused, 0, `${device.id} refused changes of the honest ${peer}`);
    }
  }
  for (const [device, target] of result.reports) {
    const { seen } = target;
    // Entries in its own name exactly; snapshot records in its name (forged pages) count there too.
    assert.ok(seen.ownOrigin >= target.ownOrigin, `${device}: ${target.ownOrigin} entries in its own name delivered, ${seen.ownOrigin} refused`);
    assert.is(seen.equivocations, target.equivocations, `${device}: equivocations reported`);
    if (target.countable > 0) assert.ok(seen.refused + seen.late > 0, `${device}: ${target.countable} hostile frames delivered, none reported`);
  }
}
