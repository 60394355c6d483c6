/**
 * Snapshot backfill: a device that lacks most of a peer's log (a new device) pulls a snapshot and
 * claims the vector it reflects, instead of replaying the log entry by entry. Exact outcomes: the
 * same synced state as its peers, their vector claimed, nothing replayed, nothing parked; also
 * with a snapshot page lost on the way, with changes made during the pull, and with a change
 * parked on the serving device (the claim must stay below it).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registry } from '../../generated/index.js';
import type { ChangeEntry } from '../../runtime/core/change-entry.js';
import { syncPortOf } from '../../runtime/library/library.js';
import type { PeerSyncOptions, SyncEvent } from '../../runtime/sync/options.js';
import { PeerSync } from '../../runtime/sync/peer-sync.js';
import { snapshotReason } from '../../runtime/sync/snapshot-reason.js';
import type { Transport } from '../../runtime/transports/transport.js';
import { decodeEnvelope } from '../../runtime/protocol/wire-codec.js';
import { DEVICES, DEVICE_A, DEVICE_B, DEVICE_C, heldEntries, NOW, openDevice } from '../support/libraries.js';
import { assertConverged, SimulatedFleet, TEST_SYNC_OPTIONS, type Device } from '../support/sync-harness.js';

const DEVICE_D = DEVICES[3];
const vector = (entries: [string, number][]) => new Map(entries);

/** Every kind of record: device-owned rows, shared rows edited on two devices, deletes with cascades, hybrid per-device rows. */
async function populate(fleet: SimulatedFleet, files: number): Promise<void> {
  const [a, b] = fleet.devices as [Device, Device];
  a.library.transact((tx) => tx.device.create({ name: 'a', os: 'linux', createdAt: NOW }));
  const location = a.library.transact((tx) => tx.location.create({ name: 'Photos', path: '/photos', createdAt: NOW }));
  const entries = a.library.transact((tx) =>
    Array.from({ length: files }, (_, index) =>
      tx.entry.create({ locationId: location.id, name: `IMG_${index}.jpg`, kind: 'file', sizeBytes: 1000 + index, modifiedAt: NOW }),
    ),
  );
  const tags = a.library.transact((tx) => Array.from({ length: 10 }, (_, index) => tx.tag.create({ name: `tag ${index}`, createdAt: NOW })));
  a.library.transact((tx) => {
    entries.slice(0, 20).forEach((entry, index) => {
      tx.tagOnEntry.create({ tagId: tags[index % 10]!.id, entryId: entry.id, addedAt: NOW });
    });
  });
  const notes = a.library.transact((tx) => entries.slice(0, 6).map((entry) => tx.userMetadata.create({ entryId: entry.id, notes: 'from A', openCount: 1 })));
  assert.ok(await fleet.settle());
  b.library.transact((tx) => {
    tx.tag.update(tags[1]!.id, { color: '#bbbbbb' });
    tx.userMetadata.update(notes[0]!.id, { rating: 4, openCount: 7, lastOpenedAt: NOW });
  });
  a.library.transact((tx) => {
    tx.entry.delete(entries[0]!.id); // cascades to its links and its metadata
    tx.tag.delete(tags[2]!.id); // its links reference it: setNull or cascade by the schema
    tx.tag.update(tags[1]!.id, { name: 'renamed on A' });
  });
  assert.ok(await fleet.settle());
}

/**
 * A new device on the fleet's network whose transport drops the first `StateResponse` it receives
 * (a page lost during the pull).
 */
async function joinLosingFirstPage(fleet: SimulatedFleet, id: string, options: Partial<PeerSyncOptions>): Promise<Device & { dropped: () => number }> {
  const library = await openDevice(id, { now: () => fleet.network.scheduler.now() });
  const inner = fleet.network.transport(id);
  let dropped = 0;
  const transport: Transport = {
    setHandlers: (handlers) =>
      inner.setHandlers({
        ...handlers,
        frame: (peer, frame) => {
          if (dropped === 0 && decodeEnvelope(frame).message.type === 'StateResponse') {
            dropped += 1;
            return;
          }
          handlers.frame(peer, frame);
        },
      }),
    start: () => inner.start(),
    send: (peer, frame) => inner.send(peer, frame),
    disconnect: (peer) => inner.disconnect(peer),
    close: () => inner.close(),
  };
  const sync = new PeerSync(syncPortOf(library), {
    ...TEST_SYNC_OPTIONS,
    ...options,
    transport,
    scheduler: fleet.network.scheduler,
    random: () => fleet.network.random(),
  });
  const device = { id, dir: '', library, sync, transport, dropped: () => dropped };
  fleet.devices.push(device);
  await sync.start();
  return device;
}

