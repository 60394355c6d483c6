/**
 * What a snapshot changes reaches the devices that relay through the one that pulled it. A—B—C:
 * B learns A's data only by a snapshot (no entry of A in its log); C, which holds an older part of
 * A's data, talks only to B. B serves what it merged (rows, and tombstones of the deletes it never
 * saw as entries), and its claim raises its prune floor, so C catches up from B's snapshot and ends
 * with A's state exactly: deleted records gone (cascades and setNull included), same tombstones.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registry } from '../../generated/index.js';
import { syncPortOf } from '../../runtime/library/library.js';
import type { SyncEvent } from '../../runtime/sync/options.js';
import { DEVICE_A, DEVICE_B, DEVICE_C, heldEntries, NOW, syncedState } from '../support/libraries.js';
import { sameVectors, SimulatedFleet, type Device } from '../support/sync-harness.js';

test('A—B—C: B learned from A only by snapshot, C only talks to B, and all three end with the same state', async () => {
  const events: { device: string; event: SyncEvent }[] = [];
  const fleet = await SimulatedFleet.create(1, {
    seed: 51,
    sync: { snapshotLag: 5, pageSize: 16 },
    logFor: (device) => (event) => events.push({ device, event }),
  });
  const a = fleet.devices[0]!;
  const run = (devices: Device[]) => fleet.network.scheduler.runUntil(() => sameVectors(devices), 60_000);

  // C syncs with A: it holds A's early data.
  fleet.network.partition([DEVICE_A, DEVICE_C]);
  const c = await fleet.add(DEVICE_C);
  a.library.transact((tx) => tx.device.create({ name: 'A', os: 'linux', createdAt: NOW }));
  const photos = a.library.transact((tx) => tx.location.create({ name: 'Photos', path: '/p', createdAt: NOW }));
  const files = a.library.transact((tx) =>
    Array.from({ length: 12 }, (_, index) => tx.entry.create({ locationId: photos.id, name: `${index}.jpg`, kind: 'file', sizeBytes: index, modifiedAt: NOW })),
  );
  const tags = a.library.transact((tx) => [0, 1, 2].map((index) => tx.tag.create({ name: `tag ${index}`, createdAt: NOW })));
  const links = a.library.transact((tx) => files.map((file, index) => tx.tagOnEntry.create({ tagId: tags[index % 3]!.id, entryId: file.id, addedAt: NOW })));
  const albums = a.library.transact((tx) => [tx.album.create({ name: 'cover', coverEntryId: files[3]!.id, createdAt: NOW, updatedAt: NOW })]);
  assert.ok(await run([a, c]));

  // Apart from C, A deletes (a file with its links, a tag with its links, a file an album points to) and edits.
  fleet.network.partition([DEVICE_A], [DEVICE_C]);
  a.library.transact((tx) => {
    tx.entry.delete(files[0]!.id);
    tx.tag.delete(tags[1]!.id);
    tx.entry.delete(files[3]!.id);
    tx.tag.update(tags[2]!.id, { name: 'renamed' });
  });
  a.library.transact((tx) => tx.tag.create({ name: 'new on A', createdAt: NOW }));

  // B joins A alone and pulls a snapshot.
  fleet.network.partition([DEVICE_A, DEVICE_B], [DEVICE_C]);
  const b = await fleet.add(DEVICE_B);
  assert.ok(await run([a, b]));
  assert.equal(
    heldEntries(b.library).filter((entry) => entry.origin === DEVICE_A),
    [],
    'B holds no entry of A: it learned by snapshot only',
  );
  assert.equal(syncedState(b.library), syncedState(a.library));
  const served = syncPortOf(b.library).snapshotPage(registry.models.tagOnEntry.id, null, 1000).records;
  assert.ok(
    served.some((record) => record.record === links[0]!.id && record.deleted),
    "B serves the tombstones of deletes it saw only in A's snapshot",
  );

  // C talks only to B: it is behind B's floor, so it pulls B's snapshot.
  fleet.network.partition([DEVICE_A], [DEVICE_B, DEVICE_C]);
  assert.ok(await run([b, c]));
  const state = syncedState(a.library);
  assert.equal(syncedState(c.library), state, 'C ends with the state A has');
  assert.is(c.library.digest(), a.library.digest());
  assert.is(c.library.get('entry', files[0]!.id), undefined);
  assert.is(c.library.get('tagOnEntry', links[1]!.id), undefined, 'a link of the deleted tag went with it');
  assert.is(c.library.get('album', albums[0]!.id)!.coverEntryId, null, 'setNull followed the delete');
  assert.is(c.library.get('tag', tags[2]!.id)!.name, 'renamed');
  assert.ok(
    events.some(({ device, event }) => device === DEVICE_C && event.event === 'snapshot merged' && event.peer === DEVICE_B),
    'C caught up from B by a snapshot',
  );

  // Everyone writes on; healed, the three converge with what each wrote.
  b.library.transact((tx) => tx.tag.update(tags[0]!.id, { color: '#0000bb' }));
  c.library.transact((tx) => tx.tag.create({ name: 'new on C', createdAt: NOW }));
  a.library.transact((tx) => tx.entry.delete(files[5]!.id));
  fleet.network.heal();
  assert.ok(await fleet.settle());
  const final = syncedState(a.library);
  for (const device of [b, c]) assert.equal(syncedState(device.library), final, `${device.id} converged`);
  for (const device of fleet.live()) assert.is(device.sync.metrics().total.refused, 0);
  assert.equal(
    events
      .filter(({ event }) => event.level === 'warn' && event.event !== 'send failed')
      .map(({ device, event }) => `${device} ${event.event}: ${event.detail}`),
    [],
  );
  await fleet.close();
});

test.run();
