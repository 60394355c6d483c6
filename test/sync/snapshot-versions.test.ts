/**
 * Snapshot pulls between devices on different schema versions (v1 and v2 = v1 + additive changes
 * with the model Folder: `test/support/evolution.ts`), on the simulated network. A pull asks for the
 * puller's own models, then for those of the peer's list (Models) it does not know. Exact outcomes:
 * (a) a v2 device pulling from a v1 device that holds nothing of Folder gets an empty last page for
 *     it (not a refusal), claims, and ends equal to the v2 source, with no refusal, no disconnection;
 * (b) a v1 device pulling from a pruned v2 device also pulls Folder (its records held whole), serves
 *     them to a v2 device and (its list names Folder) a v1 device that catch up from it only, and
 *     both v1 devices, upgraded, end with the v2 source's tables and digest.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { syncPortOf } from '../../runtime/library/library.js';
import type { SyncMessage } from '../../runtime/protocol/messages.js';
import { decodeEnvelope } from '../../runtime/protocol/wire-codec.js';
import type { SyncEvent } from '../../runtime/sync/options.js';
import { quarantinedEntries, quarantinedRecords, v1, v2, type V1Library, type V2Library } from '../support/evolution.js';
import { DEVICE_A, DEVICE_B, DEVICE_C, DEVICES, NOW, syncedState } from '../support/libraries.js';
import { assertConverged, SimulatedFleet, type Device } from '../support/sync-harness.js';

const DEVICE_D = DEVICES[3];
const { folder, note, profile, tag } = v2.models;
const V1_ORDER = v1.dependencyOrder.map((adapter) => adapter.id);
const V2_ORDER = v2.dependencyOrder.map((adapter) => adapter.id);

const asV1 = (device: Device) => device.library as unknown as V1Library;
const asV2 = (device: Device) => device.library as unknown as V2Library;
const NAMES = new Map<string, string>([DEVICE_A, DEVICE_B, DEVICE_C, DEVICE_D].map((id, index) => [id, 'ABCD'[index]!]));
const short = (id: string) => NAMES.get(id) ?? id;

/** A fleet whose devices' sync events are kept, as `D from B: snapshot merged`. */
async function fleetOf(seed: number) {
  const events: { device: string; event: SyncEvent }[] = [];
  const fleet = await SimulatedFleet.create(0, { seed, logFor: (device) => (event) => void events.push({ device, event }) });
  const said = (level: SyncEvent['level'], what?: string) =>
    events
      .filter(({ event }) => event.level === level && (what === undefined || event.event === what))
      .map(({ device, event }) => `${short(device)} from ${event.peer ? short(event.peer) : '-'}: ${event.event}`);
  /** The messages of a type sent from one device to another, from now on. */
  const sent = <T extends SyncMessage['type']>(from: string, to: string, type: T) => {
    const messages: Extract<SyncMessage, { type: T }>[] = [];
    fleet.network.observe((sender, receiver, frame) => {
      const { message } = decodeEnvelope(frame);
      if (sender === from && receiver === to && message.type === type) messages.push(message as Extract<SyncMessage, { type: T }>);
    });
    return messages;
  };
  return { fleet, said, sent };
}

/** How many frames or changes any device refused from any peer. */
function refusals(fleet: SimulatedFleet): number {
  return fleet.live().reduce((sum, device) => sum + Object.values(device.sync.metrics().peers).reduce((total, peer) => total + peer.refused, 0), 0);
}

/** A page as `model: records, last` (or `next`). */
const pageOf = (page: Extract<SyncMessage, { type: 'StateResponse' }>) => `${page.model}: ${page.records.length}${page.next === null ? ', last' : ', next'}`;

test('(a) a v2 device catches up by snapshot from a v1 device that holds nothing of Folder: an empty last page for it, a claim, convergence', async () => {
  const { fleet, said, sent } = await fleetOf(1311);
  const a = await fleet.add(DEVICE_A, undefined, { registry: v2 });
  const b = await fleet.add(DEVICE_B, undefined, { registry: v1 });
  asV2(a).transact((tx) => tx.tag.create({ name: 'sea', icon: 'wave', isPinned: true }));
  asV2(a).transact((tx) => tx.profile.create({ deviceId: DEVICE_A, displayName: 'Ann', status: 'away' }));
  const doc = asV2(a).transact((tx) => tx.note.create({ title: 'Doc', progress: 0.5, lastReadAt: NOW }));
  asV1(b).transact((tx) => tx.tag.create({ name: 'work' }));
  assert.ok(await fleet.settle());
  asV1(b).transact((tx) => tx.note.update(doc.id, { progress: 0.25 }));
  assert.ok(await fleet.settle());
  const port = syncPortOf(b.library);
  assert.equal([quarantinedEntries(asV1(b)), port.knowsModel(folder.id), port.heldModelIds()], [[], false, []], 'B holds nothing of Folder');
  await fleet.network.scheduler.advance(1000);
  assert.ok(port.prune(60_000) > 0, 'B prunes what A acknowledged: D must pull a snapshot');

  // A leaves; D, on v2, meets only B.
  fleet.network.partition([DEVICE_A], [DEVICE_B, DEVICE_D]);
  const asked = sent(DEVICE_D, DEVICE_B, 'StateRequest');
  const pages = sent(DEVICE_B, DEVICE_D, 'StateResponse');
  const errors = sent(DEVICE_B, DEVICE_D, 'Error');
  const d = await fleet.add(DEVICE_D, undefined, { registry: v2 });
  assert.ok(await fleet.settle());
  assert.equal([...new Set(asked.map((request) => request.model))], V2_ORDER, 'every v2 model, Folder first');
  assert.equal(
    pages.map(pageOf),
    V2_ORDER.map((model) => `${model}: ${{ [folder.id]: 0, [note.id]: 1, [profile.id]: 1, [tag.id]: 2 }[model]}, last`),
  );
  assert.equal(pages[0]!.reflects, b.library.outbox.cursors(), "the empty page reflects B's vector");
  assert.equal(said('info', 'snapshot merged'), ['D from B: snapshot merged']);
  assert.equal(syncedState(d.library), syncedState(a.library));
  assert.is(d.library.digest(), a.library.digest());
  assert.equal([refusals(fleet), errors.length, said('warn')], [0, 0, []], 'no refusal, no Error, no disconnection');
  await fleet.close();
});

