/**
 * Progress events over the simulated network (virtual time: exact outcomes). A snapshot pull
 * reports records out of the total the serving peer counts (asked with the first page only, and
 * answered only to that request), monotone, throttled to `statusIntervalMs`, ending with one done
 * event at exactly the total; a peer that predates counts gives no total, and the pull still ends
 * at 100%; a pull cut short ends with a done event that did not complete; and a long catch-up
 * reports the entries it replays out of what it lacked, page by page.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registry } from '../../generated/index.js';
import { decodeEnvelope, encodeEnvelope } from '../../runtime/protocol/wire-codec.js';
import type { PeerSyncOptions } from '../../runtime/sync/options.js';
import type { SyncProgress } from '../../runtime/sync/progress.js';
import type { Transport } from '../../runtime/transports/transport.js';
import { DEVICE_A, DEVICE_B, NOW, readRows, type ExampleLibrary } from '../support/libraries.js';
import { SimulatedFleet, type Device, type FleetOptions } from '../support/sync-harness.js';

type Event = SyncProgress & { readonly at: number };

/** The device's own record, tags (some deleted: tombstones), a location and its entries. */
function populate(device: Device): void {
  device.library.transact((tx) => tx.device.create({ name: 'a', os: 'linux', createdAt: NOW }));
  const tags = device.library.transact((tx) => Array.from({ length: 30 }, (_, index) => tx.tag.create({ name: `tag ${index}`, createdAt: NOW })));
  device.library.transact((tx) => {
    for (const tag of tags.slice(0, 5)) tx.tag.delete(tag.id);
  });
  const location = device.library.transact((tx) => tx.location.create({ name: 'Photos', path: '/photos', createdAt: NOW }));
  device.library.transact((tx) => {
    for (let index = 0; index < 12; index += 1)
      tx.entry.create({ locationId: location.id, name: `IMG_${index}.jpg`, kind: 'file', sizeBytes: 1, modifiedAt: NOW });
  });
}

/** What a library's snapshot pages hold, counted here apart from the runtime: every model's rows, and the tombstones. */
function recordsHeld(library: ExampleLibrary): number {
  const count = (sql: string) => (readRows(library, sql)[0] as { n: number }).n;
  let total = count('SELECT count(*) AS n FROM _sync_tombstone');
  for (const adapter of Object.values(registry.models) as { table: string }[]) total += count(`SELECT count(*) AS n FROM "${adapter.table}"`);
  return total;
}

/** A fleet with A populated, and B new: it pulls a snapshot from A, its progress events collected. */
async function pull(seed: number, sync: Partial<PeerSyncOptions>, options: Partial<FleetOptions> = {}) {
  const fleet = await SimulatedFleet.create(1, { seed, ...options, sync: { snapshotLag: 5, pageSize: 8, ...sync } });
  const a = fleet.device(DEVICE_A);
  populate(a);
  const b = await fleet.add(DEVICE_B);
  const events: Event[] = [];
  b.sync.onProgress((progress) => events.push({ ...progress, at: fleet.network.scheduler.now() }));
  return { fleet, a, b, events, expected: recordsHeld(a.library) };
}

/** Received never goes down, the total never changes once known, and one done event ends it. */
function assertMonotone(events: readonly Event[]): void {
  for (let index = 1; index < events.length; index += 1) assert.ok(events[index]!.received >= events[index - 1]!.received, `received at ${index}`);
  const totals = new Set(events.slice(0, -1).flatMap((event) => (event.total === null ? [] : [event.total])));
  assert.ok(totals.size <= 1, `one total: ${[...totals]}`);
  assert.equal(
    events.map((event) => event.done),
    [...events.slice(1).map(() => false), true],
  );
}

test('a snapshot pull: records out of the counted total, every page, ending exactly at it', async () => {
  const { fleet, b, events, expected } = await pull(401, { statusIntervalMs: 0 });
  const requests: boolean[] = [];
  const responses: boolean[] = [];
  fleet.network.observe((_from, _to, frame) => {
    const { message } = decodeEnvelope(frame);
    if (message.type === 'StateRequest') requests.push(message.counts === true);
    if (message.type === 'StateResponse') responses.push(message.counts !== undefined);
  });
  try {
    assert.ok(await fleet.settle());
    const startedAt = events[0]!.startedAt;
    assert.equal(events[0], {
      peer: DEVICE_A,
      kind: 'snapshot',
      received: 0,
      total: null,
      startedAt,
      remainingMs: null,
      done: false,
      completed: false,
      at: startedAt,
    });
    assert.equal(events.at(-1), {
      peer: DEVICE_A,
      kind: 'snapshot',
      received: expected,
      total: expected,
      startedAt,
      remainingMs: 0,
      done: true,
      completed: true,
      at: events.at(-1)!.at,
    });
    assert.is(expected, 1 + 25 + 5 + 1 + 12);
    assert.ok(events.slice(1, -1).every((event) => event.total === expected && event.kind === 'snapshot' && event.peer === DEVICE_A));
    assertMonotone(events);
    // Every page is an event here (no throttle): the start, one per page, the end.
    assert.is(events.length, 2 + requests.length);
    assert.equal(requests, [true, ...requests.slice(1).map(() => false)], 'counts asked with the first page only');
    assert.equal(responses, [true, ...responses.slice(1).map(() => false)], 'and answered to it only');
    assert.is(b.sync.status().peers[DEVICE_A]!.progress, null);
  } finally {
    await fleet.close();
  }
});

