/**
 * The TCP transport's channel over real sockets on loopback: TLS 1.3 with each device's own key
 * and self-signed certificate, and the library's membership deciding, before either side says a
 * word, which key may speak for which device id. What a network attacker sees (ciphertext only),
 * what a relay gets (refusals, and no hello), and what a stranger, a member with a new key, a copy
 * of a device, a TLS 1.2 client or an exposed key file get.
 */
import { chmodSync, copyFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { Packr, Unpackr } from 'msgpackr';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registry } from '../../generated/index.js';
import type { SyncError } from '../../runtime/core/errors.js';
import { uuidToBytes } from '../../runtime/core/uuid.js';
import { DEVICE_CERT_FILE, DEVICE_KEY_FILE, DeviceCredentialsError, deviceCredentials } from '../../runtime/library/device-credentials.js';
import { syncPortOf } from '../../runtime/library/library.js';
import { PROTOCOL_VERSION } from '../../runtime/protocol/messages.js';
import { PeerSync } from '../../runtime/sync/peer-sync.js';
import { createTcpTransport, type TcpEvent, type TcpTransport } from '../../runtime/transports/tcp/index.js';
import { FrameReader, framed, OversizedFrame } from '../../runtime/transports/tcp/framing.js';
import { readHandshake } from '../../runtime/transports/tcp/handshake.js';
import { certificateFingerprint } from '../../runtime/transports/transport.js';
import { testCredentials } from '../support/credentials.js';
import { closeReaders, DEVICE_A, DEVICE_B, DEVICE_C, LIBRARY_ID, NOW, openDevice, temporaryDirectory, type ExampleLibrary } from '../support/libraries.js';
import { connectRaw } from '../support/raw-connection.js';
import { assertConverged, introduce, sameVectors, TEST_SYNC_OPTIONS, waitFor } from '../support/sync-harness.js';

interface TlsDevice {
  readonly id: string;
  readonly dir: string;
  readonly library: ExampleLibrary;
  readonly sync: PeerSync;
  readonly transport: TcpTransport;
  readonly address: string;
  readonly events: TcpEvent[];
}

const running: TlsDevice[] = [];
const closers: (() => void)[] = [];

/**
 * A device on its own directory (kept across restarts), listening on loopback and dialing `peers`;
 * made a member of each device of `members` (and they of it) before its transport starts.
 */
async function device(id: string, options: { dir?: string; peers?: string[]; members?: TlsDevice[] } = {}): Promise<TlsDevice> {
  const dir = options.dir ?? temporaryDirectory('tls');
  const library = await openDevice(id, { dir });
  for (const other of options.members ?? []) introduce(library, other.library);
  const events: TcpEvent[] = [];
  const transport = createTcpTransport({
    library,
    listen: { host: '127.0.0.1', port: 0 },
    peers: options.peers ?? [],
    reconnectBaseMs: 50,
    reconnectMaxMs: 300,
    onEvent: (event) => events.push(event),
  });
  const sync = new PeerSync(syncPortOf(library), { ...TEST_SYNC_OPTIONS, transport });
  await sync.start();
  const created = { id, dir, library, sync, transport, address: `127.0.0.1:${transport.address().port}`, events };
  running.push(created);
  return created;
}

async function stop(item: TlsDevice): Promise<void> {
  running.splice(running.indexOf(item), 1);
  await item.sync.stop();
  closeReaders(item.library);
  item.library.close();
}

test.after.each(async () => {
  for (const item of [...running]) await stop(item);
  for (const close of closers.splice(0)) close();
});

const refusal = (events: readonly TcpEvent[], code: string) => events.find((event) => event.kind === 'refused' && event.code === code);
/** The membership record of `deviceId` in a library. */
const memberOf = (library: ExampleLibrary, deviceId: string) => library.members.list().find((member) => member.device === deviceId);