/** Who sent which message types to `to`, in delivery order. */
function messagesTo(fleet: SimulatedFleet, to: string): { from: string; type: string; entries: number }[] {
  const seen: { from: string; type: string; entries: number }[] = [];
  fleet.network.observe((from, receiver, frame) => {
    if (receiver !== to) return;
    const { message } = decodeEnvelope(frame);
    seen.push({ from, type: message.type, entries: 'entries' in message ? message.entries.length : 'entry' in message ? 1 : 0 });
  });
  return seen;
}

test("the rule: a snapshot when behind a prune floor, or lacking more than snapshotLag entries and half of the peer's", () => {
  const peer = vector([
    [DEVICE_A, 100],
    [DEVICE_B, 20],
  ]);
  assert.is(snapshotReason(new Map(), peer, new Map(), 50), "120 of the peer's 120 entries missing");
  assert.is(snapshotReason(new Map(), peer, new Map(), 120), null, 'not more than snapshotLag');
  assert.is(snapshotReason(vector([[DEVICE_A, 50]]), peer, new Map(), 50), "70 of the peer's 120 entries missing");
  assert.is(snapshotReason(vector([[DEVICE_A, 70]]), peer, new Map(), 40), null, '50 missing is more than the lag, but less than half');
  assert.is(
    snapshotReason(
      vector([
        [DEVICE_A, 99],
        [DEVICE_B, 20],
      ]),
      peer,
      vector([[DEVICE_B, 21]]),
      8192,
    ),
    "behind the peer's pruned log for 1 origin(s)",
  );
});

test('a new device pulls a snapshot instead of replaying the log, with a lost page asked again: same state, the vector claimed, nothing replayed', async () => {
  const events: SyncEvent[] = [];
  const options = { snapshotLag: 50, pageSize: 64, log: (event: SyncEvent) => events.push(event) };
  const fleet = await SimulatedFleet.create(2, { seed: 41, sync: options });
  const [a] = fleet.devices as [Device, Device];
  await populate(fleet, 200);
  const toC = messagesTo(fleet, DEVICE_C);
  const before = events.length;
  const c = await joinLosingFirstPage(fleet, DEVICE_C, options);
  assert.ok(await fleet.settle());

  assert.is(c.dropped(), 1, 'a StateResponse was lost');
  assert.is(c.sync.metrics().total.retried, 1, 'and its page asked for again, once');
  assertConverged(fleet.live(), assert.equal);
  assert.is(c.library.digest(), a.library.digest());
  assert.equal([...c.library.outbox.cursors()], [...a.library.outbox.cursors()], 'the vector is claimed');
  assert.equal([...syncPortOf(c.library).pruneFloor()], [...a.library.outbox.cursors()], 'entries held only through the snapshot are below its floor');
  assert.equal(heldEntries(c.library), [], 'no entry was replayed into its log');
  assert.is(c.sync.metrics().total.applied, 0);
  assert.is(c.library.parkedCount, 0);
  assert.equal(
    events
      .slice(before)
      .filter((event) => event.event.startsWith('snapshot'))
      .map((event) => event.event),
    ['snapshot needed', 'snapshot merged'],
    'one snapshot, and no other device pulled one',
  );
  const servers = new Set(toC.filter((message) => message.type === 'StateResponse').map((message) => message.from));
  assert.is(servers.size, 1, 'from one peer');
  const server = [...servers][0]!;
  const entriesFromServer = toC.filter((message) => message.from === server).reduce((sum, message) => sum + message.entries, 0);
  const entriesFromOther = toC.filter((message) => message.from !== server).reduce((sum, message) => sum + message.entries, 0);
  assert.is(entriesFromServer + entriesFromOther, 0, 'both peers held their entries back for the pull');
  await fleet.close();
});

