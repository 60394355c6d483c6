/**
 * Sync scenarios on the simulated network (virtual time, seeded): state-based and log-based sync,
 * partition recovery with deletes, exact resume, relay by a third device, crash and restart,
 * pruning with snapshot catch-up, missing records requested, and lossy links.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChangeEntry } from '../../runtime/core/change-entry.js';
import { PROTOCOL_VERSION, type SyncMessage } from '../../runtime/protocol/messages.js';
import { decodeEnvelope, encodeEnvelope } from '../../runtime/protocol/wire-codec.js';
import { syncPortOf } from '../../runtime/library/library.js';
import { DEVICE_A, DEVICE_B, DEVICE_C, heldEntries, NOW, syncedState } from '../support/libraries.js';
import { assertConverged, SimulatedFleet, type Device } from '../support/sync-harness.js';

/** The entries carried by the frames `from` delivered to `to`, in delivery order. */
function recordEntries(fleet: SimulatedFleet, from: string, to: string): ChangeEntry[] {
  const entries: ChangeEntry[] = [];
  fleet.network.observe((sender, receiver, frame) => {
    if (sender !== from || receiver !== to) return;
    const { message } = decodeEnvelope(frame);
    if ('entries' in message) entries.push(...message.entries);
    if ('entry' in message) entries.push(message.entry);
  });
  return entries;
}

/** Sends one message from a device's transport, as its sync engine would. */
function sendMessage(device: Device, peer: string, message: SyncMessage): Promise<void> {
  return device.transport.send(
    peer,
    encodeEnvelope({ version: PROTOCOL_VERSION, libraryId: device.library.libraryId, schema: syncPortOf(device.library).schema, message }),
  );
}

function seedFiles(device: Device, entries = 3) {
  device.library.transact((tx) => tx.device.create({ name: device.id.slice(0, 8), os: 'linux', createdAt: NOW }));
  const location = device.library.transact((tx) => tx.location.create({ name: 'Photos', path: '/photos', createdAt: NOW }));
  const files = device.library.transact((tx) =>
    Array.from({ length: entries }, (_, index) =>
      tx.entry.create({ locationId: location.id, name: `IMG_${index}.jpg`, kind: 'file', sizeBytes: 1000 + index, modifiedAt: NOW }),
    ),
  );
  return { location, files };
}

test('1. state-based: A creates a Location with Entries, B holds identical rows', async () => {
  const fleet = await SimulatedFleet.create(2, { seed: 1 });
  const [a, b] = fleet.devices as [Device, Device];
  const { location, files } = seedFiles(a, 5);
  assert.ok(await fleet.settle());
  assert.equal(b.library.get('location', location.id), location);
  assert.equal(
    files.map((file) => b.library.get('entry', file.id)),
    files,
  );
  assertConverged(fleet.devices, assert.equal);
  assert.is(b.sync.metrics().peers[DEVICE_A]!.applied, 7, 'the device record, the location and five entries');
  await fleet.close();
});

test('2. log-based conflict: concurrent edits of one Tag converge to the HLC winner per field', async () => {
  const fleet = await SimulatedFleet.create(2, { seed: 2 });
  const [a, b] = fleet.devices as [Device, Device];
  const tag = a.library.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));
  assert.ok(await fleet.settle());
  fleet.network.partition([DEVICE_A], [DEVICE_B]);
  await fleet.network.scheduler.advance(50);
  a.library.transact((tx) => tx.tag.update(tag.id, { name: 'from A', color: '#aaaaaa' }));
  await fleet.network.scheduler.advance(5);
  b.library.transact((tx) => tx.tag.update(tag.id, { name: 'from B', icon: 'star' }));
  fleet.network.heal();
  assert.ok(await fleet.settle());
  const expected = { ...tag, name: 'from B', color: '#aaaaaa', icon: 'star' };
  assert.equal([a.library.get('tag', tag.id), b.library.get('tag', tag.id)], [expected, expected]);
  assertConverged(fleet.devices, assert.equal);
  await fleet.close();
});