test('two members sync over TLS; each binds the key of the other in its library file, across a restart', async () => {
  const a = await device(DEVICE_A);
  const b = await device(DEVICE_B, { peers: [a.address], members: [a] });
  const tag = a.library.transact((tx) => tx.tag.create({ name: 'over TLS', createdAt: NOW }));
  const other = b.library.transact((tx) => tx.tag.create({ name: 'back over TLS', createdAt: NOW }));
  assert.ok(await waitFor(() => sameVectors([a, b]) && b.library.get('tag', tag.id) !== undefined && a.library.get('tag', other.id) !== undefined));
  assertConverged([a, b], assert.equal);
  assert.is(memberOf(a.library, DEVICE_B)?.fingerprint, b.library.credentials.fingerprint);
  assert.is(memberOf(a.library, DEVICE_B)?.active, true);
  assert.is(memberOf(b.library, DEVICE_A)?.fingerprint, a.library.credentials.fingerprint);
  assert.is(memberOf(b.library, DEVICE_A)?.active, true);
  assert.is(a.library.credentials.fingerprint, certificateFingerprint(a.library.credentials.cert));
  assert.not.equal(a.library.credentials.fingerprint, b.library.credentials.fingerprint);
  // The membership and the key survive a restart.
  const { dir, library } = a;
  const fingerprint = library.credentials.fingerprint;
  await stop(a);
  const reopened = await openDevice(DEVICE_A, { dir });
  closers.push(() => reopened.close());
  assert.is(reopened.credentials.fingerprint, fingerprint);
  assert.is(memberOf(reopened, DEVICE_B)?.fingerprint, b.library.credentials.fingerprint);
  assert.is(memberOf(reopened, DEVICE_B)?.active, true);
});

