/**
 * Devices on two schema versions an additive migration apart (`test/support/evolution.ts`), with
 * changes handed over directly: a newer device fills the fields an older one's changes and
 * snapshot records lack with their defaults, at their clocks; an older device holds what it does
 * not know (entries of unknown models in the log and the quarantine, unknown fields per record),
 * relays it byte for byte, keeps it from pruning, serves it in snapshots, and merges it when it
 * upgrades, so that its tables then equal a device that always had the newer schema.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChangeEntry } from '../../runtime/core/change-entry.js';
import { InvalidChangeError } from '../../runtime/core/errors.js';
import { encodeHlc } from '../../runtime/core/hlc.js';
import { syncPortOf } from '../../runtime/library/library.js';
import {
  held,
  loose,
  openV1,
  openV2,
  pass,
  quarantinedEntries,
  quarantinedRecords,
  rowOf,
  v1,
  v2,
  type AnyLibrary,
  type V2Library,
} from '../support/evolution.js';
import { closeReaders, DEVICE_A, DEVICE_B, DEVICE_C, DEVICES, NOW, syncedState, temporaryDirectory } from '../support/libraries.js';
import { snapshotOf as snapshotOfLibrary } from '../support/snapshots.js';

const snapshotOf = (library: AnyLibrary, models?: readonly number[]) => snapshotOfLibrary(loose(library), models);

const { folder, note, profile, tag } = v2.models;

/** The model ids of v2, parents first: what a v2 device pulls. */
const V2_MODELS = v2.dependencyOrder.map((adapter) => adapter.id);

/** A newer device's data of every kind: a Folder (a model v1 lacks), a Tag in it, its Profile, a Note with its own progress. */
function writeV2(fresh: V2Library) {
  const trips = fresh.transact((tx) => tx.folder.create({ name: 'Trips' }));
  const sea = fresh.transact((tx) => tx.tag.create({ name: 'sea', icon: 'wave', isPinned: true, folderId: trips.id }));
  const ann = fresh.transact((tx) => tx.profile.create({ deviceId: fresh.deviceId, displayName: 'Ann', status: 'away' }));
  const doc = fresh.transact((tx) => tx.note.create({ title: 'Doc', progress: 0.5, lastReadAt: NOW }));
  return { trips, sea, ann, doc };
}

const close = (...libraries: AnyLibrary[]) => {
  for (const library of libraries) {
    closeReaders(loose(library));
    library.close();
  }
};

test('the pair: v2 is v1 and one additive migration, so it syncs with v1', () => {
  assert.equal([v1.schemaVersion, v1.compatibleFrom, v2.schemaVersion, v2.compatibleFrom], [1, 1, 2, 1]);
  assert.equal(Object.keys(v1.models).sort(), ['note', 'profile', 'tag']);
});

test("a newer device reads an older one's changes: lacking fields take their defaults at the change's clock", async () => {
  const old = await openV1(DEVICE_B);
  const fresh = await openV2(DEVICE_A);
  const work = old.transact((tx) => tx.tag.create({ name: 'work' }));
  const bob = old.transact((tx) => tx.profile.create({ deviceId: DEVICE_B, displayName: 'Bob' }));
  const doc = old.transact((tx) => tx.note.create({ title: 'Doc', progress: 0.25 }));
  const outcome = pass(old, fresh);
  assert.equal([outcome.stored.length, outcome.refused.length], [3, 0]);
  assert.equal(fresh.get('tag', work.id), { ...work, icon: null, isPinned: false, folderId: null });
  assert.equal(fresh.get('profile', bob.id), { ...bob, status: null });
  const tagRow = rowOf(fresh, 'tag', 'id', work.id)!;
  assert.equal([tagRow.isPinned, tagRow._hlc_icon, tagRow._hlc_isPinned, tagRow._hlc_folderId], [0, null, null, null], 'defaults at the create clock');
  assert.equal(rowOf(fresh, 'note__device', '_record', doc.id), { ...rowOf(old, 'note__device', '_record', doc.id), lastReadAt: null });

  // Each device writes its own fields: the older one's later change carries only what it changed.
  fresh.transact((tx) => tx.tag.update(work.id, { isPinned: true, icon: 'briefcase' }));
  pass(fresh, old);
  old.transact((tx) => tx.tag.update(work.id, { name: 'job' }));
  old.transact((tx) => tx.profile.update(bob.id, { displayName: 'Robert' }));
  pass(old, fresh);
  const [rename] = held(old).filter((entry) => entry.origin === DEVICE_B && entry.model === tag.id && entry.kind === 'update');
  assert.equal(Object.keys(rename!.data!), ['name']);
  assert.equal(fresh.get('tag', work.id), { ...work, name: 'job', icon: 'briefcase', isPinned: true, folderId: null });
  assert.equal(fresh.get('profile', bob.id), { ...bob, displayName: 'Robert', status: null });

  // A snapshot of the older device gives what its entries give.
  const bySnapshot = await openV2(DEVICE_C);
  assert.equal(syncPortOf(loose(bySnapshot)).mergeSnapshot(snapshotOf(old)).refused, []);
  const byEntries = await openV2(DEVICES[3]);
  pass(old, byEntries);
  assert.equal(syncedState(loose(bySnapshot)), syncedState(loose(byEntries)));

  // A lacking field that has neither a default nor null cannot come from an additive change: refused.
  const [insert] = held(old).filter((entry) => entry.model === tag.id);
  const { name: _name, ...nameless } = insert!.data!;
  const refused = fresh.applyChanges([{ ...insert!, record: '00000000-0000-4000-8000-0000000000e1', data: nameless }]).refused;
  assert.equal(
    refused.map(({ error }) => error.message),
    [`invalid remote change: Tag 00000000-0000-4000-8000-0000000000e1 (${DEVICE_B}#1): insert lacks name`],
  );
  close(old, fresh, bySnapshot, byEntries);
});