test('3. partition recovery: changes and deletes on both sides, healed: converged, nothing deleted returns', async () => {
  const fleet = await SimulatedFleet.create(2, { seed: 13, faults: { drop: 0.2, duplicate: 0.1, minDelayMs: 1, maxDelayMs: 30 } });
  const [a, b] = fleet.devices as [Device, Device];
  const { files } = seedFiles(a, 4);
  const tags = a.library.transact((tx) => ['one', 'two', 'three'].map((name) => tx.tag.create({ name, createdAt: NOW })));
  assert.ok(await fleet.settle());
  fleet.network.partition([DEVICE_A], [DEVICE_B]);
  await fleet.network.scheduler.advance(100);
  a.library.transact((tx) => {
    tx.entry.delete(files[0]!.id);
    tx.tag.update(tags[1]!.id, { color: '#111111' });
    tx.tag.delete(tags[2]!.id);
  });
  b.library.transact((tx) => {
    tx.tagOnEntry.create({ tagId: tags[0]!.id, entryId: files[0]!.id, addedAt: NOW });
    tx.tag.update(tags[2]!.id, { name: 'edited while deleted elsewhere' });
    tx.tag.delete(tags[1]!.id);
    tx.album.create({ name: 'Made on B', coverEntryId: files[0]!.id, createdAt: NOW, updatedAt: NOW });
  });
  fleet.network.heal();
  assert.ok(await fleet.settle());
  assertConverged(fleet.devices, assert.equal);
  for (const device of [a, b]) {
    assert.equal(
      [device.library.get('entry', files[0]!.id), device.library.get('tag', tags[1]!.id), device.library.get('tag', tags[2]!.id)],
      [undefined, undefined, undefined],
    );
    assert.equal(syncedState(device.library).tag_on_entry, [], 'the link to a deleted entry went with it');
    assert.equal(
      syncedState(device.library).album!.map((album) => album.coverEntryId),
      [null],
    );
  }
  const retried = a.sync.metrics().total.retried + b.sync.metrics().total.retried;
  assert.ok(fleet.network.stats.dropped > 0 && retried > 0, 'lost frames were retried');
  await fleet.close();
});

test('4. partial resume: 1000 changes, disconnected at 500, the transfer resumes at 501 with nothing sent twice', async () => {
  const fleet = await SimulatedFleet.create(2, { seed: 4, sync: { pageSize: 100, window: 100 } });
  const [a, b] = fleet.devices as [Device, Device];
  fleet.network.partition([DEVICE_A], [DEVICE_B]);
  for (let index = 0; index < 1000; index += 1) a.library.transact((tx) => tx.tag.create({ name: `tag ${index}`, createdAt: NOW }));
  fleet.network.heal();
  assert.ok(await fleet.network.scheduler.runUntil(() => b.library.outbox.cursors().get(DEVICE_A) === 500, 60_000));
  fleet.network.partition([DEVICE_A], [DEVICE_B]);
  await fleet.network.scheduler.advance(1000);
  assert.is(b.library.outbox.cursors().get(DEVICE_A), 500, 'nothing more arrived while disconnected');
  const resent = recordEntries(fleet, DEVICE_A, DEVICE_B);
  fleet.network.heal();
  assert.ok(await fleet.settle());
  assert.equal(
    resent.map((entry) => entry.seq),
    Array.from({ length: 500 }, (_, index) => 501 + index),
    'exactly 501..1000, once each',
  );
  assert.is(heldEntries(b.library).length, 1000);
  assert.is(syncedState(b.library).tag!.length, 1000);
  assertConverged(fleet.devices, assert.equal);
  await fleet.close();
});

test('5. three devices: the origin goes offline after B got its changes; C receives them from B', async () => {
  const fleet = await SimulatedFleet.create(3, { seed: 5 });
  const [a, b, c] = fleet.devices as [Device, Device, Device];
  fleet.network.partition([DEVICE_A, DEVICE_B], [DEVICE_C]);
  seedFiles(a, 3);
  a.library.transact((tx) => tx.tag.create({ name: 'from A', createdAt: NOW }));
  assert.ok(await fleet.network.scheduler.runUntil(() => b.library.outbox.cursors().get(DEVICE_A) === 6, 10_000));
  await fleet.crash(DEVICE_A);
  const relayed = recordEntries(fleet, DEVICE_B, DEVICE_C);
  fleet.network.heal();
  assert.ok(await fleet.settle());
  assert.equal(c.library.outbox.cursors().get(DEVICE_A), 6);
  assert.equal(
    relayed.filter((entry) => entry.origin === DEVICE_A).map((entry) => entry.seq),
    [1, 2, 3, 4, 5, 6],
  );
  assertConverged([b, c], assert.equal);
  await fleet.close();
});

