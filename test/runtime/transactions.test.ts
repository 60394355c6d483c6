/**
 * The TransactionManager: the only write path. Atomic commit and rollback of rows and log entries,
 * synchronous callbacks only, owner enforcement, and a typed error for every refused write.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChangeEntry } from '../../runtime/core/change-entry.js';
import {
  AsyncTransactionError,
  FieldValueError,
  MissingReferenceError,
  NotOwnerError,
  RecordDeletedError,
  RecordExistsError,
  RecordNotFoundError,
  TransactionClosedError,
  UnknownFieldError,
} from '../../runtime/core/errors.js';
import { compareHlc, decodeHlc } from '../../runtime/core/hlc.js';
import { DEVICE_A, DEVICE_B, deliver, heldEntries, NOW, openDevice, syncedState } from '../support/libraries.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.unreachable('nothing was thrown');
}

test('create fills defaults and a new key, logs one entry per change with contiguous seqs, and tells the outbox', async () => {
  const library = await openDevice(DEVICE_A);
  const committed: ChangeEntry[][] = [];
  library.outbox.subscribe((entries) => committed.push([...entries]));
  const tag = library.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));
  assert.equal({ ...tag, id: 'x' }, { id: 'x', name: 'Holidays', color: null, icon: null, description: null, isPinned: false, position: 0, createdAt: NOW });
  assert.match(tag.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  library.transact((tx) => {
    tx.tag.update(tag.id, { color: '#ff8800' });
    tx.album.create({ name: 'Trip', createdAt: NOW, updatedAt: NOW });
  });
  assert.equal(
    committed.map((entries) => entries.map((entry) => `${entry.seq}:${entry.kind}`)),
    [['1:insert'], ['2:update', '3:insert']],
  );
  assert.equal(committed[1]![0]!.data, { color: '#ff8800' }, 'a logBased update logs the changed fields only');
  assert.equal(library.outbox.cursors(), new Map([[DEVICE_A, 3]]));
  const clocks = heldEntries(library).map((entry) => decodeHlc(entry.hlc));
  assert.ok(
    clocks.every((clock, index) => index === 0 || compareHlc(clock, clocks[index - 1]!) > 0),
    'each change has a later clock',
  );
  library.close();
});

test('a throw inside transact rolls back every row, clock and log entry of it', async () => {
  const library = await openDevice(DEVICE_A);
  library.transact((tx) => tx.tag.create({ name: 'kept', createdAt: NOW }));
  const before = syncedState(library);
  const error = thrown(() =>
    library.transact((tx) => {
      const tag = tx.tag.create({ name: 'lost', createdAt: NOW });
      tx.tag.update(tag.id, { color: '#000000' });
      tx.album.create({ name: 'lost too', createdAt: NOW, updatedAt: NOW });
      throw new Error('app failure');
    }),
  );
  assert.is((error as Error).message, 'app failure');
  assert.equal(syncedState(library), before);
  assert.equal(library.outbox.cursors(), new Map([[DEVICE_A, 1]]));
  assert.is(heldEntries(library).length, 1);
  const next = library.transact((tx) => tx.tag.create({ name: 'after', createdAt: NOW }));
  assert.equal(
    heldEntries(library)
      .map((entry) => [entry.seq, entry.record])
      .at(-1),
    [2, next.id],
    'seqs stay contiguous',
  );
  library.close();
});

test('an async callback is refused and rolled back; its writes after await fail and are reported', async () => {
  const reported: string[] = [];
  const library = await openDevice(DEVICE_A, { onError: (error, context) => reported.push(`${context}: ${(error as Error).name}`) });
  const error = thrown(() =>
    library.transact(async (tx) => {
      tx.tag.create({ name: 'before await', createdAt: NOW });
      await Promise.resolve();
      tx.tag.create({ name: 'after await', createdAt: NOW });
    }),
  );
  assert.instance(error, AsyncTransactionError);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(reported, ['async transact callback: TransactionClosedError']);
  assert.equal(syncedState(library).tag, []);
  assert.is(heldEntries(library).length, 0);
  library.close();
});

test('a tx cannot outlive its callback, and transact cannot nest', async () => {
  const library = await openDevice(DEVICE_A);
  let kept: Parameters<Parameters<typeof library.transact>[0]>[0] | undefined;
  library.transact((tx) => {
    kept = tx;
  });
  assert.instance(
    thrown(() => kept!.tag.create({ name: 'late', createdAt: NOW })),
    TransactionClosedError,
  );
  assert.instance(
    thrown(() => library.transact(() => library.transact(() => 1))),
    TransactionClosedError,
  );
  library.close();
});

test('device-owned data: the owner field defaults to this device; other devices cannot write it', async () => {
  const a = await openDevice(DEVICE_A);
  const b = await openDevice(DEVICE_B);
  const device = a.transact((tx) => tx.device.create({ name: 'Laptop', os: 'linux', createdAt: NOW }));
  assert.is(device.id, DEVICE_A, "a Device record's key is its owner");
  const location = a.transact((tx) => tx.location.create({ name: 'Photos', path: '/photos', createdAt: NOW }));
  assert.is(location.deviceId, DEVICE_A);
  deliver(a, b);
  assert.equal(b.get('location', location.id), location);

  const update = thrown(() => b.transact((tx) => tx.location.update(location.id, { name: 'Mine now' })));
  assert.instance(update, NotOwnerError);
  assert.is(
    (update as Error).message,
    `Location ${location.id} is owned by device ${DEVICE_A}; device ${DEVICE_B} cannot write it (device-owned data has one writer)`,
  );
  assert.instance(
    thrown(() => b.transact((tx) => tx.location.delete(location.id))),
    NotOwnerError,
  );
  assert.instance(
    thrown(() => b.transact((tx) => tx.location.create({ deviceId: DEVICE_A, name: 'Forged', path: '/x', createdAt: NOW }))),
    NotOwnerError,
  );
  const ownerChange = thrown(() => a.transact((tx) => tx.location.update(location.id, { deviceId: DEVICE_B })));
  assert.equal(
    [(ownerChange as UnknownFieldError).code, (ownerChange as Error).message],
    ['unknown-field', 'Location.deviceId is the owner field; it cannot change'],
  );
  a.close();
  b.close();
});

test('refused writes: each a typed error that names the model and field, and nothing is written', async () => {
  const library = await openDevice(DEVICE_A);
  const tag = library.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));
  const before = syncedState(library);
  const cases: [() => unknown, new (...args: never[]) => Error, string][] = [
    [
      () => library.transact((tx) => tx.tag.create({ name: 'x', createdAt: NOW, colour: 'red' } as never)),
      UnknownFieldError,
      'Tag.colour is not a field of the model',
    ],
    [
      () => library.transact((tx) => tx.tag.create({ name: 'x', createdAt: NOW, color: 'red' })),
      FieldValueError,
      'Tag.color: expected a string matching /^#[0-9a-f]{6}$/ or null, got "red"',
    ],
    [
      () => library.transact((tx) => tx.tag.create({ createdAt: NOW } as never)),
      FieldValueError,
      'Tag.name: is required: a create must give a string of 1 to 64 characters',
    ],
    [
      () => library.transact((tx) => tx.tag.create({ id: tag.id, name: 'x', createdAt: NOW })),
      RecordExistsError,
      `Tag ${tag.id} already exists; update it, or create with another id`,
    ],
    [
      () => library.transact((tx) => tx.tag.update('00000000-0000-4000-8000-0000000000ff', { name: 'x' })),
      RecordNotFoundError,
      'Tag 00000000-0000-4000-8000-0000000000ff does not exist',
    ],
    [() => library.transact((tx) => tx.tag.update(tag.id, { id: tag.id } as never)), UnknownFieldError, 'Tag.id is the primary key; it cannot change'],
    [
      () => library.transact((tx) => tx.tagOnEntry.create({ tagId: tag.id, entryId: '00000000-0000-4000-8000-0000000000ee', addedAt: NOW })),
      MissingReferenceError,
      'TagOnEntry.entryId references Entry 00000000-0000-4000-8000-0000000000ee, which does not exist',
    ],
    [
      () => library.transact((tx) => tx.userMetadata.create({ entryId: 'not-a-uuid' })),
      FieldValueError,
      'UserMetadata.entryId: expected a UUID (8-4-4-4-12 hex digits), got "not-a-uuid"',
    ],
  ];
  for (const [write, type, message] of cases) {
    const error = thrown(write);
    assert.instance(error, type);
    assert.is((error as Error).message, message);
  }
  assert.equal(syncedState(library), before);

  assert.is(
    library.transact((tx) => tx.tag.delete(tag.id)),
    true,
  );
  assert.is(
    library.transact((tx) => tx.tag.delete(tag.id)),
    false,
    'deleting twice is a no-op',
  );
  assert.instance(
    thrown(() => library.transact((tx) => tx.tag.update(tag.id, { name: 'back' }))),
    RecordDeletedError,
  );
  assert.instance(
    thrown(() => library.transact((tx) => tx.tag.create({ id: tag.id, name: 'back', createdAt: NOW }))),
    RecordDeletedError,
  );
  const deleted = thrown(() => library.transact((tx) => tx.tagOnEntry.create({ tagId: tag.id, entryId: tag.id, addedAt: NOW })));
  assert.is((deleted as Error).message, `TagOnEntry.tagId references Tag ${tag.id}, which was deleted`);
  library.close();
});

test('hybrid: shared fields for everyone, perDevice fields per device, logged whole', async () => {
  const a = await openDevice(DEVICE_A);
  const b = await openDevice(DEVICE_B);
  a.transact((tx) => tx.device.create({ name: 'A', os: 'linux', createdAt: NOW }));
  const location = a.transact((tx) => tx.location.create({ name: 'Photos', path: '/p', createdAt: NOW }));
  const entry = a.transact((tx) => tx.entry.create({ locationId: location.id, name: 'a.jpg', kind: 'file', sizeBytes: 1, modifiedAt: NOW }));
  const meta = a.transact((tx) => tx.userMetadata.create({ entryId: entry.id, notes: 'shared', openCount: 3 }));
  assert.equal([meta.notes, meta.openCount, meta.lastOpenedAt], ['shared', 3, null]);
  deliver(a, b);
  b.transact((tx) => tx.userMetadata.update(meta.id, { lastOpenedAt: NOW }));
  const [entryOfB] = heldEntries(b).filter((item) => item.origin === DEVICE_B);
  assert.equal(entryOfB!.data, { lastOpenedAt: NOW, openCount: 0 }, "B's perDevice state travels whole");
  deliver(b, a);
  assert.equal([a.get('userMetadata', meta.id)!.openCount, a.get('userMetadata', meta.id)!.lastOpenedAt], [3, null]);
  assert.equal(
    [b.get('userMetadata', meta.id)!.openCount, b.get('userMetadata', meta.id)!.lastOpenedAt, b.get('userMetadata', meta.id)!.notes],
    [0, NOW, 'shared'],
  );
  assert.equal(syncedState(a).user_metadata__device, syncedState(b).user_metadata__device);
  assert.is(syncedState(a).user_metadata__device!.length, 2);
  a.close();
  b.close();
});

test('reads go through a read-only connection: writing through library.db fails', async () => {
  const library = await openDevice(DEVICE_A);
  library.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));
  const rows = await library.db.selectFrom('tag').select(['name', 'isPinned']).execute();
  assert.equal(rows, [{ name: 'Holidays', isPinned: false }]);
  const error = await library.db
    .deleteFrom('tag')
    .execute()
    .catch((caught: unknown) => caught);
  assert.is((error as { code?: string }).code, 'SQLITE_READONLY');
  assert.is(syncedState(library).tag!.length, 1);
  library.close();
});

test.run();
