/**
 * Changes no honest device sends, applied directly: entries in the receiver's own name, a second
 * different version of an entry held (equivocation), a state that takes another owner's record, a
 * second create that moves a cascade reference. Each is refused with a typed error, never stored,
 * and leaves the device as it was.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registry } from '../../generated/index.js';
import type { ChangeEntry } from '../../runtime/core/change-entry.js';
import { EquivocationError, ForeignOwnEntryError, InvalidChangeError, NotOwnerError } from '../../runtime/core/errors.js';
import { decodeHlc, encodeHlc } from '../../runtime/core/hlc.js';
import { contentDigest } from '../../runtime/merge/entry-content.js';
import { DEVICE_A, DEVICE_B, deliver, heldEntries, NOW, openDevice, syncedState, type ExampleLibrary } from '../support/libraries.js';

function entriesOf(library: ExampleLibrary, origin: string): ChangeEntry[] {
  return heldEntries(library).filter((entry) => entry.origin === origin);
}

/** The same entry with its clock a millisecond later: a valid change, different content. */
function laterClock(entry: ChangeEntry): ChangeEntry {
  const clock = decodeHlc(entry.hlc);
  return { ...entry, hlc: encodeHlc({ ...clock, wallMs: clock.wallMs + 1 }) };
}

test("entries in the receiver's own name are refused (ForeignOwnEntryError), never stored, and its own seqs stay its own", async () => {
  const a = await openDevice(DEVICE_A);
  const b = await openDevice(DEVICE_B);
  const tag = b.transact((tx) => tx.tag.create({ name: 'mine', createdAt: NOW }));
  const [own] = entriesOf(b, DEVICE_B);
  const before = syncedState(b);
  // A fresh seq (it would have taken B's next one), a copy of one B holds, and one that changes B's record.
  const ahead = Date.now() + 60_000;
  const fresh: ChangeEntry = {
    ...own!,
    seq: 2,
    record: '00000000-0000-4000-8000-0000000000f1',
    hlc: encodeHlc({ wallMs: ahead, counter: 0, device: DEVICE_B }),
  };
  const copy = laterClock({ ...own!, data: { ...own!.data, name: 'forged' } });
  const outcome = b.applyChanges([fresh, copy, own]);
  assert.equal(
    outcome.refused.map((item) => item.error.code),
    ['own-origin', 'own-origin', 'own-origin'],
  );
  assert.instance(outcome.refused[0]!.error, ForeignOwnEntryError);
  assert.equal([(outcome.refused[0]!.error as ForeignOwnEntryError).origin, (outcome.refused[0]!.error as ForeignOwnEntryError).seq], [DEVICE_B, 2]);
  assert.equal(outcome.stored, []);
  assert.equal(syncedState(b), before, 'nothing changed');
  assert.is(b.outbox.cursors().get(DEVICE_B), 1, 'the own cursor did not move');
  assert.ok(b.clock.wallMs < ahead, 'the forged clock was not observed');

  b.transact((tx) => tx.tag.update(tag.id, { name: 'second' }));
  assert.equal(
    entriesOf(b, DEVICE_B).map((entry) => entry.seq),
    [1, 2],
    'its next change takes seq 2',
  );
  deliver(b, a);
  assert.is(a.get('tag', tag.id)!.name, 'second');
  a.close();
  b.close();
});

test('equivocation: a second, different version of an entry held is refused with both digests, and the first is kept', async () => {
  const a = await openDevice(DEVICE_A);
  const b = await openDevice(DEVICE_B);
  const tag = a.transact((tx) => tx.tag.create({ name: 'first', createdAt: NOW }));
  a.transact((tx) => tx.tag.delete(tag.id));
  deliver(a, b);
  const before = syncedState(b);
  const [create, remove] = entriesOf(a, DEVICE_A) as [ChangeEntry, ChangeEntry];
  const otherData: ChangeEntry = { ...create, data: { ...create.data, name: 'second' } };
  const otherClock = laterClock(remove);
  // The same content with its fields in another order is the same entry.
  const reordered: ChangeEntry = { ...create, data: Object.fromEntries(Object.entries(create.data!).reverse()) };
  const outcome = b.applyChanges([otherData, otherClock, reordered, create]);
  assert.is(outcome.duplicates, 2, 'the reordered copy and the entry itself are duplicates');
  assert.equal(
    outcome.refused.map((item) => item.error.code),
    ['equivocation', 'equivocation'],
  );
  const error = outcome.refused[0]!.error as EquivocationError;
  assert.instance(error, EquivocationError);
  assert.equal([error.origin, error.seq, error.held, error.received], [DEVICE_A, create.seq, contentDigest(create), contentDigest(otherData)]);
  assert.is.not(error.held, error.received);
  assert.equal(syncedState(b), before, 'the first version is kept');
  assert.equal(entriesOf(b, DEVICE_A), entriesOf(a, DEVICE_A), 'the log holds the first versions');
  a.close();
  b.close();
});