test('6. a device crashes mid-sync and restarts from its files: nothing lost, nothing duplicated', async () => {
  const fleet = await SimulatedFleet.create(2, { seed: 6, sync: { pageSize: 50, window: 50 }, faults: { minDelayMs: 1, maxDelayMs: 10 } });
  const [a] = fleet.devices as [Device, Device];
  fleet.network.partition([DEVICE_A], [DEVICE_B]);
  for (let index = 0; index < 300; index += 1) a.library.transact((tx) => tx.collection.create({ name: `c${index}`, createdAt: NOW }));
  fleet.network.heal();
  assert.ok(await fleet.network.scheduler.runUntil(() => (fleet.device(DEVICE_B).library.outbox.cursors().get(DEVICE_A) ?? 0) >= 120, 60_000));
  await fleet.crash(DEVICE_B);
  await fleet.network.scheduler.advance(500);
  a.library.transact((tx) => tx.collection.create({ name: 'while B was down', createdAt: NOW }));
  await fleet.crash(DEVICE_A);
  await fleet.restart(DEVICE_A);
  await fleet.restart(DEVICE_B);
  assert.ok(await fleet.settle());
  const b = fleet.device(DEVICE_B);
  assert.is(heldEntries(b.library).length, 301);
  assert.is(syncedState(b.library).collection!.length, 301);
  assertConverged(fleet.live(), assert.equal);
  await fleet.close();
});

test('pruning: entries every peer acked leave the log; a device back after the retention horizon catches up from a snapshot', async () => {
  const retentionMs = 60_000;
  const fleet = await SimulatedFleet.create(3, { seed: 7, sync: { retentionMs, pruneEveryMs: 5000 } });
  const [a, b] = fleet.devices as [Device, Device, Device];
  const { files } = seedFiles(a, 3);
  const tag = b.library.transact((tx) => tx.tag.create({ name: 'before', createdAt: NOW }));
  assert.ok(await fleet.settle());
  await fleet.crash(DEVICE_C);
  a.library.transact((tx) => {
    tx.entry.delete(files[0]!.id);
    tx.tag.update(tag.id, { name: 'after' });
  });
  const album = b.library.transact((tx) => tx.album.create({ name: 'while C was away', coverEntryId: files[1]!.id, createdAt: NOW, updatedAt: NOW }));
  await fleet.network.scheduler.advance(retentionMs + 20_000);
  assert.ok(heldEntries(a.library).length < 9, 'acknowledged entries were pruned');
  assert.ok((syncPortOf(a.library).pruneFloor().get(DEVICE_A) ?? 0) > 0);
  const c = await fleet.restart(DEVICE_C);
  assert.ok(await fleet.settle());
  assertConverged(fleet.live(), assert.equal);
  assert.equal(
    [c.library.get('entry', files[0]!.id), c.library.get('tag', tag.id)!.name, c.library.get('album', album.id)!.name],
    [undefined, 'after', 'while C was away'],
  );
  await fleet.close();
});

test('a change whose referent has not arrived is parked, the referent is requested, and the change applies', async () => {
  const fleet = await SimulatedFleet.create(2, { seed: 8 });
  const [a, b] = fleet.devices as [Device, Device];
  fleet.network.partition([DEVICE_A], [DEVICE_B]);
  const tag = a.library.transact((tx) => tx.tag.create({ name: 'parent', createdAt: NOW }));
  const { files } = seedFiles(a, 1);
  const link = a.library.transact((tx) => tx.tagOnEntry.create({ tagId: tag.id, entryId: files[0]!.id, addedAt: NOW }));
  // B gets only the link, out of band, so it parks; then the network heals.
  b.library.applyChanges(heldEntries(a.library).slice(-1));
  assert.is(b.library.parkedCount, 1);
  const requests: string[] = [];
  fleet.network.observe((from, _to, frame) => {
    const { message } = decodeEnvelope(frame);
    if (message.type === 'RecordRequest') requests.push(`${from.slice(0, 8)}:${message.records.map((item) => item.model).join(',')}`);
  });
  fleet.network.heal();
  assert.ok(await fleet.settle());
  assert.ok(requests.length >= 1 && requests[0]!.startsWith('0000000b:'), 'B asked A for the missing records');
  assert.equal(b.library.get('tagOnEntry', link.id), link);
  assertConverged(fleet.devices, assert.equal);
  await fleet.close();
});

