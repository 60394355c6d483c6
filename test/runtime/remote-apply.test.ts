/**
 * Applying remote changes: per-field LWW, delete wins, owner versions, parking and cascades on
 * arrival, idempotence, drift and malformed input refused without being stored, and relay.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registry } from '../../generated/index.js';
import type { ChangeEntry } from '../../runtime/core/change-entry.js';
import { InvalidChangeError, NotOwnerError, ParkingFullError } from '../../runtime/core/errors.js';
import { ClockDriftError } from '../../runtime/core/hlc.js';
import { encodeHlc } from '../../runtime/core/hlc.js';
import { DEVICE_A, DEVICE_B, DEVICE_C, deliver, heldEntries, NOW, openDevice, syncedState, type ExampleLibrary } from '../support/libraries.js';

/** A wall clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, set: (value: number) => (now = value) };
}

async function pair() {
  const clockA = manualClock();
  const clockB = manualClock();
  const a = await openDevice(DEVICE_A, { now: clockA.now });
  const b = await openDevice(DEVICE_B, { now: clockB.now });
  return { a, b, clockA, clockB };
}

function entriesOf(library: ExampleLibrary, origin: string): ChangeEntry[] {
  return heldEntries(library).filter((entry) => entry.origin === origin);
}

/** A device, a location and an entry of device A, delivered to B. */
function seedFiles(a: ExampleLibrary) {
  a.transact((tx) => tx.device.create({ name: 'A', os: 'linux', createdAt: NOW }));
  const location = a.transact((tx) => tx.location.create({ name: 'Photos', path: '/p', createdAt: NOW }));
  const entry = a.transact((tx) => tx.entry.create({ locationId: location.id, name: 'a.jpg', kind: 'file', sizeBytes: 1, modifiedAt: NOW }));
  return { location, entry };
}

test('concurrent edits of one shared record converge per field to the highest clock', async () => {
  const { a, b, clockA, clockB } = await pair();
  const tag = a.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));
  deliver(a, b);
  clockA.set(2_000_000);
  clockB.set(2_000_005);
  a.transact((tx) => tx.tag.update(tag.id, { name: 'From A', color: '#aaaaaa' }));
  b.transact((tx) => tx.tag.update(tag.id, { name: 'From B', icon: 'star' }));
  deliver(a, b);
  deliver(b, a);
  const expected = { ...tag, name: 'From B', color: '#aaaaaa', icon: 'star' };
  assert.equal(a.get('tag', tag.id), expected, 'same field: the later clock (B) wins; other fields are kept from both');
  assert.equal(b.get('tag', tag.id), expected);
  assert.equal(syncedState(a), syncedState(b));
});

test('delete wins over a concurrent update with a later clock, and nothing brings the record back', async () => {
  const { a, b, clockA, clockB } = await pair();
  const tag = a.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));
  deliver(a, b);
  a.transact((tx) => tx.tag.delete(tag.id));
  clockB.set(9_000_000);
  b.transact((tx) => tx.tag.update(tag.id, { name: 'edited later' }));
  clockA.set(9_000_000);
  const outcome = deliver(b, a);
  assert.equal(
    [outcome.stored.length, outcome.parked, outcome.refused.map((item) => item.error.message), a.parkedCount],
    [1, 0, [], 0],
    'an update of a deleted record is held, not parked',
  );
  deliver(a, b);
  assert.is(a.get('tag', tag.id), undefined);
  assert.is(b.get('tag', tag.id), undefined);
  b.applyChanges(entriesOf(a, DEVICE_A));
  assert.is(b.get('tag', tag.id), undefined, 're-delivering the create does not resurrect it');
  assert.equal(syncedState(a), syncedState(b));
  assert.equal(syncedState(a)._sync_tombstone!.length, 1);
});

