/**
 * Schema evolution in the field (issue 13), on the simulated network: devices on the two versions
 * of `test/support/evolution.ts` (v2 = v1 and an additive migration) keep syncing, and no history
 * is lost. Exact outcomes:
 * - v1 and v2 devices sync both ways; v2 devices fill what v1 changes lack with defaults;
 * - a v1 device between two v2 devices relays v2-only fields and models unchanged;
 * - the v1 device writing a Tag it shares leaves the v2 fields intact on v2 devices;
 * - the v1 device upgraded (its same directory reopened with v2: the migration runs) holds the
 *   quarantined values with their original clocks: its tables and digest equal the v2 devices';
 * - a v2 device joining late, from a v1 device that pruned its log, catches up by a snapshot and
 *   the log after the v1 device's quarantined entries, and gets everything.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { syncPortOf } from '../../runtime/library/library.js';
import { decodeEnvelope } from '../../runtime/protocol/wire-codec.js';
import { held, quarantinedEntries, quarantinedRecords, rowOf, v1, v2, type V1Library, type V2Library } from '../support/evolution.js';
import { DEVICE_A, DEVICE_B, DEVICE_C, DEVICES, NOW, syncedState } from '../support/libraries.js';
import { assertConverged, SimulatedFleet, type Device } from '../support/sync-harness.js';

const DEVICE_D = DEVICES[3];
const { folder, note, profile, tag } = v2.models;

const asV1 = (device: Device) => device.library as unknown as V1Library;
const asV2 = (device: Device) => device.library as unknown as V2Library;

/** Nothing any device refused from any peer. */
function refusals(fleet: SimulatedFleet): number {
  return fleet.live().reduce((sum, device) => sum + Object.values(device.sync.metrics().peers).reduce((total, peer) => total + peer.refused, 0), 0);
}

test('v1 and v2 devices sync both ways, the v1 device relays what it does not know, upgrades, and ends equal', async () => {
  const fleet = await SimulatedFleet.create(0, { seed: 1301 });
  const a = await fleet.add(DEVICE_A, undefined, { registry: v2 });
  const b = await fleet.add(DEVICE_B, undefined, { registry: v1 });
  const c = await fleet.add(DEVICE_C, undefined, { registry: v2 });
  // C hears of A only through B, the older device.
  fleet.network.partition([DEVICE_A, DEVICE_B], [DEVICE_B, DEVICE_C]);
  const trips = asV2(a).transact((tx) => tx.folder.create({ name: 'Trips' }));
  const sea = asV2(a).transact((tx) => tx.tag.create({ name: 'sea', icon: 'wave', isPinned: true, folderId: trips.id }));
  const ann = asV2(a).transact((tx) => tx.profile.create({ deviceId: DEVICE_A, displayName: 'Ann', status: 'away' }));
  const doc = asV2(a).transact((tx) => tx.note.create({ title: 'Doc', progress: 0.5, lastReadAt: NOW }));
  const work = asV1(b).transact((tx) => tx.tag.create({ name: 'work' }));
  const bob = asV1(b).transact((tx) => tx.profile.create({ deviceId: DEVICE_B, displayName: 'Bob' }));
  assert.ok(await fleet.settle());

  // Both ways: v2 devices read v1's changes with defaults; v1 reads what it knows of v2's.
  for (const device of [a, c]) {
    assert.equal(asV2(device).get('tag', work.id), { ...work, icon: null, isPinned: false, folderId: null });
    assert.equal(asV2(device).get('profile', bob.id), { ...bob, status: null });
  }
  assert.equal(asV1(b).get('tag', sea.id), { id: sea.id, name: 'sea', color: null });
  assert.equal(asV1(b).get('profile', ann.id), { id: ann.id, deviceId: DEVICE_A, displayName: 'Ann' });
  // Relayed unchanged: C holds A's entries as A wrote them, and the same tables.
  assert.equal(
    held(asV2(c)).filter((entry) => entry.origin === DEVICE_A),
    held(asV2(a)).filter((entry) => entry.origin === DEVICE_A),
  );
  assertConverged([a, c], assert.equal);
  assert.equal(quarantinedEntries(asV1(b)), [`${DEVICE_A}#1 model ${folder.id}`]);
  assert.equal(quarantinedRecords(asV1(b)), [`${tag.id} ${sea.id}`, `${profile.id} ${ann.id}`, `${note.id} ${doc.id}`].sort());

  // The v1 device renames the Tag and reads the Note; A changes fields B does not know meanwhile.
  asV1(b).transact((tx) => tx.tag.update(sea.id, { name: 'ocean' }));
  asV1(b).transact((tx) => tx.note.update(doc.id, { progress: 0.75 }));
  asV2(a).transact((tx) => tx.tag.update(sea.id, { icon: 'shell' }));
  asV2(a).transact((tx) => tx.profile.update(ann.id, { status: 'back' }));
  assert.ok(await fleet.settle());
  const [rename] = held(asV1(b)).filter((entry) => entry.origin === DEVICE_B && entry.model === tag.id && entry.kind === 'update');
  assert.equal(rename!.data, { name: 'ocean' }, "the v1 device's write carries only what it changed");
  for (const device of [a, c]) assert.equal(asV2(device).get('tag', sea.id), { ...sea, name: 'ocean', icon: 'shell' });
  assert.equal(rowOf(asV2(a), 'tag', 'id', sea.id)!._hlc_isPinned, null, 'isPinned keeps the create clock');
  assertConverged([a, c], assert.equal);

  // A deletes the Folder (setNull on the Tag); then B's app is upgraded: its directory reopened with v2.
  asV2(a).transact((tx) => tx.folder.delete(trips.id));
  assert.ok(await fleet.settle());
  assert.equal(quarantinedEntries(asV1(b)).length, 2);
  await fleet.crash(DEVICE_B);
  const upgraded = await fleet.restart(DEVICE_B, v2);
  assert.equal(rowOf(asV2(upgraded), 'tag', 'id', sea.id), rowOf(asV2(a), 'tag', 'id', sea.id), 'the quarantined values with their original clocks');
  assert.equal(rowOf(asV2(upgraded), 'profile', 'id', ann.id), rowOf(asV2(a), 'profile', 'id', ann.id));
  assert.equal(syncedState(upgraded.library), syncedState(a.library));
  assert.is(upgraded.library.digest(), a.library.digest());
  assert.equal([quarantinedEntries(asV2(upgraded)), quarantinedRecords(asV2(upgraded))], [[], []]);
  assert.ok(await fleet.settle());
  assertConverged([a, upgraded, c], assert.equal);
  assert.equal(new Set(fleet.live().map((device) => device.library.digest())).size, 1);
  assert.is(refusals(fleet), 0);
  await fleet.close();
});