test('a device reinstalled with its old id and an empty library backfills everything (its acks went back)', async () => {
  const fleet = await SimulatedFleet.create(2, { seed: 14 });
  const [a] = fleet.devices as [Device, Device];
  seedFiles(a, 5);
  assert.ok(await fleet.settle());
  await fleet.network.scheduler.advance(2000);
  await fleet.crash(DEVICE_B);
  const reinstalled = await fleet.add(DEVICE_B);
  assert.ok(await fleet.settle(20_000));
  assert.is(heldEntries(reinstalled.library).length, 7);
  assertConverged(fleet.live(), assert.equal);
  await fleet.close();
});

test('a new device joining late backfills everything from its peers', async () => {
  const fleet = await SimulatedFleet.create(2, { seed: 9 });
  const [a, b] = fleet.devices as [Device, Device];
  seedFiles(a, 10);
  b.library.transact((tx) => tx.tag.create({ name: 'from B', createdAt: NOW }));
  assert.ok(await fleet.settle());
  const c = await fleet.add(DEVICE_C);
  assert.ok(await fleet.settle());
  assert.equal(c.library.outbox.cursors(), a.library.outbox.cursors());
  assertConverged(fleet.devices, assert.equal);
  await fleet.close();
});

test('a burst of small commits is batched into few frames', async () => {
  const fleet = await SimulatedFleet.create(2, { seed: 10, sync: { batchSize: 64, batchDelayMs: 5 } });
  const [a, b] = fleet.devices as [Device, Device];
  await fleet.network.scheduler.advance(10);
  assert.equal(a.sync.connectedPeers(), [DEVICE_B]);
  const frames: number[] = [];
  fleet.network.observe((from, _to, frame) => {
    const { message } = decodeEnvelope(frame);
    if (from === DEVICE_A && 'entries' in message && message.type !== 'SharedChangeResponse') frames.push(message.entries.length);
  });
  for (let index = 0; index < 100; index += 1) a.library.transact((tx) => tx.tag.create({ name: `t${index}`, createdAt: NOW }));
  assert.ok(await fleet.settle());
  assert.equal(frames, [64, 36], 'flushed at 64 entries, then the rest after the delay');
  assert.is(syncedState(b.library).tag!.length, 100);
  await fleet.close();
});

test('the handler answers SharedChangeRequest and StateRequest; an unknown model gets an Error reply', async () => {
  const fleet = await SimulatedFleet.create(2, { seed: 11 });
  const [a, b] = fleet.devices as [Device, Device];
  fleet.network.partition([DEVICE_A], [DEVICE_B]);
  seedFiles(a, 2);
  const replies: string[] = [];
  fleet.network.observe((from, _to, frame) => {
    const { message } = decodeEnvelope(frame);
    if (from !== DEVICE_A) return;
    if (message.type === 'SharedChangeResponse')
      replies.push(`${message.type} ${message.entries.map((entry) => entry.seq).join(',')} complete=${message.complete}`);
    if (message.type === 'StateResponse') replies.push(`${message.type} model ${message.model}: ${message.records.length} records, next ${message.next}`);
    if (message.type === 'Error') replies.push(`${message.type} ${message.code}: ${message.message}`);
  });
  fleet.network.heal();
  await fleet.network.scheduler.advance(1);
  await sendMessage(b, DEVICE_A, { type: 'SharedChangeRequest', after: new Map([[DEVICE_A, 2]]), limit: 2 });
  await sendMessage(b, DEVICE_A, { type: 'StateRequest', model: 4, after: null, limit: 10 });
  await sendMessage(b, DEVICE_A, { type: 'StateRequest', model: 999, after: null, limit: 10 });
  assert.ok(await fleet.settle());
  await fleet.network.scheduler.advance(100);
  assert.equal(replies, [
    'SharedChangeResponse 3,4 complete=false',
    'StateResponse model 4: 2 records, next null',
    'Error unknown-model: StateRequest for unknown model 999',
  ]);
  assert.is(a.sync.metrics().peers[DEVICE_B]!.refused, 1);
  await fleet.close();
});

