/**
 * The change feed (`library.onChange`) and live queries (`library.watch`): exact notices for local
 * writes, received entries, snapshot and fetched records, cascades and setNull clears, hybrid
 * perDevice fields, model filters, failing listeners; live queries re-run after commits that touch
 * what they read, and only then. The fleet property checks the feed on random histories
 * (`harness/fleet-history.ts`, check 7).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { syncPortOf } from '../../runtime/library/library.js';
import type { LibraryChange } from '../../runtime/library/change-feed.js';
import { DEVICE_A, DEVICE_B, deliver, heldEntries, NOW, openDevice, type ExampleLibrary } from '../support/libraries.js';
import { snapshotOf } from '../support/snapshots.js';

type Notice = LibraryChange<ExampleLibrary['registry']>;

function record(library: ExampleLibrary): Notice[] {
  const notices: Notice[] = [];
  library.onChange((change) => notices.push(change));
  return notices;
}

/** A device with a location and two entries, an album with one of them, and the second as the album's cover. */
async function fileLibrary() {
  const library = await openDevice(DEVICE_A);
  library.transact((tx) => tx.device.create({ name: 'A', os: 'linux', createdAt: NOW }));
  const location = library.transact((tx) => tx.location.create({ name: 'Photos', path: '/p', createdAt: NOW }));
  const [first, second] = library.transact((tx) =>
    ['1.jpg', '2.jpg'].map((name) => tx.entry.create({ locationId: location.id, name, kind: 'file', sizeBytes: 1, modifiedAt: NOW })),
  );
  const album = library.transact((tx) => tx.album.create({ name: 'Trip', coverEntryId: second!.id, createdAt: NOW, updatedAt: NOW }));
  const link = library.transact((tx) => tx.entryInAlbum.create({ albumId: album.id, entryId: first!.id, position: 0, addedAt: NOW }));
  return { library, location, first: first!, second: second!, album, link };
}

test('local writes: one notice per commit with the records created, the fields that changed, the records deleted', async () => {
  const library = await openDevice(DEVICE_A);
  const notices = record(library);
  const [a, b] = library.transact((tx) => [tx.tag.create({ name: 'A', createdAt: NOW }), tx.tag.create({ name: 'B', createdAt: NOW })]);
  library.transact((tx) => tx.tag.update(a!.id, { name: 'A2', color: '#ff0000', isPinned: false }));
  library.transact((tx) => tx.tag.delete(b!.id));
  const ids = [a!.id, b!.id].sort();
  assert.equal(notices, [
    { source: { kind: 'local' }, models: { tag: { created: ids, updated: [], deleted: [] } } },
    // isPinned was false already: not a change.
    { source: { kind: 'local' }, models: { tag: { created: [], updated: [{ id: a!.id, fields: ['name', 'color'], cascade: false }], deleted: [] } } },
    { source: { kind: 'local' }, models: { tag: { created: [], updated: [], deleted: [{ id: b!.id, cascade: false }] } } },
  ]);
  library.close();
});

test('a commit that changes nothing visible sends no notice; changes folded within a commit', async () => {
  const library = await openDevice(DEVICE_A);
  const tag = library.transact((tx) => tx.tag.create({ name: 'A', createdAt: NOW }));
  const notices = record(library);
  library.transact((tx) => tx.tag.update(tag.id, { name: 'A' }));
  library.transact((tx) => tx.tag.delete(tx.tag.create({ name: 'gone', createdAt: NOW }).id));
  library.transact((tx) => {
    tx.tag.update(tag.id, { name: 'B', icon: 'star' });
    tx.tag.update(tag.id, { name: 'A' });
  });
  assert.equal(notices, [
    { source: { kind: 'local' }, models: { tag: { created: [], updated: [{ id: tag.id, fields: ['icon'], cascade: false }], deleted: [] } } },
  ]);
  library.close();
});

test('a cascade lists every record it removed and every reference it cleared', async () => {
  const { library, location, first, second, album, link } = await fileLibrary();
  const notices = record(library);
  library.transact((tx) => tx.location.delete(location.id));
  assert.equal(notices, [
    {
      source: { kind: 'local' },
      models: {
        location: { created: [], updated: [], deleted: [{ id: location.id, cascade: false }] },
        entry: { created: [], updated: [], deleted: [first.id, second.id].sort().map((id) => ({ id, cascade: true })) },
        entryInAlbum: { created: [], updated: [], deleted: [{ id: link.id, cascade: true }] },
        album: { created: [], updated: [{ id: album.id, fields: ['coverEntryId'], cascade: true }], deleted: [] },
      },
    },
  ]);
  library.close();
});