test('device-owned state: an older version delivered late never overwrites a newer one', async () => {
  const { a, b } = await pair();
  const { location } = seedFiles(a);
  a.transact((tx) => tx.location.update(location.id, { name: 'v2' }));
  a.transact((tx) => tx.location.update(location.id, { name: 'v3' }));
  const entries = entriesOf(a, DEVICE_A);
  const outcome = b.applyChanges([...entries].reverse());
  assert.equal([outcome.stored.length, outcome.parked, outcome.refused.length], [entries.length, 0, 0]);
  assert.is(b.get('location', location.id)!.name, 'v3');
  assert.equal(syncedState(a), syncedState(b));
});

test('a change that claims device-owned data of another device is refused and not stored', async () => {
  const { a, b } = await pair();
  const { location } = seedFiles(a);
  deliver(a, b);
  const [create] = entriesOf(a, DEVICE_A).filter((entry) => entry.record === location.id);
  const forged = { ...create!, origin: DEVICE_B, seq: 1, hlc: encodeHlc({ wallMs: 2_000_000, counter: 0, device: DEVICE_B }), kind: 'update' as const };
  const outcome = a.applyChanges([forged]);
  assert.is(outcome.refused.length, 1);
  assert.instance(outcome.refused[0]!.error, NotOwnerError);
  assert.equal(a.outbox.cursors().get(DEVICE_B), undefined, 'not stored: the cursor did not move');
});

test('children before parents: parked, the missing record exposed, applied when it arrives', async () => {
  const { a, b } = await pair();
  const { entry } = seedFiles(a);
  const tag = a.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));
  a.transact((tx) => tx.tagOnEntry.create({ tagId: tag.id, entryId: entry.id, addedAt: NOW }));
  const entries = entriesOf(a, DEVICE_A);
  const link = entries.at(-1)!;
  const first = b.applyChanges([link]);
  assert.equal([first.stored.length, first.parked], [1, 1]);
  assert.equal(b.missingRecords(), [{ model: 'Tag', record: tag.id }]);
  assert.equal(b.outbox.cursors().get(DEVICE_A), 0, 'the cursor waits at the gap');
  const rest = b.applyChanges(entries.slice(0, -1));
  assert.equal([rest.stored.length, rest.parked, b.parkedCount], [entries.length - 1, 0, 0]);
  assert.equal(b.outbox.cursors().get(DEVICE_A), entries.length);
  assert.equal(syncedState(a), syncedState(b));
});

test('an update that arrives before its create is parked on the record itself', async () => {
  const { a, b } = await pair();
  const tag = a.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));
  a.transact((tx) => tx.tag.update(tag.id, { color: '#123456' }));
  const [create, update] = entriesOf(a, DEVICE_A);
  assert.is(b.applyChanges([update!]).parked, 1);
  assert.equal(b.missingRecords(), [{ model: 'Tag', record: tag.id }]);
  b.applyChanges([create!]);
  assert.is(b.get('tag', tag.id)!.color, '#123456');
  assert.equal(syncedState(a), syncedState(b));
});

test('a child that arrives after its parent was deleted follows the reference: cascade or setNull', async () => {
  const { a, b } = await pair();
  const { entry } = seedFiles(a);
  deliver(a, b);
  const tag = b.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));
  const link = b.transact((tx) => tx.tagOnEntry.create({ tagId: tag.id, entryId: entry.id, addedAt: NOW }));
  const album = b.transact((tx) => tx.album.create({ name: 'Trip', coverEntryId: entry.id, createdAt: NOW, updatedAt: NOW }));
  a.transact((tx) => tx.entry.delete(entry.id));
  deliver(a, b);
  deliver(b, a);
  assert.is(a.get('tagOnEntry', link.id), undefined, 'cascade: the link is deleted on A, which never had it');
  assert.is(a.get('album', album.id)!.coverEntryId, null, 'setNull: the cover is cleared');
  assert.equal(syncedState(a), syncedState(b));
  assert.equal(
    syncedState(a)
      ._sync_tombstone!.map((row) => row.record)
      .sort(),
    [entry.id, link.id].sort(),
  );
});

