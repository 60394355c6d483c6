/**
 * Pairing and removal over real TLS sockets on loopback: a new device joins by redeeming a member's
 * invite, the membership reaches every device, an invite works once and not after it expires, a
 * code naming another key is not trusted, and a removed device is cut off everywhere.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SyncError } from '../../runtime/core/errors.js';
import { encodeInvite, parseInvite } from '../../runtime/protocol/invite-code.js';
import type { TcpEvent } from '../../runtime/transports/tcp/index.js';
import { closeReaders, DEVICE_A, DEVICE_B, DEVICE_C, DEVICES, NOW } from '../support/libraries.js';
import { assertConverged, sameVectors, tcpDevice, waitFor, type Device } from '../support/sync-harness.js';

const DEVICE_D = DEVICES[3];
const running: Device[] = [];

async function device(...args: Parameters<typeof tcpDevice>) {
  const created = await tcpDevice(...args);
  running.push(created);
  return created;
}

/** A device that is nobody's member yet (as a new device is). */
const stranger = (id: string, events?: TcpEvent[]) => device(id, { member: false, events });

test.after.each(async () => {
  for (const item of running.splice(0)) {
    await item.sync.stop();
    closeReaders(item.library);
    item.library.close();
  }
});

async function rejection(promise: Promise<unknown>): Promise<SyncError> {
  try {
    await promise;
  } catch (error) {
    return error as SyncError;
  }
  throw new Error('expected a rejection');
}

test('a new device joins with an invite: admitted by the inviter, synced both ways, known to every member', async () => {
  const a = await stranger(DEVICE_A);
  const b = await stranger(DEVICE_B);
  a.library.members.add(DEVICE_B, b.library.credentials.fingerprint);
  b.library.members.add(DEVICE_A, a.library.credentials.fingerprint);
  b.transport.connect(a.address);
  assert.ok(await waitFor(() => a.sync.connectedPeers().includes(DEVICE_B)));
  const tag = a.library.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));

  const c = await stranger(DEVICE_C);
  const { code, expiresAt } = a.library.members.invite({ address: a.address, ttlMs: 60_000 });
  assert.equal(parseInvite(code).inviter, DEVICE_A);
  assert.ok(expiresAt > Date.now());
  assert.is(await c.transport.redeem(code), DEVICE_A);

  const own = c.library.transact((tx) => tx.tag.create({ name: 'from C', createdAt: NOW }));
  assert.ok(await waitFor(() => c.library.get('tag', tag.id) !== undefined && a.library.get('tag', own.id) !== undefined));
  const admitted = a.library.members.list().find((member) => member.device === DEVICE_C)!;
  assert.equal([admitted.fingerprint, admitted.addedBy, admitted.active], [c.library.credentials.fingerprint, DEVICE_A, true]);
  // B learns of C from A, and C of B: C may now dial B directly.
  assert.ok(await waitFor(() => b.library.members.list().some((member) => member.device === DEVICE_C) && c.library.members.list().length === 3));
  c.transport.connect(b.address);
  assert.ok(await waitFor(() => b.sync.connectedPeers().includes(DEVICE_C) && sameVectors([a, b, c])));
  assertConverged([a, b, c], assert.equal);
});

test('an invite works once, not after it expires, and not for another library', async () => {
  const a = await stranger(DEVICE_A);
  const b = await stranger(DEVICE_B);
  const c = await stranger(DEVICE_C);
  const { code } = a.library.members.invite({ address: a.address });
  assert.is(await b.transport.redeem(code), DEVICE_A);
  const used = await rejection(c.transport.redeem(code));
  assert.is(used.code, 'invite-invalid');
  assert.match(used.message, 'used already');

  const short = a.library.members.invite({ address: a.address, ttlMs: 1 });
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.is((await rejection(c.transport.redeem(short.code))).code, 'invite-expired', 'refused locally: the code says when it expires');
  // Redeemed against an inviter that says it expired (the new device's clock is behind).
  const late = a.library.members.invite({ address: a.address, ttlMs: 200 });
  const delayed = encodeInvite({ ...parseInvite(late.code), expiresAt: Date.now() + 60_000 });
  await new Promise((resolve) => setTimeout(resolve, 250));
  assert.is((await rejection(c.transport.redeem(delayed))).code, 'invite-expired');

  const other = encodeInvite({ ...parseInvite(a.library.members.invite({ address: a.address }).code), libraryId: '00000000-0000-4000-8000-0000000000ff' });
  assert.is((await rejection(c.transport.redeem(other))).code, 'invite-invalid');
  assert.is((await rejection(c.transport.redeem('syncgen-invite-1.AAAA'))).code, 'invite-invalid');
  assert.equal(
    a.library.members.list().map((member) => member.device),
    [DEVICE_A, DEVICE_B],
    'only B was admitted',
  );
});

