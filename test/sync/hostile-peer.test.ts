/**
 * One authenticated peer that sends what no honest device sends, on the simulated network: entries
 * in the receiver's own name, a different version of an entry held, responses nobody asked for, records not asked for inside a response
 * that was, copies of answers already merged, snapshot pages that carry records of another model.
 * Each is refused with its code (or dropped as late), counted per peer, logged with the peer, told
 * to the peer, and never merged; the receiver's own data and seqs stay as they were.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registry } from '../../generated/index.js';
import type { ChangeEntry } from '../../runtime/core/change-entry.js';
import { decodeHlc, encodeHlc } from '../../runtime/core/hlc.js';
import type { SnapshotRecord } from '../../runtime/core/snapshot-record.js';
import { syncPortOf } from '../../runtime/library/library.js';
import type { SyncEvent } from '../../runtime/sync/options.js';
import { DEVICE_A, DEVICES, heldEntries, NOW, openDevice, syncedState } from '../support/libraries.js';
import { RawPeer } from '../support/raw-peer.js';
import { SimulatedFleet, type Device } from '../support/sync-harness.js';

const HOSTILE = '0000000e-0000-4000-8000-00000000000e';

async function setup(seed: number) {
  const events: SyncEvent[] = [];
  const fleet = await SimulatedFleet.create(1, { seed, sync: { log: (event) => events.push(event) } });
  const device = fleet.devices[0]! as Device;
  const peer = new RawPeer(HOSTILE, fleet.network.transport(HOSTILE));
  await peer.start();
  // Past the first answer timeout of the connection: early, a response may answer a request made before it.
  await fleet.network.scheduler.advance(1100);
  assert.ok(peer.connected.has(DEVICE_A));
  const tag = device.library.transact((tx) => tx.tag.create({ name: 'kept', createdAt: NOW }));
  const run = (ms = 500) => fleet.network.scheduler.advance(ms);
  const metrics = () => device.sync.metrics().peers[HOSTILE]!;
  const warnings = () => events.filter((event) => event.level === 'warn').map((event) => `${event.peer === HOSTILE ? 'H' : event.peer} ${event.event}`);
  const errors = () => peer.messages('Error').map((message) => message.code);
  return { fleet, device, peer, tag, run, metrics, warnings, errors, events };
}

/** A Tag's tombstone, deleted by the hostile peer: what a forged response would carry. */
function tombstone(record: string, clock = encodeHlc({ wallMs: 1000, counter: 0, device: HOSTILE })): SnapshotRecord {
  return { model: registry.models.tag.id, record, deleted: true, deleteClock: clock, values: null, clocks: null, version: null, devices: [] };
}

test("entries in the receiver's own name: refused (own-origin), counted, logged, told; its seqs stay its own", async () => {
  const { fleet, device, peer, tag, run, metrics, warnings, errors } = await setup(61);
  const [own] = heldEntries(device.library) as [ChangeEntry];
  const clock = decodeHlc(own.hlc);
  const fresh: ChangeEntry = { ...own, seq: 2, record: '00000000-0000-4000-8000-0000000000f3', hlc: encodeHlc({ ...clock, wallMs: clock.wallMs + 1 }) };
  const altered: ChangeEntry = { ...own, data: { ...own.data, name: 'forged' } };
  await peer.send(DEVICE_A, { type: 'SharedChange', entry: fresh });
  await peer.send(DEVICE_A, { type: 'SharedChangeBatch', entries: [altered, own] });
  await run();
  assert.equal([metrics().ownOrigin, metrics().refused, metrics().applied], [3, 3, 0]);
  assert.equal(warnings(), ['H refused (own-origin)', 'H refused (own-origin)']);
  assert.equal(errors(), ['own-origin', 'own-origin']);
  assert.is(device.library.get('tag', tag.id)!.name, 'kept');
  assert.is(device.library.outbox.cursors().get(DEVICE_A), 1);
  device.library.transact((tx) => tx.tag.update(tag.id, { name: 'second' }));
  assert.equal(
    heldEntries(device.library).map((entry) => [entry.origin, entry.seq, entry.record]),
    [
      [DEVICE_A, 1, tag.id],
      [DEVICE_A, 2, tag.id],
    ],
  );
  await fleet.close();
});

test('equivocation: a different version of an entry held is refused and reported naming the peer; the first is kept', async () => {
  const { fleet, device, peer, run, metrics, warnings, errors, events } = await setup(66);
  const other = await openDevice(DEVICES[1], { now: () => fleet.network.scheduler.now() });
  const tag = other.transact((tx) => tx.tag.create({ name: 'first', createdAt: NOW }));
  const [held] = heldEntries(other) as [ChangeEntry];
  device.library.applyChanges([held]);
  await peer.send(DEVICE_A, { type: 'SharedChange', entry: { ...held, data: { ...held.data, name: 'second' } } });
  await run();
  assert.equal([metrics().equivocations, metrics().refused], [1, 1]);
  assert.equal(warnings(), ['H refused (equivocation)']);
  assert.match(
    events.find((event) => event.event === 'refused (equivocation)')!.detail,
    `entry ${DEVICES[1]}#1 from peer ${HOSTILE} differs from the one held`,
  );
  assert.equal(errors(), ['equivocation']);
  assert.is(device.library.get('tag', tag.id)!.name, 'first');
  other.close();
  await fleet.close();
});

