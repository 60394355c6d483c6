/**
 * Membership gossip on the simulated network: a member record added on A reaches C through B
 * (A and C never connected), and the gossip stops once every device holds the same set; a device
 * removed by A has its entries after the cut refused, with 'device-removed', on every device, while
 * its earlier ones stay applied; a device that held some of those entries before it heard of the
 * removal does not relay them. The simulated transport checks no membership at the connection
 * level (the TCP transport does): these tests exercise the gossip and the entry cut.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChangeEntry } from '../../runtime/core/change-entry.js';
import { RemovedDeviceError } from '../../runtime/core/errors.js';
import type { SyncMessage } from '../../runtime/protocol/messages.js';
import { decodeEnvelope } from '../../runtime/protocol/wire-codec.js';
import type { Transport } from '../../runtime/transports/transport.js';
import { DEVICE_A, DEVICE_B, DEVICE_C, DEVICES, heldEntries, NOW } from '../support/libraries.js';
import { SimulatedFleet, type Device } from '../support/sync-harness.js';

const DEVICE_X = DEVICES[3];
const NEW_DEVICE = '0000000e-0000-4000-8000-00000000000e';
const NEW_KEY = 'ab'.repeat(32);

/** Every message delivered, with its link. */
function deliveries(fleet: SimulatedFleet): { from: string; to: string; message: SyncMessage }[] {
  const seen: { from: string; to: string; message: SyncMessage }[] = [];
  fleet.network.observe((from, to, frame) => seen.push({ from, to, message: decodeEnvelope(frame).message }));
  return seen;
}

/** The entries a message carries. */
function entriesOf(message: SyncMessage): readonly ChangeEntry[] {
  return 'entries' in message ? message.entries : 'entry' in message ? [message.entry] : [];
}

/** Deliveries, by a device other than X, of X's entries after its cut of 3. */
function relayedPastCut(seen: readonly { from: string; to: string; message: SyncMessage }[]): string[] {
  return seen.flatMap(({ from, to, message }) =>
    from === DEVICE_X ? [] : entriesOf(message).flatMap((entry) => (entry.origin === DEVICE_X && entry.seq > 3 ? [`${from} > ${to}: #${entry.seq}`] : [])),
  );
}

/** The member set as a device holds it, one line per record, for exact comparison. */
function memberSet(device: Device): string[] {
  return device.library.members.list().map((member) => `${member.device} ${member.active ? 'member' : 'removed'} cut ${member.removedAfterSeq}`);
}

function knows(device: Device, member: string, removed = false): boolean {
  return device.library.members.list().some((record) => record.device === member && record.active !== removed);
}

/**
 * A device's transport that never hands it a Members message: a removed device that never hears of
 * its removal (or ignores it) and goes on sending what it writes. (One that hears of it stops
 * sending its entries after the cut: every peer would refuse them.)
 */
function deafToMembers(inner: Transport): Transport {
  return {
    setHandlers: (handlers) =>
      inner.setHandlers({
        ...handlers,
        frame: (peer, frame) => {
          if (decodeEnvelope(frame).message.type !== 'Members') handlers.frame(peer, frame);
        },
      }),
    start: () => inner.start(),
    send: (peer, frame) => inner.send(peer, frame),
    disconnect: (peer, reason, code) => inner.disconnect(peer, reason, code),
    close: () => inner.close(),
  };
}

function tags(device: Device, names: readonly string[]): string[] {
  return names.map((name) => device.library.transact((tx) => tx.tag.create({ name, createdAt: NOW })).id);
}