test('an older device holds what it does not know, relays it byte for byte, and serves it in snapshots', async () => {
  const fresh = await openV2(DEVICE_A);
  const old = await openV1(DEVICE_B);
  const other = await openV2(DEVICE_C);
  const early = fresh.transact((tx) => tx.tag.create({ name: 'early' }));
  const { trips, sea, ann, doc } = writeV2(fresh);
  const outcome = pass(fresh, old);
  assert.equal([outcome.stored.length, outcome.refused.length, outcome.parked], [5, 0, 0]);
  assert.equal(quarantinedEntries(old), [`${DEVICE_A}#2 model ${folder.id}`], "the Folder's insert: held, not applied");
  // Every Tag of v2 carries v2's fields, if only their defaults.
  assert.equal(quarantinedRecords(old), [`${tag.id} ${early.id}`, `${tag.id} ${sea.id}`, `${profile.id} ${ann.id}`, `${note.id} ${doc.id}`].sort());
  assert.equal(old.get('tag', sea.id), { id: sea.id, name: 'sea', color: null });
  assert.equal(held(old), held(fresh), 'the log holds every entry as received');
  pass(old, other);
  assert.equal(syncedState(loose(other)), syncedState(loose(fresh)), 'relayed through the older device, nothing is lost');

  // Served: the held fields beside the known ones, and the unknown model's pages (none held whole: its entry is in the log).
  const port = syncPortOf(loose(old));
  assert.ok(port.knowsModel(folder.id));
  assert.equal(port.snapshotPage(folder.id, null, 10).records, []);
  const [seaRecord] = port.snapshotPage(tag.id, null, 10).records.filter((record) => record.record === sea.id);
  assert.equal(seaRecord!.values, { name: 'sea', color: null, icon: 'wave', isPinned: 1, folderId: trips.id });
  const [annRecord] = port.snapshotPage(profile.id, null, 10).records;
  assert.equal(annRecord!.values, { deviceId: DEVICE_A, displayName: 'Ann', status: 'away' });

  // Pruning stops below a held entry: it and what follows it stay for a snapshot's puller to replay.
  port.recordPeerAck(DEVICE_C, old.outbox.cursors());
  assert.is(port.prune(60_000), 1, 'only the Tag before the Folder');
  assert.equal(port.pruneFloor(), new Map([[DEVICE_A, 1]]));
  assert.equal(port.snapshotPage(tag.id, null, 10).reflects, new Map([[DEVICE_A, 1]]), 'a snapshot reflects only what is before it');
  assert.equal(
    held(old).map((entry) => entry.seq),
    [2, 3, 4, 5],
  );
  close(fresh, old, other);
});