test("a state that would take another device's record is refused, even as an insert", async () => {
  const a = await openDevice(DEVICE_A);
  const b = await openDevice(DEVICE_B);
  a.transact((tx) => tx.device.create({ name: 'A', os: 'linux', createdAt: NOW }));
  const location = a.transact((tx) => tx.location.create({ name: 'Photos', path: '/p', createdAt: NOW }));
  deliver(a, b);
  const create = entriesOf(a, DEVICE_A).find((entry) => entry.record === location.id)!;
  // B re-creates A's location as its own, with a later clock: a newer state would replace the row, owner and all.
  const taken: ChangeEntry = {
    ...create,
    origin: DEVICE_B,
    seq: 1,
    hlc: encodeHlc({ wallMs: decodeHlc(create.hlc).wallMs + 10, counter: 0, device: DEVICE_B }),
    data: { ...create.data, deviceId: DEVICE_B, name: 'mine now' },
  };
  const before = syncedState(a);
  const outcome = a.applyChanges([taken]);
  assert.instance(outcome.refused[0]?.error, NotOwnerError);
  assert.equal(syncedState(a), before);
  // A Device record is keyed by its owner: another device cannot delete one, held or not.
  const deleteA: ChangeEntry = { origin: DEVICE_B, seq: 1, hlc: taken.hlc, model: registry.models.device.id, record: DEVICE_A, kind: 'delete', data: null };
  const fresh = await openDevice(DEVICE_B.replace('b', 'c'));
  assert.instance(fresh.applyChanges([deleteA]).refused[0]?.error, NotOwnerError, 'not held');
  assert.instance(a.applyChanges([deleteA]).refused[0]?.error, NotOwnerError, 'held');
  a.close();
  b.close();
  fresh.close();
});

test('a second create that moves a cascade reference is refused', async () => {
  const a = await openDevice(DEVICE_A);
  const b = await openDevice(DEVICE_B);
  const [first, second] = a.transact((tx) => [tx.tag.create({ name: 'one', createdAt: NOW }), tx.tag.create({ name: 'two', createdAt: NOW })]);
  a.transact((tx) => tx.device.create({ name: 'A', os: 'linux', createdAt: NOW }));
  const location = a.transact((tx) => tx.location.create({ name: 'Photos', path: '/p', createdAt: NOW }));
  const file = a.transact((tx) => tx.entry.create({ locationId: location.id, name: 'a.jpg', kind: 'file', sizeBytes: 1, modifiedAt: NOW }));
  const link = a.transact((tx) => tx.tagOnEntry.create({ tagId: first!.id, entryId: file.id, addedAt: NOW }));
  deliver(a, b);
  const create = entriesOf(a, DEVICE_A).find((entry) => entry.record === link.id)!;
  const moved: ChangeEntry = {
    ...create,
    origin: DEVICE_B,
    seq: 1,
    hlc: encodeHlc({ wallMs: decodeHlc(create.hlc).wallMs + 10, counter: 0, device: DEVICE_B }),
    data: { ...create.data, tagId: second!.id },
  };
  const outcome = a.applyChanges([moved]);
  assert.instance(outcome.refused[0]?.error, InvalidChangeError);
  assert.match(outcome.refused[0]!.error.message, /tagId references its parent with onDelete cascade/);
  assert.is(a.get('tagOnEntry', link.id)!.tagId, first!.id);
  a.close();
  b.close();
});

test.run();