test('responses nobody asked for: a RecordResponse and a StateResponse are refused (unsolicited-response) and never merged', async () => {
  const { fleet, device, peer, tag, run, metrics, warnings, errors } = await setup(62);
  const before = syncedState(device.library);
  await peer.send(DEVICE_A, { type: 'RecordResponse', records: [tombstone(tag.id)] });
  await peer.send(DEVICE_A, {
    type: 'StateResponse',
    model: registry.models.tag.id,
    records: [tombstone(tag.id)],
    next: null,
    reflects: new Map([[HOSTILE, 5]]),
  });
  await run();
  assert.equal([metrics().unsolicited, metrics().refused, metrics().late], [2, 2, 0]);
  assert.equal(warnings(), ['H refused (unsolicited-response)', 'H refused (unsolicited-response)']);
  assert.equal(errors(), ['unsolicited-response', 'unsolicited-response']);
  assert.equal(syncedState(device.library), before, 'the Tag lives');
  assert.is(device.library.outbox.cursors().get(HOSTILE), undefined, 'nothing claimed');
  await fleet.close();
});

test('early on a connection, a response that answers nothing is late (it may answer a request made before), not merged', async () => {
  const events: SyncEvent[] = [];
  const fleet = await SimulatedFleet.create(1, { seed: 65, sync: { log: (event) => events.push(event) } });
  const device = fleet.devices[0]!;
  const tag = device.library.transact((tx) => tx.tag.create({ name: 'kept', createdAt: NOW }));
  const peer = new RawPeer(HOSTILE, fleet.network.transport(HOSTILE));
  await peer.start();
  await fleet.network.scheduler.advance(20);
  await peer.send(DEVICE_A, { type: 'RecordResponse', records: [tombstone(tag.id)] });
  await fleet.network.scheduler.advance(20);
  const metrics = device.sync.metrics().peers[HOSTILE]!;
  assert.equal([metrics.late, metrics.unsolicited, metrics.refused], [1, 0, 0]);
  assert.is(device.library.get('tag', tag.id)!.name, 'kept');
  assert.equal(
    events.filter((event) => event.level === 'warn'),
    [],
  );
  await fleet.close();
});

test('a RecordResponse merges only the records asked for; a copy of it after they arrived is late', async () => {
  const { fleet, device, peer, tag, run, metrics, warnings } = await setup(63);
  // The peer's own Tag, created and renamed; the device hears of the rename first, parks it, and asks for the Tag.
  const own = await openDevice(HOSTILE, { now: () => fleet.network.scheduler.now() });
  const created = own.transact((tx) => tx.tag.create({ name: 'theirs', createdAt: NOW }));
  own.transact((tx) => tx.tag.update(created.id, { name: 'renamed' }));
  const [, rename] = heldEntries(own) as [ChangeEntry, ChangeEntry];
  await peer.send(DEVICE_A, { type: 'SharedChange', entry: rename });
  await run();
  assert.is(device.library.parkedCount, 1);
  assert.equal(
    peer.messages('RecordRequest').map((message) => message.records),
    [[{ model: registry.models.tag.id, record: created.id }]],
  );
  // The answer, and a record nobody asked for: the device's own Tag, deleted.
  const response = {
    type: 'RecordResponse' as const,
    records: [...syncPortOf(own).snapshotRecords([{ model: registry.models.tag.id, record: created.id }]), tombstone(tag.id)],
  };
  await peer.send(DEVICE_A, response);
  await run();
  assert.is(device.library.get('tag', created.id)!.name, 'renamed');
  assert.is(device.library.parkedCount, 0);
  assert.is(device.library.get('tag', tag.id)!.name, 'kept', 'the record not asked for was dropped');
  assert.equal([metrics().unsolicited, metrics().late, metrics().refused], [1, 0, 1]);
  // The same response again: the Tag arrived already (late), the other record is still unsolicited.
  await peer.send(DEVICE_A, response);
  await run();
  assert.equal([metrics().unsolicited, metrics().late, metrics().refused], [2, 1, 2]);
  assert.equal(warnings(), ['H refused (unsolicited-response)', 'H refused (unsolicited-response)']);
  own.close();
  await fleet.close();
});

test('a snapshot pull: a copy of a page already merged is late; a page with records of another model claims nothing', async () => {
  const { fleet, device, peer, tag, run, metrics, warnings } = await setup(64);
  // The peer says it pruned its log: the device, behind its floor, pulls a snapshot from it.
  const vector = new Map([[HOSTILE, 20]]);
  await peer.send(DEVICE_A, { type: 'Heartbeat', watermark: vector, sentAt: 0, floor: vector });
  let answered = 0;
  for (let round = 0; round < 40; round += 1) {
    await run(20);
    for (const request of peer.messages('StateRequest').slice(answered)) {
      answered += 1;
      const page = { type: 'StateResponse' as const, model: request.model, records: [] as SnapshotRecord[], next: null, reflects: vector };
      if (request.model === registry.models.tag.id) {
        // The Tag page: a Tag deleted without a clock (refused: nothing cascades to a Tag), and a record of another model (dropped).
        const cascaded = { ...tombstone('ffffffff-0000-4000-8000-000000000001'), deleteClock: null };
        await peer.send(DEVICE_A, { ...page, records: [cascaded, { ...tombstone(tag.id), model: registry.models.album.id }] });
        continue;
      }
      await peer.send(DEVICE_A, page);
      // The first page twice: a duplicate.
      if (answered === 1) await peer.send(DEVICE_A, page);
    }
  }
  await run();
  assert.ok(answered >= registry.dependencyOrder.length, `every model asked (${answered})`);
  assert.is(metrics().late, 1, 'the copy of the first page');
  assert.is(metrics().unsolicited, 1, 'the record of another model');
  assert.equal(warnings(), ['H refused (unsolicited-response)', 'H refused (invalid-change)', 'H snapshot incomplete']);
  assert.is(device.library.outbox.cursors().get(HOSTILE), undefined, 'the pull claimed nothing');
  assert.is(device.library.get('tag', tag.id)!.name, 'kept');
  await fleet.close();
});

test.run();