test('a member added on A reaches C through B, and the gossip stops once all hold the same set', async () => {
  const fleet = await SimulatedFleet.create(0, { seed: 61 });
  // B reaches both; A and C never connect.
  fleet.network.partition([DEVICE_A, DEVICE_B], [DEVICE_B, DEVICE_C]);
  const seen = deliveries(fleet);
  const [a, b, c] = [await fleet.add(DEVICE_A), await fleet.add(DEVICE_B), await fleet.add(DEVICE_C)];
  assert.ok(await fleet.network.scheduler.runUntil(() => [a, b, c].every((device) => device.library.members.list().length === 3), 10_000));

  const addedAt = fleet.network.scheduler.now();
  a.library.members.add(NEW_DEVICE, NEW_KEY);
  assert.ok(await fleet.network.scheduler.runUntil(() => knows(c, NEW_DEVICE), 10_000), 'C learns of the new member');
  assert.equal(
    c.library.members.list().find((member) => member.device === NEW_DEVICE),
    {
      device: NEW_DEVICE,
      fingerprint: NEW_KEY,
      addedBy: DEVICE_A,
      addedAt,
      removedBy: null,
      removedAt: null,
      removedAfterSeq: null,
      conflict: false,
      active: true,
    },
  );
  // What is in flight lands (C's merged set goes back to B, which finds nothing new); then quiet.
  await fleet.network.scheduler.advance(1000);
  const lastGossip = seen.filter(({ message }) => message.type === 'Members').length;
  await fleet.network.scheduler.advance(10_000);
  assert.is(seen.filter(({ message }) => message.type === 'Members').length, lastGossip, 'no Members message after every device holds the same set');

  const expected = [DEVICE_A, DEVICE_B, DEVICE_C, NEW_DEVICE].map((device) => `${device} member cut null`);
  assert.equal([memberSet(a), memberSet(b), memberSet(c)], [expected, expected, expected]);
  assert.equal(
    seen.filter(({ from, to }) => [from, to].sort().join() === [DEVICE_A, DEVICE_C].sort().join()),
    [],
    'nothing ever went between A and C',
  );
  assert.ok(
    seen.some(
      ({ from, to, message }) => from === DEVICE_B && to === DEVICE_C && message.type === 'Members' && message.members.some((m) => m.device === NEW_DEVICE),
    ),
    'C had it from B',
  );
  assert.is(c.sync.metrics().peers[DEVICE_A], undefined, 'C never heard from A');
  assert.ok(b.sync.metrics().peers[DEVICE_A]!.membersChanged >= 1 && c.sync.metrics().peers[DEVICE_B]!.membersChanged >= 1);
  await fleet.close();
});

test("a removed device's entries after its cut are refused on every device with 'device-removed'; those before stay", async () => {
  const fleet = await SimulatedFleet.create(0, { seed: 62, wrapTransport: (id, transport) => (id === DEVICE_X ? deafToMembers(transport) : transport) });
  const line = [
    [DEVICE_A, DEVICE_B],
    [DEVICE_B, DEVICE_C],
  ];
  // X reaches B only while it is a member.
  fleet.network.partition(...line, [DEVICE_X, DEVICE_B]);
  const seen = deliveries(fleet);
  const [a, b, c, x] = [await fleet.add(DEVICE_A), await fleet.add(DEVICE_B), await fleet.add(DEVICE_C), await fleet.add(DEVICE_X)];
  const before = tags(x, ['x1', 'x2', 'x3']);
  assert.ok(await fleet.settle());
  assert.ok(await fleet.network.scheduler.runUntil(() => [a, c].every((device) => knows(device, DEVICE_X)), 10_000));

  // X is cut off; A removes it, holding its entries up to 3, and the removal reaches C through B.
  fleet.network.partition(...line);
  a.library.members.remove(DEVICE_X);
  assert.ok(await fleet.network.scheduler.runUntil(() => knows(c, DEVICE_X, true), 10_000));
  const after = tags(x, ['x4', 'x5']);
  assert.equal(
    [...x.library.outbox.cursors()].find(([origin]) => origin === DEVICE_X),
    [DEVICE_X, 5],
  );

  // X comes back, now reaching every device: each refuses what it wrote after the cut.
  fleet.network.partition(...line, [DEVICE_X, DEVICE_A], [DEVICE_X, DEVICE_B], [DEVICE_X, DEVICE_C]);
  const refusals = (device: Device) =>
    seen.flatMap(({ from, to, message }) => (from === device.id && to === DEVICE_X && message.type === 'Error' ? [`${message.code}: ${message.message}`] : []));
  assert.ok(await fleet.network.scheduler.runUntil(() => [a, b, c].every((device) => refusals(device).length > 0), 10_000));
  const [, , third, fourth] = heldEntries(x.library).filter((entry) => entry.origin === DEVICE_X);
  await fleet.crash(DEVICE_X);
  await fleet.network.scheduler.advance(2000);

  const refused = `device-removed: 2 of 2 entries refused; first: entry ${DEVICE_X}#4 was written after its device was removed from the library (entries after #3 are refused)`;
  for (const device of [a, b, c]) {
    assert.equal(new Set(refusals(device)), new Set([refused]), `${device.id} refused X's later entries, and nothing else`);
    assert.equal(
      heldEntries(device.library)
        .filter((entry) => entry.origin === DEVICE_X)
        .map((entry) => entry.seq),
      [1, 2, 3],
      `${device.id} holds X's entries up to the cut`,
    );
    assert.equal(
      [...before, ...after].map((id) => device.library.get('tag', id)?.name ?? null),
      ['x1', 'x2', 'x3', null, null],
    );
    assert.equal(
      memberSet(device),
      [DEVICE_A, DEVICE_B, DEVICE_C, DEVICE_X].map((id) => `${id} ${id === DEVICE_X ? 'removed' : 'member'} cut ${id === DEVICE_X ? 3 : null}`),
    );
  }
  assert.equal(relayedPastCut(seen), [], 'no device relayed them');

  // The typed error, as the merge layer gives it.
  const outcome = c.library.applyChanges([third, fourth]);
  assert.equal([outcome.stored.length, outcome.duplicates, outcome.refused.length], [0, 1, 1]);
  const error = outcome.refused[0]!.error;
  assert.ok(error instanceof RemovedDeviceError);
  assert.equal([error.code, error.origin, error.seq, error.cut], ['device-removed', DEVICE_X, 4, 3]);
  await fleet.close();
});