test('held entries that a snapshot claimed past stay held for the upgrade, and do not hold back what the device serves', async () => {
  const fresh = await openV2(DEVICE_A);
  const dir = temporaryDirectory('claimed');
  const old = await openV1(DEVICE_B, { dir });
  const { trips } = writeV2(fresh);
  pass(fresh, old);
  fresh.transact((tx) => tx.folder.update(trips.id, { name: 'Journeys' }));
  fresh.transact((tx) => tx.tag.create({ name: 'later' }));
  // Back after a long absence, the older device catches up by a snapshot of the models it knows, claiming A's vector.
  const port = syncPortOf(loose(old));
  assert.equal(port.mergeSnapshot(snapshotOf(fresh, port.modelIds), { claim: fresh.outbox.cursors() }).refused, []);
  assert.equal(port.pruneFloor().get(DEVICE_A), 6);
  assert.equal(port.snapshotPage(tag.id, null, 10).reflects.get(DEVICE_A), 6, 'not lowered below the held entry the claim passed');
  port.recordPeerAck(DEVICE_C, old.outbox.cursors());
  port.prune(60_000);
  assert.equal(quarantinedEntries(old), [`${DEVICE_A}#1 model ${folder.id}`]);
  assert.equal(
    held(old).map((entry) => `${entry.origin}#${entry.seq}`),
    [`${DEVICE_A}#1`],
    'pruned around it',
  );
  // With the Folder's records (what a pull that also asks for the models it does not know brings), the upgrade gets everything.
  assert.equal(port.mergeSnapshot(snapshotOf(fresh, [folder.id])).refused, []);
  close(old);
  const upgraded = await openV2(DEVICE_B, { dir });
  assert.equal(syncedState(loose(upgraded)), syncedState(loose(fresh)));
  close(fresh, upgraded);
});

test('fields and models it does not know are kept only as plain data under field names', async () => {
  const fresh = await openV2(DEVICE_A);
  const old = await openV1(DEVICE_B);
  const { sea } = writeV2(fresh);
  const [, insert] = held(fresh) as [ChangeEntry, ChangeEntry];
  const clock = (counter: number) => Buffer.from(encodeHlc({ wallMs: Date.now(), counter, device: DEVICE_C }));
  const update = (seq: number, data: Record<string, unknown>, model: number = tag.id) => ({
    origin: DEVICE_C,
    seq,
    hlc: clock(seq),
    model,
    record: sea.id,
    kind: 'update',
    data,
  });
  const deep: unknown[] = [];
  let inner = deep;
  for (let depth = 0; depth < 40; depth += 1) {
    const next: unknown[] = [];
    inner.push(next);
    inner = next;
  }
  const cases: [unknown, string][] = [
    [update(1, { 'bad-name': 1 }), '"bad-name" is not a field name'],
    [update(2, { future: new Date(0) }), 'future: an object that is not a plain map'],
    [update(3, { future: Number.NaN }), 'future: not a finite number'],
    [update(4, { future: deep }), 'future: nested deeper than 32'],
    [update(5, { future: () => 1 }, 99), 'future: a function is not plain data'],
  ];
  const outcome = old.applyChanges(cases.map(([entry]) => entry));
  assert.equal(outcome.refused.length, cases.length);
  outcome.refused.forEach(({ error }, index) => {
    assert.instance(error, InvalidChangeError);
    assert.ok(error.message.endsWith(cases[index]![1]), error.message);
  });
  // Plain data of any shape is kept as received.
  const plain = update(1, { future: { list: [1, 'two', true, null, Buffer.from([3])], nested: { ok: false } } });
  assert.equal(old.applyChanges([plain]).refused, []);
  assert.equal(held(old).at(-1)!.data, plain.data);
  assert.ok(insert);
  close(fresh, old);
});