test('throttled: at most one event per statusIntervalMs, the last one always sent', async () => {
  const { fleet, events, expected } = await pull(402, { pageSize: 4 }, { faults: { minDelayMs: 40, maxDelayMs: 40 } });
  try {
    assert.ok(await fleet.settle());
    assert.ok(events.length >= 3, `${events.length} events`);
    for (let index = 1; index < events.length - 1; index += 1) {
      const gap = events[index]!.at - events[index - 1]!.at;
      assert.ok(gap >= 250, `event ${index} ${gap} ms after the one before`);
    }
    assertMonotone(events);
    const last = events.at(-1)!;
    assert.equal([last.received, last.total, last.done, last.completed], [expected, expected, true, true]);
    const middle = events[1]!;
    assert.ok(middle.remainingMs !== null && middle.remainingMs > 0, 'an estimate from the rate so far');
  } finally {
    await fleet.close();
  }
});

/** A's transport as a device whose runtime predates counts sends: StateResponses without them. */
function withoutCounts(transport: Transport): Transport {
  return {
    setHandlers: (handlers) => transport.setHandlers(handlers),
    start: () => transport.start(),
    send: (peer, frame) => {
      const envelope = decodeEnvelope(frame);
      if (envelope.message.type !== 'StateResponse' || envelope.message.counts === undefined) return transport.send(peer, frame);
      const { counts: _dropped, ...message } = envelope.message;
      return transport.send(peer, encodeEnvelope({ ...envelope, message }));
    },
    disconnect: (peer, reason, code) => transport.disconnect(peer, reason, code),
    close: () => transport.close(),
  };
}

test('a peer that predates counts: no total until the pull completes, then 100%', async () => {
  const wrapTransport = (device: string, transport: Transport) => (device === DEVICE_A ? withoutCounts(transport) : transport);
  const { fleet, events, expected } = await pull(403, { statusIntervalMs: 0 }, { wrapTransport });
  try {
    assert.ok(await fleet.settle());
    assert.ok(events.slice(0, -1).every((event) => event.total === null && event.remainingMs === null));
    assertMonotone(events);
    const last = events.at(-1)!;
    assert.equal([last.received, last.total, last.remainingMs, last.done, last.completed], [expected, expected, 0, true, true]);
  } finally {
    await fleet.close();
  }
});

test('a pull cut short ends with a done event that did not complete; the next pull completes', async () => {
  const { fleet, events, expected } = await pull(404, { statusIntervalMs: 0, pageSize: 4 }, { faults: { minDelayMs: 20, maxDelayMs: 20 } });
  const { scheduler } = fleet.network;
  try {
    assert.ok(await scheduler.runUntil(() => events.some((event) => event.received > 0), 10_000));
    fleet.network.partition([DEVICE_A], [DEVICE_B]);
    await scheduler.advance(100);
    const cut = events.findIndex((event) => event.done);
    assert.ok(cut > 0);
    assert.equal([events[cut]!.done, events[cut]!.completed], [true, false]);
    assert.ok(events[cut]!.received > 0 && events[cut]!.received < expected);
    fleet.network.heal();
    assert.ok(await fleet.settle());
    const again = events.slice(cut + 1);
    assert.equal([again[0]!.received, again[0]!.done], [0, false]);
    assertMonotone(again);
    assert.equal([again.at(-1)!.received, again.at(-1)!.total, again.at(-1)!.completed], [expected, expected, true]);
  } finally {
    await fleet.close();
  }
});

test('a long catch-up: entries replayed out of those lacking when it began', async () => {
  const fleet = await SimulatedFleet.create(2, { seed: 405, sync: { pageSize: 16, window: 16, snapshotLag: 100_000, statusIntervalMs: 0 } });
  const [a, b] = fleet.devices as [Device, Device];
  const events: Event[] = [];
  b.sync.onProgress((progress) => events.push({ ...progress, at: fleet.network.scheduler.now() }));
  try {
    assert.ok(await fleet.settle());
    fleet.network.partition([DEVICE_A], [DEVICE_B]);
    for (let batch = 0; batch < 5; batch += 1) {
      a.library.transact((tx) => {
        for (let index = 0; index < 20; index += 1) tx.tag.create({ name: `tag ${batch}.${index}`, createdAt: NOW });
      });
    }
    await fleet.network.scheduler.advance(10);
    assert.equal(events, []);
    fleet.network.heal();
    assert.ok(await fleet.settle());
    await fleet.network.scheduler.advance(10); // B acknowledges the last page on its next turn
    assert.equal([events[0]!.kind, events[0]!.received, events[0]!.total, events[0]!.done], ['catch-up', 0, 100, false]);
    assertMonotone(events);
    // A sends a page (16 entries: its window) per ack: an event each.
    assert.equal(
      events.map((event) => event.received),
      [0, 16, 32, 48, 64, 80, 96, 100, 100],
    );
    assert.equal([events.at(-1)!.received, events.at(-1)!.total, events.at(-1)!.completed], [100, 100, true]);
    assert.is(b.sync.status().peers[DEVICE_A]!.progress, null);
    assert.equal(a.sync.status().peers[DEVICE_B]!.progress, null, 'A lacked nothing');
  } finally {
    await fleet.close();
  }
});

test.run();