test('a message for another library, and changes with a clock beyond the drift bound, get an Error reply and a metric', async () => {
  const fleet = await SimulatedFleet.create(1, { seed: 12 });
  const [a] = fleet.devices as [Device];
  const ahead = await fleet.add(DEVICE_B, undefined, { clockOffsetMs: 10 * 60_000 });
  const errors: string[] = [];
  fleet.network.observe((from, _to, frame) => {
    const { message } = decodeEnvelope(frame);
    if (from === DEVICE_A && message.type === 'Error') errors.push(`${message.code}: ${message.message.slice(0, 40)}`);
  });
  ahead.library.transact((tx) => tx.tag.create({ name: 'from the future', createdAt: NOW }));
  await fleet.network.scheduler.advance(100);
  const foreign = encodeEnvelope({
    version: PROTOCOL_VERSION,
    libraryId: '00000000-0000-4000-8000-0000000000ff',
    schema: syncPortOf(a.library).schema,
    message: { type: 'Heartbeat', watermark: new Map(), sentAt: 0, floor: new Map() },
  });
  await ahead.transport.send(DEVICE_A, foreign);
  await fleet.network.scheduler.advance(100);
  assert.equal(errors.slice(0, 2), ['clock-drift: 1 of 1 entries refused; first: clock of ', 'wrong-library: message for library 00000000-0000-4000-8']);
  assert.equal(syncedState(a.library).tag, [], 'nothing from the future was applied');
  // The sender keeps retrying the refused change, so each retry is refused and answered again.
  assert.is(a.sync.metrics().peers[DEVICE_B]!.refused, errors.length);
  assert.ok(errors.slice(2).every((error) => error.startsWith('clock-drift')));
  await fleet.close();
});

test('received changes are applied at once and acknowledged only after a commit that waits for the disk', async () => {
  const fleet = await SimulatedFleet.create(2, { seed: 11 });
  const [a, b] = fleet.devices as [Device, Device];
  assert.ok(await fleet.settle());
  const events: string[] = [];
  const apply = b.library.applyChanges.bind(b.library);
  b.library.applyChanges = (entries, options) => {
    events.push(`apply durable=${String(options?.durable ?? true)}`);
    return apply(entries, options);
  };
  const makeDurable = b.library.makeDurable.bind(b.library);
  b.library.makeDurable = () => {
    events.push('durable');
    makeDurable();
  };
  fleet.network.observe((from, _to, frame) => {
    const { message } = decodeEnvelope(frame);
    if (from === DEVICE_B && message.type === 'AckSharedChanges') events.push(`ack ${message.upTo.get(DEVICE_A)}`);
  });
  a.library.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));
  const seq = a.library.outbox.cursors().get(DEVICE_A)!;
  assert.ok(await fleet.settle());
  await fleet.network.scheduler.advance(50);
  assert.equal(events.slice(0, 3), ['apply durable=false', 'durable', `ack ${seq}`]);
  await fleet.close();
});

test('the simulated network is deterministic: the same seed gives the same run', async () => {
  const run = async () => {
    const fleet = await SimulatedFleet.create(3, { seed: 13, faults: { drop: 0.3, duplicate: 0.2, minDelayMs: 1, maxDelayMs: 40 } });
    for (const device of fleet.devices) seedFiles(device, 4);
    fleet.network.partition([DEVICE_A, DEVICE_B], [DEVICE_C]);
    await fleet.network.scheduler.advance(300);
    fleet.network.heal();
    assert.ok(await fleet.settle());
    // Record ids are random UUIDs made by the app, so the data differs between runs; the run does not.
    const digests = new Set(fleet.devices.map((device) => device.library.digest()));
    const outcome = { stats: { ...fleet.network.stats }, now: fleet.network.scheduler.now(), converged: digests.size === 1 };
    await fleet.close();
    return outcome;
  };
  const first = await run();
  assert.equal(await run(), first);
  assert.is(first.converged, true);
  assert.ok(first.stats.dropped > 0 && first.stats.duplicated > 0);
});

test.run();