test('snapshot records from a newer device: unknown fields and models held, served again, merged when the device upgrades', async () => {
  const fresh = await openV2(DEVICE_A);
  const { trips } = writeV2(fresh);
  const dir = temporaryDirectory('upgrade');
  const old = await openV1(DEVICE_B, { dir });
  assert.equal(syncPortOf(loose(old)).mergeSnapshot(snapshotOf(fresh)).refused, []);
  assert.ok(quarantinedRecords(old).includes(`${folder.id} ${trips.id} whole`));
  // Listed as held (Models): a device that catches up from it pulls the Folders too; known models with held fields are not.
  assert.equal(syncPortOf(loose(old)).heldModelIds(), [folder.id]);
  // Copies of a record of an unknown model merge by their clocks, whatever their order.
  const first = syncPortOf(loose(fresh)).snapshotPage(folder.id, null, 10).records;
  fresh.transact((tx) => tx.folder.update(trips.id, { name: 'Journeys' }));
  const second = syncPortOf(loose(fresh)).snapshotPage(folder.id, null, 10).records;
  assert.equal(syncPortOf(loose(old)).mergeSnapshot(second).refused, []);
  assert.equal(syncPortOf(loose(old)).mergeSnapshot(first).refused, []);
  assert.equal(syncPortOf(loose(old)).snapshotPage(folder.id, null, 10).records, second);
  // A newer device that catches up from the older one gets everything.
  const viaOld = await openV2(DEVICE_C);
  assert.equal(syncPortOf(loose(viaOld)).mergeSnapshot(snapshotOf(old, V2_MODELS)).refused, []);
  assert.equal(syncedState(loose(viaOld)), syncedState(loose(fresh)));

  close(old);
  const upgraded = await openV2(DEVICE_B, { dir });
  assert.equal([quarantinedEntries(upgraded), quarantinedRecords(upgraded), syncPortOf(loose(upgraded)).heldModelIds()], [[], [], []]);
  assert.equal(syncedState(loose(upgraded)), syncedState(loose(fresh)));
  assert.is(upgraded.digest(), fresh.digest());
  close(fresh, viaOld, upgraded);
});

test('an upgrade replays held entries and fields with their original clocks; what the schema still does not know stays held', async () => {
  const fresh = await openV2(DEVICE_A);
  const dir = temporaryDirectory('upgrade');
  const old = await openV1(DEVICE_B, { dir });
  const { trips, sea, ann, doc } = writeV2(fresh);
  pass(fresh, old);
  // Later writes of fields and models the older device does not know: a newer icon, the folder deleted (setNull).
  fresh.transact((tx) => tx.tag.update(sea.id, { icon: 'shell' }));
  fresh.transact((tx) => tx.note.update(doc.id, { lastReadAt: '2024-05-02T08:00:00Z' }));
  fresh.transact((tx) => tx.profile.update(ann.id, { status: 'back' }));
  fresh.transact((tx) => tx.folder.delete(trips.id));
  old.transact((tx) => tx.note.update(doc.id, { progress: 0.75 }));
  pass(fresh, old);
  pass(old, fresh);
  // A field of a schema newer still (v3), from a third device.
  const future = { origin: DEVICE_C, seq: 1, hlc: Buffer.from(encodeHlc({ wallMs: Date.now(), counter: 0, device: DEVICE_C })), model: tag.id };
  for (const library of [fresh, old]) library.applyChanges([{ ...future, record: sea.id, kind: 'update', data: { mood: 'calm' } }]);
  assert.equal(quarantinedEntries(old), [`${DEVICE_A}#1 model ${folder.id}`, `${DEVICE_A}#8 model ${folder.id}`]);

  close(old);
  const notices: unknown[] = [];
  const upgraded = await openV2(DEVICE_B, { dir, onChange: (change) => notices.push(change) });
  // The replay's notice: the held fields now known, as the app sees them (the folder came and went; lastReadAt is the newer device's own).
  assert.equal(notices, [
    {
      source: { kind: 'migration' },
      models: {
        tag: { created: [], updated: [{ id: sea.id, fields: ['icon', 'isPinned'], cascade: false }], deleted: [] },
        profile: { created: [], updated: [{ id: ann.id, fields: ['status'], cascade: false }], deleted: [] },
      },
    },
  ]);
  assert.equal(rowOf(upgraded, 'tag', 'id', sea.id), rowOf(fresh, 'tag', 'id', sea.id));
  assert.equal(rowOf(upgraded, 'profile', 'id', ann.id), rowOf(fresh, 'profile', 'id', ann.id));
  assert.equal(syncedState(loose(upgraded)), syncedState(loose(fresh)));
  assert.is(upgraded.digest(), fresh.digest());
  assert.equal(quarantinedEntries(upgraded), []);
  assert.equal(quarantinedRecords(upgraded), [`${tag.id} ${sea.id}`], 'v3 mood stays held');
  assert.equal(quarantinedRecords(fresh), [`${tag.id} ${sea.id}`]);
  assert.equal(upgraded.get('tag', sea.id), { ...sea, icon: 'shell', folderId: null });
  close(fresh, upgraded);
});

test.run();