test('(b) a v1 device pulls Folder from a pruned v2 device, holds it whole, serves it to v2 and v1 devices, and upgrades to the same tables', async () => {
  const { fleet, said, sent } = await fleetOf(1312);
  const a = await fleet.add(DEVICE_A, undefined, { registry: v2 });
  const [trips, home, old] = asV2(a).transact((tx) => ['Trips', 'Home', 'Old'].map((name) => tx.folder.create({ name })));
  const sea = asV2(a).transact((tx) => tx.tag.create({ name: 'sea', icon: 'wave', isPinned: true, folderId: trips!.id }));
  const junk = asV2(a).transact((tx) => tx.tag.create({ name: 'junk', folderId: old!.id }));
  asV2(a).transact((tx) => tx.folder.update(home!.id, { name: 'House' }));
  asV2(a).transact((tx) => tx.folder.delete(old!.id));
  asV2(a).transact((tx) => tx.profile.create({ deviceId: DEVICE_A, displayName: 'Ann', status: 'away' }));
  asV2(a).transact((tx) => tx.note.create({ title: 'Doc', progress: 0.5, lastReadAt: NOW }));
  assert.equal(asV2(a).get('tag', junk.id)!.folderId, null, 'setNull');
  // A prunes its whole log (a peer acknowledged it): whoever joins now catches up from a snapshot.
  const port = syncPortOf(a.library);
  port.recordPeerAck('0000000e-0000-4000-8000-00000000000e', a.library.outbox.cursors());
  assert.is(port.prune(60_000), 9);

  // B, on v1, meets A: it pulls its own models, asks for A's list, and pulls Folder too.
  const askedOfA = sent(DEVICE_B, DEVICE_A, 'StateRequest');
  const lists = [sent(DEVICE_B, DEVICE_A, 'Models'), sent(DEVICE_A, DEVICE_B, 'Models')];
  const b = await fleet.add(DEVICE_B, undefined, { registry: v1 });
  assert.ok(await fleet.settle());
  assert.equal([...new Set(askedOfA.map((request) => request.model))], [...V1_ORDER, folder.id]);
  assert.equal(
    lists.map((messages) => messages.map((list) => [list.known, list.held, list.request])),
    [[[V1_ORDER, [], true]], [[V2_ORDER, [], false]]],
    "B asks for A's list after its own models (sending its own); A answers",
  );
  const held = [trips, home, old].map((record) => `${folder.id} ${record!.id} whole`);
  assert.ok(
    held.every((row) => quarantinedRecords(asV1(b)).includes(row)),
    'the Folders, the deleted one included, held whole',
  );
  assert.equal(syncPortOf(b.library).heldModelIds(), [folder.id]);
  assert.equal(said('info', 'snapshot merged'), ['B from A: snapshot merged']);

  // A leaves. C (v1) and D (v2) join and meet only B.
  fleet.network.partition([DEVICE_A], [DEVICE_B, DEVICE_C, DEVICE_D]);
  const [askedByC, askedByD] = [sent(DEVICE_C, DEVICE_B, 'StateRequest'), sent(DEVICE_D, DEVICE_B, 'StateRequest')];
  const listsOfB = sent(DEVICE_B, DEVICE_C, 'Models');
  const c = await fleet.add(DEVICE_C, undefined, { registry: v1 });
  const d = await fleet.add(DEVICE_D, undefined, { registry: v2 });
  assert.ok(await fleet.settle());
  assert.equal(
    listsOfB.map((list) => [list.known, list.held, list.request]),
    [[V1_ORDER, [folder.id], false]],
  );
  assert.equal(
    [askedByC, askedByD].map((asked) => [...new Set(asked.map((request) => request.model))]),
    [[...V1_ORDER, folder.id], V2_ORDER],
  );
  assert.equal(said('info', 'snapshot merged').slice(1).sort(), ['C from B: snapshot merged', 'D from B: snapshot merged']);
  assert.equal(syncedState(d.library), syncedState(a.library), 'D has everything, Folders included');
  assert.is(d.library.digest(), a.library.digest());
  assert.ok(
    held.every((row) => quarantinedRecords(asV1(c)).includes(row)),
    'C pulled the Folders B listed as held',
  );

  // B and C are upgraded: their directories reopened with v2, what they held is merged.
  for (const id of [DEVICE_B, DEVICE_C]) {
    await fleet.crash(id);
    const upgraded = await fleet.restart(id, v2);
    assert.equal(syncedState(upgraded.library), syncedState(a.library), `${short(id)} upgraded`);
    assert.is(upgraded.library.digest(), a.library.digest());
    assert.equal([quarantinedEntries(asV2(upgraded)), quarantinedRecords(asV2(upgraded))], [[], []]);
  }
  assert.equal(asV2(fleet.device(DEVICE_B)).get('tag', sea.id), { ...sea });
  fleet.network.heal();
  assert.ok(await fleet.settle());
  assertConverged(fleet.live(), assert.equal);
  assert.equal([refusals(fleet), said('warn')], [0, []]);
  await fleet.close();
});

test.run();
