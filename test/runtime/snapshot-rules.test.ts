/**
 * Snapshot records obey the rules of the entries they stand for: merging a peer's records gives
 * the state its entries give; a record that breaks a rule (a delete or a state by another device
 * than the owner, a tombstone without a clock where no cascade can reach, a moved cascade
 * reference, field clocks on device-owned data, a clock beyond the drift bound) is refused with a
 * typed error, and a response with one such record merges nothing. Deletes win over snapshot states.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registry } from '../../generated/index.js';
import { ClockDriftError } from '../../runtime/core/hlc.js';
import { ForeignOwnStateError, InvalidChangeError, NotOwnerError } from '../../runtime/core/errors.js';
import { encodeHlc } from '../../runtime/core/hlc.js';
import type { SnapshotRecord } from '../../runtime/core/snapshot-record.js';
import { syncPortOf } from '../../runtime/library/library.js';
import { DEVICE_A, DEVICE_B, DEVICE_C, deliver, NOW, openDevice, syncedState, type ExampleLibrary } from '../support/libraries.js';
import { snapshotOf } from '../support/snapshots.js';

const { device, location, tag, tagOnEntry, entry } = registry.models;

function recordOf(from: ExampleLibrary, model: number, record: string): SnapshotRecord {
  return syncPortOf(from).snapshotRecords([{ model, record }])[0]!;
}

const clockOf = (device: string, wallMs = Date.now()) => Buffer.from(encodeHlc({ wallMs, counter: 0, device }));

/** A library of A with device-owned rows, shared rows, links, a delete with its cascade, a setNull. */
async function populated() {
  const a = await openDevice(DEVICE_A);
  a.transact((tx) => tx.device.create({ name: 'A', os: 'linux', createdAt: NOW }));
  const photos = a.transact((tx) => tx.location.create({ name: 'Photos', path: '/p', createdAt: NOW }));
  const files = a.transact((tx) =>
    [0, 1, 2].map((index) => tx.entry.create({ locationId: photos.id, name: `${index}.jpg`, kind: 'file', sizeBytes: index, modifiedAt: NOW })),
  );
  const tags = a.transact((tx) => [tx.tag.create({ name: 'one', createdAt: NOW }), tx.tag.create({ name: 'two', createdAt: NOW })]);
  const links = a.transact((tx) => files.map((file, index) => tx.tagOnEntry.create({ tagId: tags[index % 2]!.id, entryId: file.id, addedAt: NOW })));
  a.transact((tx) => tx.userMetadata.create({ entryId: files[1]!.id, notes: 'n', openCount: 2 }));
  a.transact((tx) => tx.tag.update(tags[1]!.id, { color: '#222222' }));
  a.transact((tx) => tx.entry.delete(files[0]!.id));
  return { a, photos, files, tags, links };
}

test("a snapshot stands for its entries: merging a peer's records gives the state its entries give", async () => {
  const { a } = await populated();
  const byEntries = await openDevice(DEVICE_B);
  const bySnapshot = await openDevice(DEVICE_C);
  deliver(a, byEntries);
  assert.equal(syncPortOf(bySnapshot).mergeSnapshot(snapshotOf(a)).refused, []);
  assert.equal(syncedState(bySnapshot), syncedState(byEntries));
  assert.equal(syncedState(bySnapshot), syncedState(a));
  for (const library of [a, byEntries, bySnapshot]) library.close();
});

test('records that break the rules of entries are refused with typed errors', async () => {
  const { a, photos, tags, links, files } = await populated();
  const b = await openDevice(DEVICE_B);
  deliver(a, b);
  const port = syncPortOf(b);
  const byB = clockOf(DEVICE_B);
  const photosRecord = recordOf(a, location.id, photos.id);
  const linkRecord = recordOf(a, tagOnEntry.id, links[1]!.id);
  const cases: [string, SnapshotRecord, new (...args: never[]) => Error][] = [
    ["a delete of A's Device by B", { ...recordOf(a, device.id, DEVICE_A), deleted: true, deleteClock: byB, values: null, version: null }, NotOwnerError],
    ["a delete of A's Location by B", { ...photosRecord, deleted: true, deleteClock: byB, values: null, version: null }, NotOwnerError],
    ["A's Location in a state versioned by B", { ...photosRecord, version: byB }, NotOwnerError],
    ["A's Location taken by B", { ...photosRecord, values: { ...photosRecord.values, deviceId: DEVICE_B }, version: byB }, NotOwnerError],
    [
      'a Tag deleted without a clock (nothing cascades to a Tag)',
      { ...recordOf(a, tag.id, tags[0]!.id), deleted: true, deleteClock: null, values: null, version: null, clocks: null },
      InvalidChangeError,
    ],
    ['a link moved to another Tag', { ...linkRecord, values: { ...linkRecord.values, tagId: tags[0]!.id } }, InvalidChangeError],
    ['a link with a clock of its own on a cascade reference', { ...linkRecord, clocks: { tagId: clockOf(DEVICE_C) } }, InvalidChangeError],
    ['field clocks on a device-owned record', { ...photosRecord, clocks: { name: byB } }, InvalidChangeError],
    [
      'a delete with a clock beyond the drift bound',
      { ...recordOf(a, entry.id, files[1]!.id), deleted: true, deleteClock: clockOf(DEVICE_A, Date.now() + 3_600_000), values: null, version: null },
      ClockDriftError,
    ],
  ];
  const before = syncedState(b);
  for (const [what, forged, type] of cases) {
    const { refused } = port.mergeSnapshot([forged]);
    assert.is(refused.length, 1, what);
    assert.instance(refused[0]!.error, type, `${what}: ${refused[0]!.error.message}`);
  }
  // One bad record refuses the whole response: the good one beside it is not merged either.
  const newTag = await openDevice(DEVICE_C);
  const created = newTag.transact((tx) => tx.tag.create({ name: 'from C', createdAt: NOW }));
  const { refused } = port.mergeSnapshot([recordOf(newTag, tag.id, created.id), cases[0]![1]]);
  assert.is(refused.length, 1);
  assert.is(b.get('tag', created.id), undefined, 'nothing of the response was merged');
  assert.equal(syncedState(b), before);
  for (const library of [a, b, newTag]) library.close();
});