test('the bytes on the wire are encrypted: a forwarding proxy sees neither the data, nor the library id, nor the device ids, nor a hello', async () => {
  const a = await device(DEVICE_A);
  const [host, port] = [a.address.split(':')[0]!, Number(a.address.split(':')[1])];
  const captured: Buffer[] = [];
  const proxy = net.createServer((client) => {
    const upstream = net.connect({ host, port });
    client.on('data', (chunk: Buffer) => {
      captured.push(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      captured.push(chunk);
      client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  closers.push(() => proxy.close());
  const b = await device(DEVICE_B, { peers: [`127.0.0.1:${(proxy.address() as net.AddressInfo).port}`], members: [a] });
  const secretText = 'Zanzibar-7f3c attic inventory';
  const fromA = a.library.transact((tx) => tx.tag.create({ name: `${secretText} (A)`, createdAt: NOW }));
  const fromB = b.library.transact((tx) => tx.tag.create({ name: `${secretText} (B)`, createdAt: NOW }));
  assert.ok(await waitFor(() => sameVectors([a, b]) && a.library.get('tag', fromB.id) !== undefined && b.library.get('tag', fromA.id) !== undefined));
  const wire = Buffer.concat(captured);
  assert.ok(wire.length > 1000, `the proxy carried the sync (${wire.length} bytes)`);
  assert.is(wire[0], 0x16, 'the dialer opens with a TLS handshake record');
  for (const [what, bytes] of [
    ['the record text', Buffer.from(secretText)],
    ['the library id as text', Buffer.from(LIBRARY_ID)],
    ['the library id as bytes', Buffer.from(uuidToBytes(LIBRARY_ID))],
    ["A's device id as text", Buffer.from(DEVICE_A)],
    ["A's device id as bytes", Buffer.from(uuidToBytes(DEVICE_A))],
    ["B's device id as text", Buffer.from(DEVICE_B)],
    ["B's device id as bytes", Buffer.from(uuidToBytes(DEVICE_B))],
    ['a hello', Buffer.from('syncgen-hello')],
  ] as const) {
    assert.is(wire.indexOf(bytes), -1, `${what} is not on the wire`);
  }
});

/**
 * M holds key pairs of its own, with certificates that name A and B: the certificate's device id
 * is a claim, the key is the proof. A dials M believing it is B; M dials B as A, and forwards every
 * frame of each session to the other, as they come. Each device checks the key before it says
 * anything, so the only frames M ever gets are the two refusals.
 */
test('a relay that terminates TLS with both devices, with keys of its own, is refused by both before either says hello', async () => {
  const b = await device(DEVICE_B);
  const asA = await deviceCredentials(temporaryDirectory('relay-as-a'), DEVICE_A);
  const asB = await deviceCredentials(temporaryDirectory('relay-as-b'), DEVICE_B);
  const unpackr = new Unpackr({ useRecords: false });
  const received: { from: string; kind: unknown }[] = [];
  const relay = tls.createServer({ key: asB.key, cert: asB.cert, minVersion: 'TLSv1.3', requestCert: true, rejectUnauthorized: false }, (fromA) => {
    const toB = tls.connect({
      host: '127.0.0.1',
      port: Number(b.address.split(':')[1]),
      key: asA.key,
      cert: asA.cert,
      minVersion: 'TLSv1.3',
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
    const forward = (from: string, source: tls.TLSSocket, target: tls.TLSSocket) => {
      const reader = new FrameReader();
      source.on('data', (chunk: Buffer) => {
        reader.push(chunk);
        for (let frame = reader.next(1 << 20); frame !== null; frame = reader.next(1 << 20)) {
          if (frame instanceof OversizedFrame) return;
          let message: unknown;
          try {
            message = unpackr.unpack(frame);
          } catch {
            message = null;
          }
          received.push({ from, kind: Array.isArray(message) ? message[0] : 'not a handshake frame' });
          if (!target.destroyed) target.write(framed(frame));
        }
      });
      source.on('error', () => target.destroy());
      source.on('close', () => target.end());
    };
    forward('A', fromA, toB);
    forward('B', toB, fromA);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  closers.push(() => relay.close());
  const a = await device(DEVICE_A, { peers: [`127.0.0.1:${(relay.address() as net.AddressInfo).port}`], members: [b] });
  a.library.transact((tx) => tx.tag.create({ name: 'for B only', createdAt: NOW }));
  assert.ok(await waitFor(() => refusal(a.events, 'device-key-changed') !== undefined && refusal(b.events, 'device-key-changed') !== undefined));
  assert.match(refusal(a.events, 'device-key-changed')!.reason, `device ${DEVICE_B} presented key ${asB.fingerprint.slice(0, 16)}…`, "A refuses M's key for B");
  assert.match(refusal(b.events, 'device-key-changed')!.reason, `device ${DEVICE_A} presented key ${asA.fingerprint.slice(0, 16)}…`, "B refuses M's key for A");
  assert.match(refusal(a.events, 'device-key-changed')!.reason, "not the key the library's membership binds to it");
  assert.ok(await waitFor(() => received.some((frame) => frame.from === 'A') && received.some((frame) => frame.from === 'B')), 'both refusals reached M');
  // Several redials later, still nothing but refusals.
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal([a.sync.connectedPeers(), b.sync.connectedPeers()], [[], []]);
  // No hello (so neither the library id nor the schema version), no ready, and no sync frame.
  assert.equal([...new Set(received.map((frame) => frame.kind))], ['syncgen-refused']);
  assert.is(memberOf(a.library, DEVICE_B)?.fingerprint, b.library.credentials.fingerprint, 'the membership is unchanged');
  assert.is(memberOf(a.library, DEVICE_B)?.active, true);
  assert.is(memberOf(b.library, DEVICE_A)?.fingerprint, a.library.credentials.fingerprint);
  assert.is(memberOf(b.library, DEVICE_A)?.active, true);
});

test('a device that is not a member gets exactly one frame, a refusal (not-a-member), and never a hello', async () => {
  const a = await device(DEVICE_A);
  const port = Number(a.address.split(':')[1]);
  const stranger = await connectRaw(port, DEVICE_C);
  const frames: Buffer[] = [];
  try {
    frames.push(await stranger.nextFrame());
    assert.ok(await stranger.closesWithin(2000), 'the device closes the connection');
  } finally {
    stranger.destroy();
  }
  assert.is(stranger.received, 1, 'one frame and no other');
  const [only] = frames as [Buffer];
  const message = readHandshake(only);
  assert.is(message.kind, 'refused');
  if (message.kind === 'refused') {
    assert.is(message.code, 'not-a-member');
    assert.match(message.reason, `device ${DEVICE_C} (key ${(await testCredentials(DEVICE_C)).fingerprint.slice(0, 16)}…) is not a member of this library`);
  }
  for (const [what, bytes] of [
    ['the library id', Buffer.from(LIBRARY_ID)],
    ['the library id as bytes', Buffer.from(uuidToBytes(LIBRARY_ID))],
    ["this device's id", Buffer.from(DEVICE_A)],
    ["this device's id as bytes", Buffer.from(uuidToBytes(DEVICE_A))],
    ['a hello', Buffer.from('syncgen-hello')],
  ] as const) {
    assert.is(only.indexOf(bytes), -1, `${what} is not in the refusal`);
  }
  assert.match(refusal(a.events, 'not-a-member')!.reason, `device ${DEVICE_C} `);
  assert.is(a.transport.stats().refusedByCode['not-a-member'], 1);

  // A whole device that is not a member is refused alike, and so refuses: neither learns the other's library.
  const c = await device(DEVICE_C, { peers: [a.address] });
  assert.ok(await waitFor(() => a.events.filter((event) => event.kind === 'refused' && event.code === 'not-a-member').length >= 2));
  assert.ok(await waitFor(() => refusal(c.events, 'not-a-member')?.reason.startsWith(`device ${DEVICE_A} `) === true));
  assert.equal([a.sync.connectedPeers(), c.sync.connectedPeers()], [[], []]);
  assert.is(memberOf(a.library, DEVICE_C), undefined, 'refusing admits nothing');
});

test("a member that presents another key for its id is refused with device-key-changed, and so is a device that claims this device's own id", async () => {
  const a = await device(DEVICE_A);
  const b = await device(DEVICE_B, { peers: [a.address], members: [a] });
  assert.ok(await waitFor(() => a.sync.connectedPeers().includes(DEVICE_B)));
  const oldKey = b.library.credentials.fingerprint;
  // B's directory loses its key: the next open makes a new one.
  await stop(b);
  rmSync(path.join(b.dir, DEVICE_KEY_FILE));
  rmSync(path.join(b.dir, DEVICE_CERT_FILE));
  const renewed = await device(DEVICE_B, { dir: b.dir, peers: [a.address] });
  assert.is.not(renewed.library.credentials.fingerprint, oldKey);
  assert.ok(await waitFor(() => refusal(a.events, 'device-key-changed') !== undefined));
  assert.match(refusal(a.events, 'device-key-changed')!.reason, `device ${DEVICE_B} presented key ${renewed.library.credentials.fingerprint.slice(0, 16)}…`);
  assert.match(refusal(a.events, 'device-key-changed')!.reason, 'pair it again under a new device id');
  assert.ok(await waitFor(() => renewed.events.some((event) => event.kind === 'refused-by-peer' && event.code === 'device-key-changed')), 'B hears why');
  assert.equal(a.sync.connectedPeers(), []);
  assert.is(memberOf(a.library, DEVICE_B)?.fingerprint, oldKey, 'the membership still binds the old key');
  assert.is(memberOf(a.library, DEVICE_B)?.active, true);

  // A device that claims A's own id to A, with another key, is refused the same way.
  const impostor = await device(DEVICE_A, { peers: [a.address] });
  assert.ok(await waitFor(() => a.events.some((event) => event.code === 'device-key-changed' && event.reason.includes("this device's own id"))));
  await stop(impostor);

  // No second key for an id: adding B's new key is refused, and B stays bound to its old key.
  assert.throws(
    () => a.library.members.add(DEVICE_B, renewed.library.credentials.fingerprint),
    (error: SyncError) => error.code === 'device-key-changed',
  );
  assert.equal([memberOf(a.library, DEVICE_B)?.fingerprint, memberOf(a.library, DEVICE_B)?.conflict], [oldKey, false]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(a.sync.connectedPeers(), []);
});

test('a copy of a device (its own id and key) is refused as this device', async () => {
  const a = await device(DEVICE_A);
  const copy = temporaryDirectory('tls-copy');
  for (const file of [DEVICE_KEY_FILE, DEVICE_CERT_FILE]) copyFileSync(path.join(a.dir, file), path.join(copy, file));
  const clone = await device(DEVICE_A, { dir: copy, peers: [a.address] });
  assert.is(clone.library.credentials.fingerprint, a.library.credentials.fingerprint);
  assert.ok(await waitFor(() => refusal(a.events, 'invalid-device-id') !== undefined));
  assert.match(refusal(a.events, 'invalid-device-id')!.reason, "a copy of this device's directory");
});

test('the key file is 0600 from its creation; a group-readable key and a certificate of another device are refused', async () => {
  const dir = temporaryDirectory('tls-key');
  const library = await openDevice(DEVICE_A, { dir });
  const keyFile = path.join(dir, DEVICE_KEY_FILE);
  assert.is(statSync(keyFile).mode & 0o777, 0o600);
  assert.is(library.credentials.key.includes('BEGIN PRIVATE KEY'), true);
  assert.is(JSON.stringify(library.credentials).includes('PRIVATE KEY'), false, 'the key is not enumerable');
  library.close();

  chmodSync(keyFile, 0o640);
  const exposed = await openDevice(DEVICE_A, { dir }).catch((error: unknown) => error);
  assert.instance(exposed, DeviceCredentialsError);
  assert.is((exposed as DeviceCredentialsError).code, 'device-key-exposed');
  assert.match((exposed as Error).message, `chmod 600 ${keyFile}`);
  chmodSync(keyFile, 0o600);
  const reopened = await openDevice(DEVICE_A, { dir });
  reopened.close();

  // Another device's key and certificate in this device's directory.
  const other = temporaryDirectory('tls-other');
  const otherLibrary = await openDevice(DEVICE_B, { dir: other });
  otherLibrary.close();
  const mixed = temporaryDirectory('tls-mixed');
  for (const file of [DEVICE_KEY_FILE, DEVICE_CERT_FILE]) copyFileSync(path.join(other, file), path.join(mixed, file));
  chmodSync(path.join(mixed, DEVICE_KEY_FILE), 0o600);
  const foreign = await openDevice(DEVICE_A, { dir: mixed }).catch((error: unknown) => error);
  assert.instance(foreign, DeviceCredentialsError);
  assert.is((foreign as DeviceCredentialsError).code, 'invalid-device-credentials');
  assert.match((foreign as Error).message, `not of this device (CN=${DEVICE_A})`);
});

test('a TLS 1.2 client, a TLS client without a certificate and a plain TCP client are refused', async () => {
  const a = await device(DEVICE_A);
  const port = Number(a.address.split(':')[1]);
  const c = await deviceCredentials(temporaryDirectory('tls-client'), DEVICE_C);
  const outcome = (socket: tls.TLSSocket | net.Socket) =>
    new Promise<string>((resolve) => {
      let data = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code ?? error.message}`));
      socket.on('close', () => resolve(`closed after ${data.length} bytes`));
    });
  const old = tls.connect({
    host: '127.0.0.1',
    port,
    key: c.key,
    cert: c.cert,
    maxVersion: 'TLSv1.2',
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
  });
  assert.match(await outcome(old), /^error ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION$/);
  assert.ok(await waitFor(() => a.events.some((event) => event.kind === 'refused' && /TLS handshake failed: unsupported protocol/.test(event.reason))));

  a.events.length = 0;
  const anonymous = tls.connect({ host: '127.0.0.1', port, minVersion: 'TLSv1.3', rejectUnauthorized: false, checkServerIdentity: () => undefined });
  const anonymousOutcome = outcome(anonymous);
  anonymous.write(
    framed(new Packr({ useRecords: false }).pack(['syncgen-hello', PROTOCOL_VERSION, LIBRARY_ID, DEVICE_C, registry.schemaVersion, registry.compatibleFrom])),
  );
  await anonymousOutcome;
  assert.ok(await waitFor(() => refusal(a.events, 'not-a-peer')?.reason === 'the peer presented no certificate: not a syncgen peer'));

  a.events.length = 0;
  const plain = net.connect({ host: '127.0.0.1', port });
  const plainOutcome = outcome(plain);
  plain.write(
    framed(new Packr({ useRecords: false }).pack(['syncgen-hello', PROTOCOL_VERSION, LIBRARY_ID, DEVICE_C, registry.schemaVersion, registry.compatibleFrom])),
  );
  assert.match(await plainOutcome, /^closed after 0 bytes$|^error/);
  assert.ok(await waitFor(() => a.events.some((event) => event.kind === 'refused' && event.reason.startsWith('TLS handshake failed'))));
  assert.equal(a.sync.connectedPeers(), []);
});

test.run();