test('deleting a parent cascades on every device to its children and their children', async () => {
  const { a, b } = await pair();
  const { location, entry } = seedFiles(a);
  const child = a.transact((tx) =>
    tx.entry.create({ locationId: location.id, parentId: entry.id, name: 'inner', kind: 'file', sizeBytes: 1, modifiedAt: NOW }),
  );
  deliver(a, b);
  const meta = b.transact((tx) => tx.userMetadata.create({ entryId: child.id, notes: 'b', lastOpenedAt: NOW }));
  deliver(b, a);
  a.transact((tx) => tx.location.delete(location.id));
  deliver(a, b);
  for (const library of [a, b]) {
    assert.equal([library.get('entry', entry.id), library.get('entry', child.id), library.get('userMetadata', meta.id)], [undefined, undefined, undefined]);
  }
  assert.equal(syncedState(a), syncedState(b));
  assert.equal(syncedState(b).user_metadata__device, []);
});

test('a cascade reference is fixed at create: locally refused, and a remote change to it refused unstored', async () => {
  const { a, b } = await pair();
  const { location, entry } = seedFiles(a);
  const other = a.transact((tx) => tx.location.create({ name: 'Other', path: '/o', createdAt: NOW }));
  const tag = a.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));
  const link = a.transact((tx) => tx.tagOnEntry.create({ tagId: tag.id, entryId: entry.id, addedAt: NOW }));
  let error: unknown;
  try {
    a.transact((tx) => tx.entry.update(entry.id, { locationId: other.id }));
  } catch (caught) {
    error = caught;
  }
  assert.match((error as Error).message, /^Entry\.locationId references its parent with onDelete cascade, so it is fixed when the record is created/);
  assert.equal(a.transact((tx) => tx.entry.update(entry.id, { locationId: location.id, name: 'same parent is fine' })).name, 'same parent is fine');
  deliver(a, b);
  const forged = {
    origin: DEVICE_A,
    seq: 99,
    hlc: encodeHlc({ wallMs: 3_000_000, counter: 0, device: DEVICE_A }),
    model: 9,
    record: link.id,
    kind: 'update' as const,
    data: { tagId: tag.id },
  };
  const outcome = b.applyChanges([forged]);
  assert.is(
    outcome.refused[0]!.error.message,
    `invalid remote change: TagOnEntry ${link.id} (${DEVICE_A}#99): tagId references its parent with onDelete cascade and cannot change after create`,
  );
  assert.equal(syncedState(a), syncedState(b));
});

test('a cascade reference repeated unchanged in a local update is left out of its entry, so peers apply it', async () => {
  const { a, b } = await pair();
  const { entry } = seedFiles(a);
  const tag = a.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));
  const link = a.transact((tx) => tx.tagOnEntry.create({ tagId: tag.id, entryId: entry.id, addedAt: NOW }));
  deliver(a, b);
  a.transact((tx) => tx.tagOnEntry.update(link.id, { tagId: tag.id, addedAt: '2024-06-01T00:00:00Z' }));
  const update = entriesOf(a, DEVICE_A).at(-1)!;
  assert.equal([update.kind, update.data], ['update', { addedAt: '2024-06-01T00:00:00Z' }]);
  const outcome = b.applyChanges([update]);
  assert.equal([outcome.stored.length, outcome.refused.length], [1, 0]);
  assert.equal(b.get('tagOnEntry', link.id), { ...link, addedAt: '2024-06-01T00:00:00Z' });
  assert.equal(syncedState(a), syncedState(b));
});

test('idempotence: the same batch twice, or duplicated inside a batch, changes nothing more', async () => {
  const { a, b } = await pair();
  seedFiles(a);
  const entries = entriesOf(a, DEVICE_A);
  const first = b.applyChanges([...entries, ...entries]);
  assert.equal([first.stored.length, first.duplicates], [entries.length, entries.length]);
  const state = syncedState(b);
  const second = b.applyChanges(entries);
  assert.equal([second.stored.length, second.duplicates], [0, entries.length]);
  assert.equal(syncedState(b), state);
});

