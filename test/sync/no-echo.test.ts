/**
 * No echo: an origin is never sent its own entries, and a device never sends a peer the entries it
 * received from that peer. With the engine's default timings (heartbeat 1 s, first retry after
 * 0.5 s), a burst of commits used to come back to its origin: the receiver recorded what it got as
 * sent, the retry timer fired before the origin's heartbeat confirmed it, and all of it was resent.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeEnvelope } from '../../runtime/protocol/wire-codec.js';
import { DEVICE_A, DEVICE_B, DEVICE_C, NOW } from '../support/libraries.js';
import { assertConverged, SimulatedFleet, type Device } from '../support/sync-harness.js';

/** The engine's defaults for every timing the test harness otherwise shortens. */
const DEFAULT_TIMINGS = { heartbeatMs: undefined, retryBaseMs: undefined, retryMaxMs: undefined, batchDelayMs: undefined };

/** Counts, per `from>to` link, the entries of each origin carried by the frames delivered on it. */
function countEntries(fleet: SimulatedFleet): Map<string, number> {
  const counts = new Map<string, number>();
  fleet.network.observe((from, to, frame) => {
    const { message } = decodeEnvelope(frame);
    const entries = 'entries' in message ? message.entries : 'entry' in message ? [message.entry] : [];
    for (const entry of entries) {
      const key = `${from.slice(7, 8)}>${to.slice(7, 8)} origin ${entry.origin.slice(7, 8)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  });
  return counts;
}

/** Twenty Tags committed a few milliseconds apart. */
async function burst(fleet: SimulatedFleet, device: Device): Promise<void> {
  for (let index = 0; index < 20; index += 1) {
    device.library.transact((tx) => tx.tag.create({ name: `tag ${index}`, createdAt: NOW }));
    await fleet.network.scheduler.advance(3);
  }
}

test('an origin is never sent its own entries: A commits 20 Tags, B sends none of them back', async () => {
  const fleet = await SimulatedFleet.create(2, { seed: 21, sync: DEFAULT_TIMINGS });
  const [a, b] = fleet.devices as [Device, Device];
  assert.ok(await fleet.settle());
  const counts = countEntries(fleet);
  await burst(fleet, a);
  assert.ok(await fleet.settle());
  await fleet.network.scheduler.advance(10_000);
  assert.equal(Object.fromEntries(counts), { 'a>b origin a': 20 });
  assert.is(a.sync.metrics().peers[DEVICE_B]!.received, 0, 'A received nothing from B');
  assert.is(b.sync.metrics().total.retried, 0, 'B retried nothing');
  assert.is(a.sync.metrics().total.retried, 0, 'A retried nothing: B acknowledged all of it');
  assertConverged(fleet.devices, assert.equal);
  await fleet.close();
});

test('a relay never sends entries back to the peer they came from: A → B → C', async () => {
  const fleet = await SimulatedFleet.create(3, { seed: 22, sync: DEFAULT_TIMINGS });
  // B reaches both; A and C reach only B.
  fleet.network.partition([DEVICE_A, DEVICE_B], [DEVICE_B, DEVICE_C]);
  assert.ok(await fleet.settle());
  const counts = countEntries(fleet);
  await burst(fleet, fleet.device(DEVICE_A));
  await burst(fleet, fleet.device(DEVICE_C));
  assert.ok(await fleet.settle());
  await fleet.network.scheduler.advance(10_000);
  assert.equal(Object.fromEntries(counts), { 'a>b origin a': 20, 'b>c origin a': 20, 'c>b origin c': 20, 'b>a origin c': 20 });
  for (const device of fleet.devices) assert.is(device.sync.metrics().total.retried, 0, `${device.id} retried nothing`);
  assertConverged(fleet.devices, assert.equal);
  await fleet.close();
});

test.run();
