/**
 * Sync over real TCP sockets on loopback: state-based and log-based scenarios, and refusals
 * (a device that is not a member, the wrong library, a newer protocol version, garbage) that leave
 * the receiver working.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_INVALID_FRAMES } from '../../runtime/protocol/dispatch.js';
import { PROTOCOL_VERSION } from '../../runtime/protocol/messages.js';
import type { TcpEvent } from '../../runtime/transports/tcp/index.js';
import { closeReaders, DEVICE_A, DEVICE_B, DEVICE_C, DEVICES, NOW } from '../support/libraries.js';
import { connectPlain, connectRaw } from '../support/raw-connection.js';
import { admitTestDevice, assertConverged, introduce, sameVectors, tcpDevice, waitFor, type Device } from '../support/sync-harness.js';

const running: Device[] = [];

async function device(...args: Parameters<typeof tcpDevice>) {
  const created = await tcpDevice(...args);
  running.push(created);
  return created;
}

test.after.each(async () => {
  for (const item of running.splice(0)) {
    await item.sync.stop();
    closeReaders(item.library);
    item.library.close();
  }
});

test('1 over TCP: A creates a Location with Entries, B holds identical rows', async () => {
  const a = await device(DEVICE_A);
  const b = await device(DEVICE_B, { peers: [a.address] });
  assert.ok(await waitFor(() => b.sync.connectedPeers().includes(DEVICE_A)));
  a.library.transact((tx) => tx.device.create({ name: 'A', os: 'linux', createdAt: NOW }));
  const location = a.library.transact((tx) => tx.location.create({ name: 'Photos', path: '/photos', createdAt: NOW }));
  const files = a.library.transact((tx) =>
    [1, 2, 3].map((n) => tx.entry.create({ locationId: location.id, name: `IMG_${n}.jpg`, kind: 'file', sizeBytes: n, modifiedAt: NOW })),
  );
  assert.ok(await waitFor(() => sameVectors([a, b]) && b.library.get('entry', files[2]!.id) !== undefined));
  assert.equal(b.library.get('location', location.id), location);
  assertConverged([a, b], assert.equal);
});

test('2 over TCP: concurrent edits of one Tag converge to the HLC winner per field', async () => {
  const a = await device(DEVICE_A);
  const b = await device(DEVICE_B, { peers: [a.address] });
  const tag = a.library.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: NOW }));
  assert.ok(await waitFor(() => b.library.get('tag', tag.id) !== undefined));
  // Both edits commit before either side hears of the other's.
  a.library.transact((tx) => tx.tag.update(tag.id, { name: 'from A', color: '#aaaaaa' }));
  b.library.transact((tx) => tx.tag.update(tag.id, { name: 'from B', icon: 'star' }));
  assert.ok(await waitFor(() => sameVectors([a, b]) && a.library.get('tag', tag.id)!.icon === 'star'));
  const expected = { ...tag, name: 'from B', color: '#aaaaaa', icon: 'star' };
  assert.equal([a.library.get('tag', tag.id), b.library.get('tag', tag.id)], [expected, expected]);
  assertConverged([a, b], assert.equal);
});

test('7 over TCP: a device that is not a member, the wrong library and a newer protocol version are refused with a reason', async () => {
  const events: TcpEvent[] = [];
  const a = await device(DEVICE_A, { events });
  // Each intruder is a device id of its own: one id never gets two keys in A's membership.
  const cases = [
    {
      id: DEVICE_C,
      options: { member: false },
      code: 'not-a-member',
      reason: new RegExp(`^device ${DEVICE_C} \\(key [0-9a-f]{16}…\\) is not a member of this library: pair it with an invite$`),
    },
    {
      // A member of A (and A of it), as pairing would make it, but of another library.
      id: DEVICES[3],
      options: { libraryId: '00000000-0000-4000-8000-0000000000ff' },
      code: 'wrong-library',
      reason: /^wrong library: 00000000-0000-4000-8000-0000000000ff is not 00000000-0000-4000-8000-000000000001$/,
    },
    {
      id: DEVICE_B,
      options: { protocolVersion: PROTOCOL_VERSION + 1 },
      code: 'unsupported-version',
      reason: new RegExp(`^protocol version ${PROTOCOL_VERSION + 1} is not supported \\(this device speaks ${PROTOCOL_VERSION}\\); upgrade the older device$`),
    },
  ];
  for (const { id, options, code, reason } of cases) {
    events.length = 0;
    const peerEvents: TcpEvent[] = [];
    // It dials A once the membership is as the case says.
    const intruder = await device(id, { ...options, events: peerEvents });
    if (options.libraryId) introduce(a.library, intruder.library);
    intruder.transport.connect(a.address);
    assert.ok(await waitFor(() => events.some((event) => event.kind === 'refused')), `refused: ${reason}`);
    assert.is(events.find((event) => event.kind === 'refused')!.code, code);
    assert.match(events.find((event) => event.kind === 'refused')!.reason, reason);
    assert.ok(await waitFor(() => peerEvents.some((event) => event.kind === 'refused' || event.kind === 'refused-by-peer')), 'the intruder hears why');
    assert.equal([a.sync.connectedPeers(), intruder.sync.connectedPeers()], [[], []]);
    await intruder.sync.stop();
    running.splice(running.indexOf(intruder), 1);
    closeReaders(intruder.library);
    intruder.library.close();
  }
});

test('7 over TCP: garbage does not crash the receiver; a peer that keeps sending it is disconnected, valid frames between or not', async () => {
  const events: TcpEvent[] = [];
  const a = await device(DEVICE_A, { events });
  const port = Number(a.address.split(':')[1]);
  // Not a syncgen peer at all: not even TLS.
  const plain = await connectPlain(port);
  await plain.write(Buffer.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n'));
  assert.ok(await waitFor(() => events.some((event) => event.kind === 'refused')));
  assert.is(events.find((event) => event.kind === 'refused')!.reason, 'TLS handshake failed: http request');
  plain.destroy();
  // Inside TLS, from a member that has not finished its handshake: a length beyond the limit, and a
  // well-framed frame that is no handshake.
  await admitTestDevice(a.library, DEVICE_C);
  events.length = 0;
  const raw = await connectRaw(port, DEVICE_C);
  await raw.write(Buffer.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n'));
  assert.ok(await waitFor(() => events.some((event) => event.kind === 'refused')));
  assert.is(events.find((event) => event.kind === 'refused')!.reason, 'frame of 1195725856 bytes exceeds the limit of 4096', '"GET " read as a length');
  raw.destroy();
  events.length = 0;
  const framed = await connectRaw(port, DEVICE_C);
  await framed.write(Buffer.from([0, 0, 0, 3, 1, 2, 3]));
  assert.ok(await waitFor(() => events.some((event) => event.kind === 'refused')));
  assert.is(events.find((event) => event.kind === 'refused')!.reason, 'the handshake frame is not MessagePack: not a syncgen peer');
  framed.destroy();

  const bEvents: TcpEvent[] = [];
  const b = await device(DEVICE_B, { peers: [a.address], events: bEvents });
  // Each side opens once it has the other's ready: wait for both.
  assert.ok(await waitFor(() => a.sync.connectedPeers().includes(DEVICE_B) && b.sync.connectedPeers().includes(DEVICE_A)));
  for (const garbage of [Buffer.from([0xc1]), Buffer.from('not msgpack at all')]) await b.transport.send(DEVICE_A, garbage);
  assert.ok(await waitFor(() => (b.sync.metrics().peers[DEVICE_A]?.lastError ?? '').startsWith('peer reported malformed')));
  assert.ok(a.sync.connectedPeers().includes(DEVICE_B), 'a bad frame or two keep the connection');
  const tag = b.library.transact((tx) => tx.tag.create({ name: 'still syncing', createdAt: NOW }));
  assert.ok(await waitFor(() => a.library.get('tag', tag.id) !== undefined));
  assert.is(a.sync.metrics().peers[DEVICE_B]!.refused, MAX_INVALID_FRAMES - 1);

  // Valid frames flowed since: they do not wipe the count, so one more bad frame disconnects.
  const connections = () => bEvents.filter((event) => event.kind === 'connected').length;
  const before = connections();
  await b.transport.send(DEVICE_A, Buffer.alloc(0));
  assert.ok(await waitFor(() => bEvents.some((event) => event.kind === 'closed')), 'the peer was disconnected');
  assert.ok(await waitFor(() => connections() > before && a.sync.connectedPeers().includes(DEVICE_B)), 'and redials afterwards');
  assert.is(a.sync.metrics().peers[DEVICE_B]!.refused, MAX_INVALID_FRAMES);
});

test.run();