test('a device that held entries past the cut before it heard of the removal does not relay them', async () => {
  const fleet = await SimulatedFleet.create(0, { seed: 63 });
  fleet.network.partition([DEVICE_A, DEVICE_B], [DEVICE_B, DEVICE_C], [DEVICE_X, DEVICE_B]);
  const seen = deliveries(fleet);
  const [a, b, c, x] = [await fleet.add(DEVICE_A), await fleet.add(DEVICE_B), await fleet.add(DEVICE_C), await fleet.add(DEVICE_X)];
  tags(x, ['x1', 'x2', 'x3']);
  assert.ok(await fleet.settle());
  assert.ok(await fleet.network.scheduler.runUntil(() => knows(a, DEVICE_X), 10_000));

  // A, alone, removes X at 3; meanwhile B, with X only, receives X's fourth entry.
  fleet.network.partition([DEVICE_X, DEVICE_B]);
  a.library.members.remove(DEVICE_X);
  tags(x, ['x4']);
  assert.ok(await fleet.network.scheduler.runUntil(() => b.library.outbox.cursors().get(DEVICE_X) === 4, 10_000));

  // B hears of the removal from A, then reconnects to C: C never gets the fourth.
  fleet.network.partition([DEVICE_A, DEVICE_B]);
  assert.ok(await fleet.network.scheduler.runUntil(() => knows(b, DEVICE_X, true), 10_000));
  fleet.network.partition([DEVICE_A, DEVICE_B], [DEVICE_B, DEVICE_C]);
  assert.ok(await fleet.network.scheduler.runUntil(() => knows(c, DEVICE_X, true), 10_000));
  await fleet.network.scheduler.advance(10_000);

  assert.equal(
    [a, b, c].map((device) => device.library.outbox.cursors().get(DEVICE_X)),
    [3, 4, 3],
    'B keeps what it held; A and C hold X up to the cut',
  );
  assert.equal(relayedPastCut(seen), [], 'nobody relayed the fourth');
  assert.equal(
    seen.filter(({ message }) => message.type === 'Error'),
    [],
    'so nobody refused anything',
  );
  assert.is(b.sync.metrics().peers[DEVICE_C]!.retried, 0, 'nor did B send it again and again');
  await fleet.close();
});

test.run();