test('a code naming another key is not trusted: the new device sends its token to no one else', async () => {
  const a = await stranger(DEVICE_A);
  const aEvents: TcpEvent[] = [];
  const impostor = await stranger(DEVICE_B, aEvents);
  const c = await stranger(DEVICE_C);
  // The invite says "device A at A's key", but the address is the impostor's.
  const invite = parseInvite(a.library.members.invite({ address: a.address }).code);
  const forged = encodeInvite({ ...invite, address: impostor.address });
  const error = await rejection(c.transport.redeem(forged));
  assert.is(error.code, 'invite-invalid');
  assert.match(error.message, 'not the inviter');
  assert.is(impostor.library.members.list().length, 1, 'the impostor admitted nobody');
  // The invite is still open at A: the token never left C.
  assert.is(await c.transport.redeem(a.library.members.invite({ address: a.address }).code), DEVICE_A);
  assert.ok(a.library.members.hasOpenInvites(), 'the first invite was never redeemed');
});

test('a device that is not a member is refused before it hears anything of the library', async () => {
  const events: TcpEvent[] = [];
  const a = await stranger(DEVICE_A, events);
  const d = await stranger(DEVICE_D);
  d.transport.connect(a.address);
  assert.ok(await waitFor(() => events.some((event) => event.kind === 'refused')));
  const refusal = events.find((event) => event.kind === 'refused')!;
  assert.equal([refusal.code, refusal.peer], ['not-a-member', DEVICE_D]);
  assert.is(a.transport.stats().refusedByCode['not-a-member']! >= 1, true);
  assert.equal(a.sync.connectedPeers(), []);
});

test('a removed device is cut off: its connections are closed and refused, its later changes reach no one', async () => {
  const events: TcpEvent[] = [];
  const a = await device(DEVICE_A, { events });
  const b = await device(DEVICE_B, { peers: [a.address] });
  const c = await device(DEVICE_C, { peers: [a.address, b.address] });
  assert.ok(await waitFor(() => a.sync.connectedPeers().length === 2 && b.sync.connectedPeers().length === 2));
  const before = c.library.transact((tx) => tx.tag.create({ name: 'before removal', createdAt: NOW }));
  assert.ok(await waitFor(() => sameVectors([a, b, c])));

  a.library.members.remove(DEVICE_C);
  const removal = a.library.members.list().find((member) => member.device === DEVICE_C)!;
  assert.equal([removal.active, removal.removedBy, removal.removedAfterSeq], [false, DEVICE_A, c.library.outbox.cursors().get(DEVICE_C)]);
  assert.ok(await waitFor(() => !a.sync.connectedPeers().includes(DEVICE_C) && !b.sync.connectedPeers().includes(DEVICE_C)));
  assert.ok(events.some((event) => event.kind === 'disconnected' && event.code === 'device-removed' && event.peer === DEVICE_C));
  assert.ok(b.library.members.list().find((member) => member.device === DEVICE_C)!.active === false, 'B heard of the removal');

  const after = c.library.transact((tx) => tx.tag.create({ name: 'after removal', createdAt: NOW }));
  // C keeps redialing; every attempt is refused.
  assert.ok(await waitFor(() => (a.transport.stats().refusedByCode['device-removed'] ?? 0) >= 1));
  const shared = a.library.transact((tx) => tx.tag.create({ name: 'A and B go on', createdAt: NOW }));
  assert.ok(await waitFor(() => b.library.get('tag', shared.id) !== undefined));
  assert.is(a.library.get('tag', after.id), undefined);
  assert.is(b.library.get('tag', after.id), undefined);
  assert.equal(a.library.get('tag', before.id)!.name, 'before removal', 'what C wrote before its removal stays');
  assertConverged([a, b], assert.equal);
});

test.run();