test('received entries, snapshot pages and fetched records notify with their source; the same cascade on the receiver', async () => {
  const { library: a, location, first, second, album, link } = await fileLibrary();
  const b = await openDevice(DEVICE_B);
  const viaEntries = record(b);
  b.applyChanges(heldEntries(a), { from: DEVICE_A });
  assert.equal(viaEntries.length, 1);
  assert.equal(viaEntries[0]!.source, { kind: 'entries', peer: DEVICE_A });
  assert.equal(Object.keys(viaEntries[0]!.models).sort(), ['album', 'device', 'entry', 'entryInAlbum', 'location']);
  a.transact((tx) => tx.location.delete(location.id));
  deliver(a, b);
  assert.equal(
    viaEntries[1]!.models.entry!.deleted,
    [first.id, second.id].sort().map((id) => ({ id, cascade: true })),
  );
  assert.equal(viaEntries[1]!.models.entryInAlbum!.deleted, [{ id: link.id, cascade: true }]);
  assert.equal(viaEntries[1]!.models.album!.updated, [{ id: album.id, fields: ['coverEntryId'], cascade: true }]);

  const c = await openDevice('0000000c-0000-4000-8000-00000000000c');
  const viaSnapshot = record(c);
  const port = syncPortOf(c);
  assert.equal(port.mergeSnapshot(snapshotOf(b, [a.registry.models.album.id]), { from: DEVICE_B, kind: 'snapshot' }).refused, []);
  assert.equal(port.mergeSnapshot(snapshotOf(b, [a.registry.models.tag.id]), { from: DEVICE_B, kind: 'snapshot' }).refused, []);
  const tag = a.transact((tx) => tx.tag.create({ name: 'late', createdAt: NOW }));
  deliver(a, b);
  assert.equal(
    port.mergeSnapshot(syncPortOf(b).snapshotRecords([{ model: a.registry.models.tag.id, record: tag.id }]), { from: DEVICE_B, kind: 'fetch' }).refused,
    [],
  );
  assert.equal(viaSnapshot, [
    { source: { kind: 'snapshot', peer: DEVICE_B }, models: { album: { created: [album.id], updated: [], deleted: [] } } },
    { source: { kind: 'fetch', peer: DEVICE_B }, models: { tag: { created: [tag.id], updated: [], deleted: [] } } },
  ]);
  for (const library of [a, b, c]) library.close();
});

test("a hybrid model's perDevice fields notify on their device only", async () => {
  const { library: a, first } = await fileLibrary();
  const b = await openDevice(DEVICE_B);
  deliver(a, b);
  const meta = a.transact((tx) => tx.userMetadata.create({ entryId: first.id, notes: 'n' }));
  deliver(a, b);
  const onA = record(a);
  const onB = record(b);
  b.transact((tx) => tx.userMetadata.update(meta.id, { openCount: 0 }));
  b.transact((tx) => tx.userMetadata.update(meta.id, { openCount: 2, favorite: true }));
  deliver(b, a);
  assert.equal(onB, [
    {
      source: { kind: 'local' },
      models: { userMetadata: { created: [], updated: [{ id: meta.id, fields: ['favorite', 'openCount'], cascade: false }], deleted: [] } },
    },
  ]);
  // A sees B's shared field; B's openCount is B's own.
  assert.equal(onA, [
    {
      source: { kind: 'entries', peer: null },
      models: { userMetadata: { created: [], updated: [{ id: meta.id, fields: ['favorite'], cascade: false }], deleted: [] } },
    },
  ]);
  a.close();
  b.close();
});

test('a model filter hears only its model; a failing listener is reported and the others still hear', async () => {
  const errors: [unknown, string][] = [];
  const library = await openDevice(DEVICE_A, { onError: (error, context) => errors.push([error, context]) });
  const tags: unknown[] = [];
  const all: Notice[] = [];
  library.onChange(() => {
    throw new Error('listener bug');
  });
  const stop = library.onChange('tag', (change) => tags.push(change));
  library.onChange((change) => all.push(change));
  const tag = library.transact((tx) => tx.tag.create({ name: 'A', createdAt: NOW }));
  library.transact((tx) => tx.album.create({ name: 'Trip', createdAt: NOW, updatedAt: NOW }));
  stop();
  library.transact((tx) => tx.tag.delete(tag.id));
  assert.equal(tags, [{ source: { kind: 'local' }, created: [tag.id], updated: [], deleted: [] }]);
  assert.is(all.length, 3);
  assert.equal(
    errors.map(([error, context]) => [(error as Error).message, context]),
    [1, 2, 3].map(() => ['listener bug', 'change listener']),
  );
  library.close();
});

test('a live query runs now and after each commit that changes its rows, decoded, and stops when dropped', async () => {
  const library = await openDevice(DEVICE_A);
  const runs: unknown[][] = [];
  const stop = library.watch(library.db.selectFrom('tag').select(['name', 'isPinned']).orderBy('name'), (rows) => runs.push(rows));
  await settle();
  const tag = library.transact((tx) => tx.tag.create({ name: 'A', createdAt: NOW }));
  await settle();
  library.transact((tx) => tx.album.create({ name: 'not a tag', createdAt: NOW, updatedAt: NOW }));
  library.transact((tx) => tx.tag.update(tag.id, { icon: 'star' }));
  await settle();
  library.transact((tx) => tx.tag.update(tag.id, { isPinned: true }));
  await settle();
  stop();
  library.transact((tx) => tx.tag.update(tag.id, { name: 'B' }));
  await settle();
  // The album and the icon changed nothing the query reads: no run with the same rows.
  assert.equal(runs, [[], [{ name: 'A', isPinned: false }], [{ name: 'A', isPinned: true }]]);
  library.close();
});

/** Lets live queries run (they run on the read-only connection, asynchronously after the commit). */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

test.run();