test('changes made during the pull reach the new device after its claim', async () => {
  const options = { snapshotLag: 50, pageSize: 32 };
  const fleet = await SimulatedFleet.create(2, { seed: 42, sync: options });
  const [a, b] = fleet.devices as [Device, Device];
  await populate(fleet, 150);
  let pages = 0;
  const tagId = a.library.transact((tx) => tx.tag.create({ name: 'before the pull', createdAt: NOW })).id;
  assert.ok(await fleet.settle());
  fleet.network.observe((_from, to, frame) => {
    if (to !== DEVICE_C || decodeEnvelope(frame).message.type !== 'StateResponse') return;
    pages += 1;
    // Between pages: both peers write; the pages already merged do not show it.
    if (pages === 2) a.library.transact((tx) => tx.tag.update(tagId, { name: 'during the pull', color: '#123456' }));
    if (pages === 4) b.library.transact((tx) => tx.tag.create({ name: 'created during the pull', createdAt: NOW }));
  });
  const c = await fleet.add(DEVICE_C);
  assert.ok(await fleet.settle());
  assert.ok(pages > 4, `several pages (${pages})`);
  assertConverged(fleet.live(), assert.equal);
  assert.equal([...c.library.outbox.cursors()], [...a.library.outbox.cursors()]);
  assert.is(c.library.get('tag', tagId)!.name, 'during the pull');
  assert.is(c.library.parkedCount, 0);
  await fleet.close();
});

test('a change parked on the serving device is not claimed: the new device gets it when its referent arrives', async () => {
  // D (not on the network) creates a Tag; A learns it out of band and links an Entry to it. B gets
  // A's entries but not D's: the link parks on B. C joins B alone and pulls its snapshot: C may claim
  // A's entries only below the parked link (the snapshot lacks its effect). Then the network heals.
  const options = { snapshotLag: 3 };
  const fleet = await SimulatedFleet.create(2, { seed: 43, sync: options });
  const [a, b] = fleet.devices as [Device, Device];
  fleet.network.partition([DEVICE_A], [DEVICE_B, DEVICE_C]);
  const d = await openDevice(DEVICE_D, { now: () => fleet.network.scheduler.now() });
  const tag = d.transact((tx) => tx.tag.create({ name: 'from D', createdAt: NOW }));
  a.library.applyChanges(heldEntries(d));
  a.library.transact((tx) => tx.device.create({ name: 'a', os: 'linux', createdAt: NOW }));
  const location = a.library.transact((tx) => tx.location.create({ name: 'Photos', path: '/photos', createdAt: NOW }));
  const files = a.library.transact((tx) =>
    [0, 1, 2].map((index) => tx.entry.create({ locationId: location.id, name: `IMG_${index}.jpg`, kind: 'file', sizeBytes: 1, modifiedAt: NOW })),
  );
  const link = a.library.transact((tx) => tx.tagOnEntry.create({ tagId: tag.id, entryId: files[0]!.id, addedAt: NOW }));
  const fromA: ChangeEntry[] = heldEntries(a.library).filter((entry) => entry.origin === DEVICE_A);
  const linkSeq = fromA.at(-1)!.seq;
  b.library.applyChanges(fromA);
  assert.is(b.library.parkedCount, 1, "the link waits on B for D's Tag");
  assert.is(b.library.outbox.cursors().get(DEVICE_A), linkSeq);
  assert.is(
    syncPortOf(b.library).snapshotPage(registry.models.tag.id, null, 10).reflects.get(DEVICE_A),
    linkSeq - 1,
    "B's snapshot reflects A only below the parked link",
  );

  const claims: number[] = [];
  fleet.network.observe((from, to, frame) => {
    const { message } = decodeEnvelope(frame);
    if (from === DEVICE_B && to === DEVICE_C && message.type === 'StateResponse') claims.push(message.reflects.get(DEVICE_A) ?? 0);
  });
  const c = await fleet.add(DEVICE_C);
  assert.ok(await fleet.network.scheduler.runUntil(() => (c.library.outbox.cursors().get(DEVICE_A) ?? 0) === linkSeq && c.library.parkedCount === 1, 20_000));
  assert.ok(claims.length > 0 && claims.every((seq) => seq === linkSeq - 1), `every page reflected A:${linkSeq - 1} (${claims.join(', ')})`);
  assert.equal(syncPortOf(c.library).pruneFloor().get(DEVICE_A), linkSeq - 1, 'C claimed A below the link...');
  assert.is(c.library.get('tagOnEntry', link.id), undefined, "...and got the link itself from B's log, parked as on B");

  fleet.network.heal();
  assert.ok(await fleet.settle());
  assert.equal(c.library.get('tagOnEntry', link.id), link);
  assertConverged(fleet.live(), assert.equal);
  assert.is(c.library.parkedCount, 0);
  assert.is(b.library.parkedCount, 0);
  d.close();
  await fleet.close();
});

test.run();