test('records that claim changes of the receiver it never made are refused (own-origin); its own changes, held, merge as no-ops', async () => {
  const { a } = await populated();
  const b = await openDevice(DEVICE_B);
  deliver(a, b);
  b.transact((tx) => tx.device.create({ name: 'B', os: 'macOS', createdAt: NOW }));
  const mine = b.transact((tx) => tx.tag.create({ name: 'mine', createdAt: NOW }));
  b.transact((tx) => tx.tag.update(mine.id, { color: '#bbbbbb' }));
  const hybrid = b.transact((tx) =>
    tx.userMetadata.create({
      entryId: syncPortOf(a)
        .snapshotPage(entry.id, null, 10)
        .records.find((record) => !record.deleted)!.record,
      notes: 'b',
      openCount: 1,
    }),
  );
  deliver(b, a);
  const port = syncPortOf(b);
  // What A serves back of B's own changes merges, changing nothing.
  const before = syncedState(b);
  assert.equal(port.mergeSnapshot(snapshotOf(a)).refused, []);
  assert.equal(syncedState(b), before);

  const later = clockOf(DEVICE_B, Date.now() + 60_000);
  const own = recordOf(a, device.id, DEVICE_B);
  const tagRecord = recordOf(a, tag.id, mine.id);
  const notes = recordOf(a, registry.models.userMetadata.id, hybrid.id);
  const cases: [string, SnapshotRecord][] = [
    ['a newer state of its Device', { ...own, values: { ...own.values, name: 'not B' }, version: later }],
    ['a newer write of a field of its Tag', { ...tagRecord, values: { ...tagRecord.values, color: '#000000' }, clocks: { ...tagRecord.clocks, color: later } }],
    ['a delete of its Tag', { ...tagRecord, deleted: true, deleteClock: later, values: null, clocks: null, version: null }],
    ['a create of a record it never made', { ...tagRecord, record: '00000000-0000-4000-8000-0000000000f5', version: later, clocks: {} }],
    [
      'newer perDevice values of its own',
      { ...notes, devices: notes.devices.map((row) => ({ ...row, values: { ...row.values, openCount: 99 }, version: later })) },
    ],
  ];
  for (const [what, forged] of cases) {
    const { refused } = port.mergeSnapshot([forged]);
    assert.is(refused.length, 1, what);
    assert.instance(refused[0]!.error, ForeignOwnStateError, `${what}: ${refused[0]!.error.message}`);
    assert.is(refused[0]!.error.code, 'own-origin');
  }
  assert.equal(syncedState(b), before);
  a.close();
  b.close();
});

test('a tombstone without a clock is a cascade: ignored while the parent of a held row lives, applied when it is deleted', async () => {
  const { a, tags, links } = await populated();
  const b = await openDevice(DEVICE_B);
  deliver(a, b);
  const port = syncPortOf(b);
  const cascaded = { ...recordOf(a, tagOnEntry.id, links[1]!.id), deleted: true, deleteClock: null, values: null, clocks: null, version: null };
  assert.equal(port.mergeSnapshot([cascaded]).refused, []);
  assert.ok(b.get('tagOnEntry', links[1]!.id), 'its Tag lives: the link stays');
  // Not held: nothing contradicts it, so it stands (as the cascade that an entry would bring).
  const unknown = '00000000-0000-4000-8000-0000000000f2';
  assert.equal(port.mergeSnapshot([{ ...cascaded, record: unknown }]).refused, []);
  assert.ok((syncedState(b)._sync_tombstone ?? []).some((row) => row.record === unknown));
  // The Tag's delete arrives: the cascade follows on every device alike.
  a.transact((tx) => tx.tag.delete(tags[1]!.id));
  deliver(a, b);
  assert.is(b.get('tagOnEntry', links[1]!.id), undefined);
  a.close();
  b.close();
});

test('deletes win over a snapshot state, whatever its clocks', async () => {
  const { a, tags } = await populated();
  const b = await openDevice(DEVICE_B);
  deliver(a, b);
  const alive = recordOf(a, tag.id, tags[0]!.id);
  b.transact((tx) => tx.tag.delete(tags[0]!.id));
  const later = clockOf(DEVICE_A, Date.now() + 60_000);
  assert.equal(syncPortOf(b).mergeSnapshot([{ ...alive, version: later, clocks: { name: later } }]).refused, []);
  assert.is(b.get('tag', tags[0]!.id), undefined);
  a.close();
  b.close();
});

test.run();