test('a v2 device joining late catches up from a v1 device (snapshot, then the log after its quarantined entries) and gets everything', async () => {
  const fleet = await SimulatedFleet.create(0, { seed: 1302, sync: { snapshotLag: 4 } });
  const a = await fleet.add(DEVICE_A, undefined, { registry: v2 });
  const b = await fleet.add(DEVICE_B, undefined, { registry: v1 });
  // Written a few at a time, so that B replays A's log (a lag of at most `snapshotLag` entries) rather than pull a snapshot.
  const early = asV2(a).transact((tx) => Array.from({ length: 3 }, (_, index) => tx.tag.create({ name: `early ${index}` })));
  assert.ok(await fleet.settle());
  early.push(...asV2(a).transact((tx) => Array.from({ length: 3 }, (_, index) => tx.tag.create({ name: `early ${index + 3}` }))));
  assert.ok(await fleet.settle());
  const trips = asV2(a).transact((tx) => tx.folder.create({ name: 'Trips' }));
  asV2(a).transact((tx) => tx.tag.update(early[0]!.id, { folderId: trips.id, isPinned: true }));
  const ann = asV2(a).transact((tx) => tx.profile.create({ deviceId: DEVICE_A, displayName: 'Ann', status: 'away' }));
  const doc = asV2(a).transact((tx) => tx.note.create({ title: 'Doc', progress: 0.5, lastReadAt: NOW }));
  asV1(b).transact((tx) => Array.from({ length: 3 }, (_, index) => tx.tag.create({ name: `from b ${index}` })));
  assert.ok(await fleet.settle());
  asV1(b).transact((tx) => tx.note.update(doc.id, { progress: 0.1 }));
  asV2(a).transact((tx) => tx.tag.update(early[1]!.id, { icon: 'star' }));
  assert.ok(await fleet.settle());
  assert.equal(quarantinedEntries(asV1(b)), [`${DEVICE_A}#7 model ${folder.id}`], 'B replayed the log: it holds the Folder insert');
  await fleet.network.scheduler.advance(1000);

  // B prunes what A acknowledged, but not A's Folder insert (held for the upgrade) nor what follows it.
  const port = syncPortOf(b.library);
  const folderSeq = held(asV1(b)).find((entry) => entry.model === folder.id)!.seq;
  assert.is(folderSeq, 7);
  assert.ok(port.prune(60_000) > 0);
  assert.equal(port.pruneFloor().get(DEVICE_A), folderSeq - 1);
  assert.equal(
    held(asV1(b))
      .filter((entry) => entry.origin === DEVICE_A)
      .map((entry) => entry.seq),
    [7, 8, 9, 10, 11],
  );

  // A leaves; D, on v2, meets only B.
  fleet.network.partition([DEVICE_A], [DEVICE_B, DEVICE_D]);
  const pages: number[] = [];
  const replayed: string[] = [];
  fleet.network.observe((from, to, frame) => {
    if (from !== DEVICE_B || to !== DEVICE_D) return;
    const { message } = decodeEnvelope(frame);
    if (message.type === 'StateResponse') pages.push(message.model);
    const entries = 'entries' in message ? message.entries : 'entry' in message ? [message.entry] : [];
    for (const entry of entries) if (entry.origin === DEVICE_A) replayed.push(`${entry.seq} model ${entry.model}`);
  });
  const d = await fleet.add(DEVICE_D, undefined, { registry: v2 });
  assert.ok(await fleet.settle());
  assert.equal([...new Set(pages)], [folder.id, note.id, profile.id, tag.id], 'a snapshot of every v2 model, Folder included');
  assert.equal(replayed.sort(), ['10 model 3', '11 model 1', '7 model 4', '8 model 1', '9 model 2'], "A's log from its Folder insert on");
  assert.equal(asV2(d).get('tag', early[0]!.id), { ...early[0]!, folderId: trips.id, isPinned: true });
  assert.equal(asV2(d).get('profile', ann.id), { ...ann });
  assert.equal(syncedState(d.library), syncedState(a.library));
  assert.is(d.library.digest(), a.library.digest());
  assert.is(refusals(fleet), 0);
  await fleet.close();
});

test.run();