test('a clock beyond the drift bound is refused and not stored; it applies once the clocks agree', async () => {
  const clockB = manualClock(1_000_000);
  const a = await openDevice(DEVICE_A, { now: () => 1_000_000 + 10 * 60_000 });
  const b = await openDevice(DEVICE_B, { now: clockB.now });
  const tag = a.transact((tx) => tx.tag.create({ name: 'From the future', createdAt: NOW }));
  const refused = deliver(a, b);
  assert.is(refused.refused.length, 1);
  assert.instance(refused.refused[0]!.error, ClockDriftError);
  assert.equal([b.get('tag', tag.id), b.outbox.cursors().get(DEVICE_A), b.clock.wallMs], [undefined, undefined, 0]);
  clockB.set(1_000_000 + 9 * 60_000);
  assert.is(deliver(a, b).stored.length, 1);
  assert.is(b.get('tag', tag.id)!.name, 'From the future');
});

test('malformed entries are refused with typed errors, the rest of the batch applies (unknown models and fields are held: schema-evolution)', async () => {
  const { a, b } = await pair();
  const tag = a.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));
  const [good] = entriesOf(a, DEVICE_A);
  const bad: [unknown, string][] = [
    ['garbage', 'invalid remote change: not an object'],
    [{ ...good, seq: 0 }, 'invalid remote change: seq 0 is not a positive integer'],
    [{ ...good, model: 70_000 }, 'invalid remote change: model 70000 is not a model id (1 to 65535)'],
    [{ ...good, seq: 2, data: { ...good!.data, Colour: 'red' } }, `invalid remote change: Tag ${tag.id} (${DEVICE_A}#2): "Colour" is not a field name`],
    [
      { ...good, seq: 3, data: { ...good!.data, isPinned: 7 } },
      `invalid remote change: Tag ${tag.id} (${DEVICE_A}#3): isPinned: 7 is not a value the field stores`,
    ],
    [{ ...good, seq: 4, data: { name: 'only a name' } }, `invalid remote change: Tag ${tag.id} (${DEVICE_A}#4): insert lacks createdAt`],
    [{ ...good, seq: 5, origin: DEVICE_C }, `invalid remote change: the clock was issued by another device than the origin ${DEVICE_C}`],
  ];
  const outcome = b.applyChanges([...bad.map(([entry]) => entry), good]);
  assert.equal(
    outcome.refused.map((item) => item.error.message),
    bad.map(([, message]) => message),
  );
  assert.ok(outcome.refused.every((item) => item.error instanceof InvalidChangeError));
  assert.equal([outcome.stored.length, b.get('tag', tag.id)!.name], [1, 'Holidays']);
});

test('parking is bounded: past the limit, a change that would park is refused (its sender retries)', async () => {
  const a = await openDevice(DEVICE_A);
  const b = await openDevice(DEVICE_B, { maxParked: 1 });
  const tags = a.transact((tx) => [tx.tag.create({ name: 'one', createdAt: NOW }), tx.tag.create({ name: 'two', createdAt: NOW })]);
  a.transact((tx) => {
    for (const tag of tags) tx.tag.update(tag.id, { icon: 'x' });
  });
  const [, , updateOne, updateTwo] = entriesOf(a, DEVICE_A);
  const outcome = b.applyChanges([updateOne!, updateTwo!]);
  assert.equal([outcome.parked, outcome.refused.length], [1, 1]);
  assert.instance(outcome.refused[0]!.error, ParkingFullError);
  deliver(a, b);
  assert.equal([b.parkedCount, b.get('tag', tags[1]!.id)!.icon], [0, 'x']);
});

test('relay: a device passes on what it received, with the original origin and clock', async () => {
  const a = await openDevice(DEVICE_A);
  const b = await openDevice(DEVICE_B);
  const c = await openDevice(DEVICE_C);
  seedFiles(a);
  a.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));
  deliver(a, b);
  a.close();
  deliver(b, c);
  assert.equal(c.outbox.cursors(), new Map([[DEVICE_A, 4]]));
  assert.equal(heldEntries(c), heldEntries(b));
  assert.equal(syncedState(b), syncedState(c));
  assert.is(registry.byName('Tag')!.id, 5);
});

test.run();
