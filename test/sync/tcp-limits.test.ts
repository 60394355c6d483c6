/**
 * The TCP transport's limits, each with its exact outcome, over real sockets on loopback: the cap
 * of connections in their handshake, the small frame limit before authentication (and the large one
 * after it, even within the handshake's last chunk), the handshake deadline across every phase, the
 * idle deadline after authentication, the invalid frames that disconnect a member whatever valid
 * frames came between, hellos carrying values whose conversion to text throws, and handlers that
 * throw: each ends one connection, is counted in `stats()` and reported with a typed code, and the
 * process lives.
 *
 * The listening device is a library of A that counts B and C (played by the test, with their
 * `testCredentials`) as members. Before authentication means: a member in its hello or ready phase,
 * or a stranger (a key the membership does not know) waiting to redeem an open invite; a stranger
 * without an invite is refused before any frame is read (`tls-channel.test.ts`).
 */
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Packr } from 'msgpackr';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registry } from '../../generated/index.js';
import { MAX_INVALID_FRAMES, ProtocolDispatcher, type ProtocolHandlers } from '../../runtime/protocol/dispatch.js';
import { PROTOCOL_VERSION } from '../../runtime/protocol/messages.js';
import { encodeEnvelope } from '../../runtime/protocol/wire-codec.js';
import { DEVICE_CERT_FILE, DEVICE_KEY_FILE } from '../../runtime/library/device-credentials.js';
import { resolveOptions } from '../../runtime/sync/options.js';
import { framed } from '../../runtime/transports/tcp/framing.js';
import { checkHello, helloFrame, readHandshake, readyFrame, type HandshakeIdentity } from '../../runtime/transports/tcp/handshake.js';
import { createTcpTransport, type TcpEvent, type TcpTransport, type TcpTransportOptions } from '../../runtime/transports/tcp/index.js';
import { DEFAULT_TCP_LIMITS } from '../../runtime/transports/tcp/limits.js';
import type { TransportHandlers } from '../../runtime/transports/transport.js';
import { testCredentials } from '../support/credentials.js';
import { authenticate, connectPlain, connectRaw, type RawConnection } from '../support/raw-connection.js';
import { DEVICE_A, DEVICE_B, DEVICE_C, LIBRARY_ID, openDevice, temporaryDirectory, type ExampleLibrary } from '../support/libraries.js';
import { admitTestDevice, waitFor } from '../support/sync-harness.js';

/** The schema versions of the listening device (the example schema's): the members' too. */
const SCHEMA = { schemaVersion: registry.schemaVersion, compatibleFrom: registry.compatibleFrom };
const MEMBER: HandshakeIdentity = {
  deviceId: DEVICE_B,
  libraryId: LIBRARY_ID,
  schema: SCHEMA,
  protocolVersion: PROTOCOL_VERSION,
};
/** A device id the listening device's membership never holds. */
const STRANGER = 'f0000000-0000-4000-8000-00000000000f';
const heartbeat = encodeEnvelope({
  version: PROTOCOL_VERSION,
  libraryId: LIBRARY_ID,
  schema: SCHEMA,
  message: { type: 'Heartbeat', watermark: new Map(), sentAt: 1, floor: new Map() },
});

const transports: TcpTransport[] = [];
const libraries: ExampleLibrary[] = [];
const raws: RawConnection[] = [];
const crashes: unknown[] = [];
const trap = (error: unknown) => crashes.push(error);

test.before(() => {
  process.on('uncaughtException', trap);
  process.on('unhandledRejection', trap);
});

test.after.each(async () => {
  for (const raw of raws.splice(0)) raw.destroy();
  for (const transport of transports.splice(0)) await transport.close();
  for (const library of libraries.splice(0)) library.close();
  assert.equal(crashes.splice(0), [], 'no uncaught exception or unhandled rejection');
});

test.after(() => {
  process.off('uncaughtException', trap);
  process.off('unhandledRejection', trap);
});

/**
 * A new library of A whose membership counts B and C (`testCredentials`), closed after the test.
 * Its directory starts with A's `testCredentials`: one key and certificate for every test.
 */
async function libraryOfA(): Promise<ExampleLibrary> {
  const dir = temporaryDirectory('limits');
  const credentials = await testCredentials(DEVICE_A);
  writeFileSync(path.join(dir, DEVICE_KEY_FILE), credentials.key, { mode: 0o600 });
  writeFileSync(path.join(dir, DEVICE_CERT_FILE), credentials.cert);
  const library = await openDevice(DEVICE_A, { dir });
  libraries.push(library);
  for (const id of [DEVICE_B, DEVICE_C]) await admitTestDevice(library, id);
  return library;
}

/**
 * A listening device's transport alone (on a library of A with members B and C), its events, the
 * frames it hands up and the peers it reports; `invite()` opens an invite, so that a stranger may
 * wait to redeem it.
 */
async function listening(options: Partial<Omit<TcpTransportOptions, 'library'>> = {}, handlers: Partial<TransportHandlers> = {}) {
  const events: TcpEvent[] = [];
  const frames: Buffer[] = [];
  const down: string[] = [];
  const library = await libraryOfA();
  const transport = createTcpTransport({
    library,
    listen: { host: '127.0.0.1', port: 0 },
    onEvent: (event) => events.push(event),
    ...options,
  });
  transport.setHandlers({ peerUp: () => {}, peerDown: (peer) => down.push(peer), frame: (_, frame) => frames.push(Buffer.from(frame)), ...handlers });
  await transport.start();
  transports.push(transport);
  const refusals = (code: string) => events.filter((event) => event.kind === 'refused' && event.code === code);
  const port = transport.address().port;
  const invite = () => library.members.invite({ address: `127.0.0.1:${port}` });
  return { library, transport, events, frames, down, port, refusals, invite };
}

/** A connection past TLS, in its handshake: by default a member (B) that has said nothing yet. */
async function raw(port: number, deviceId: string = DEVICE_B): Promise<RawConnection> {
  const connection = await connectRaw(port, deviceId);
  raws.push(connection);
  return connection;
}

/** A connection past TLS with a key the membership does not know: kept only while an invite is open, waiting for its token. */
function stranger(port: number): Promise<RawConnection> {
  return raw(port, STRANGER);
}

async function member(port: number, identity = MEMBER): Promise<RawConnection> {
  const connection = await authenticate(port, identity, DEVICE_A);
  raws.push(connection);
  return connection;
}

function header(length: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(length);
  return bytes;
}

test('defaults: 4 KiB before authentication, 32 connections in their handshake, 10 s to finish it, idle after 30 s (30 default heartbeats), 5 min before redialing an incompatible peer', async () => {
  const library = await libraryOfA();
  assert.equal(DEFAULT_TCP_LIMITS, {
    maxFrameBytes: 16 * 1024 * 1024,
    maxHandshakeFrameBytes: 4096,
    maxUnauthenticated: 32,
    handshakeTimeoutMs: 10_000,
    idleTimeoutMs: 30_000,
    incompatibleRedialMs: 5 * 60_000,
  });
  assert.ok(DEFAULT_TCP_LIMITS.idleTimeoutMs >= 10 * resolveOptions({} as never).heartbeatMs, 'a healthy peer heartbeats many times within the idle deadline');
  assert.throws(() => createTcpTransport({ library, idleTimeoutMs: 0 }), /idleTimeoutMs/);
  assert.throws(() => createTcpTransport({ library, incompatibleRedialMs: 0 }), /incompatibleRedialMs/);
  assert.throws(() => createTcpTransport({ library, incompatibleRedialMs: 1.5 }), /incompatibleRedialMs/);
});

test('cap: with 32 strangers in their handshake (waiting to redeem an open invite), the 33rd connection is closed at once and counted; a slot frees when one leaves', async () => {
  const device = await listening();
  device.invite();
  const strangers = await Promise.all(Array.from({ length: DEFAULT_TCP_LIMITS.maxUnauthenticated }, () => stranger(device.port)));
  assert.ok(await waitFor(() => device.transport.stats().unauthenticated === 32));
  const over = await connectPlain(device.port);
  raws.push(over);
  assert.ok(await over.closesWithin(1000), 'closed at once');
  assert.is(over.received, 0, 'before any handshake work: not even TLS');
  assert.is(device.transport.stats().refusedByCode['too-many-connections'], 1);
  assert.is(device.transport.stats().refusedUnauthenticated, 1);
  assert.is(device.refusals('too-many-connections').length, 1);
  assert.match(device.refusals('too-many-connections')[0]!.reason, /^32 connections are already in their handshake/);

  strangers[0]!.destroy();
  assert.ok(await waitFor(() => device.transport.stats().unauthenticated === 31));
  const next = await stranger(device.port);
  assert.not.ok(await next.closesWithin(300), 'accepted again');
  assert.is(device.transport.stats().unauthenticated, 32);
  // A member is not kept out for long: its handshake needs a free slot only while it runs.
  strangers[1]!.destroy();
  assert.ok(await waitFor(() => device.transport.stats().unauthenticated === 31));
  await member(device.port);
  assert.ok(await waitFor(() => device.transport.connectedPeers().includes(DEVICE_B)));
  assert.is(device.transport.stats().unauthenticated, 31, 'authenticated: no longer counted against the cap');
});

test('before authentication: a length over 4 KiB is refused as oversized at once, from a member or a stranger with an invite open; a frame of exactly 4 KiB is read (and is no hello)', async () => {
  const device = await listening();
  const over = await raw(device.port);
  await over.write(header(4097));
  assert.ok(await over.closesWithin(1000));
  assert.is(device.refusals('oversized')[0]?.reason, 'frame of 4097 bytes exceeds the limit of 4096');

  const at = await raw(device.port);
  await at.send(Buffer.alloc(4096, 0xc1));
  assert.ok(await at.closesWithin(1000));
  assert.is(device.refusals('not-a-peer').length, 1);
  assert.equal(device.transport.stats().refusedByCode, { oversized: 1, 'not-a-peer': 1 });

  device.invite();
  const unknown = await stranger(device.port);
  await unknown.write(header(4097));
  assert.ok(await unknown.closesWithin(1000));
  assert.is(device.refusals('oversized')[1]?.reason, 'frame of 4097 bytes exceeds the limit of 4096');
  assert.equal(device.transport.stats().refusedByCode, { oversized: 2, 'not-a-peer': 1 });
});

test("after authentication the frame limit is maxFrameBytes, even for a frame in the same chunk as the handshake's last frames", async () => {
  const device = await listening();
  const connection = await raw(device.port);
  const first = connection.nextFrame();
  await connection.send(helloFrame(MEMBER));
  const hello = readHandshake(await first);
  assert.is(hello.kind, 'message');
  assert.is(checkHello(MEMBER, DEVICE_A, hello.kind === 'message' ? hello.message : null), null);
  // The device's ready answers the hello; this side's ready and a large frame go in one chunk.
  const second = connection.nextFrame();
  const large = Buffer.alloc(64 * 1024, 7);
  await connection.write(Buffer.concat([framed(readyFrame()), framed(large)]));
  const ready = readHandshake(await second);
  assert.is(ready.kind, 'message');
  assert.ok(await waitFor(() => device.frames.length === 1));
  assert.is(device.frames[0]!.length, large.length);
  assert.equal(device.transport.connectedPeers(), [DEVICE_B]);
});

test('the handshake deadline covers every phase before authentication: silence, a hello without ready, a stranger that never redeems, and a dial that gets no hello', async () => {
  const device = await listening({ handshakeTimeoutMs: 300 });
  device.invite();
  const silent = await raw(device.port);
  const helloOnly = await raw(device.port);
  await helloOnly.send(helloFrame(MEMBER));
  const waiting = await stranger(device.port);
  assert.ok(await silent.closesWithin(2000));
  assert.ok(await helloOnly.closesWithin(2000));
  assert.ok(await waiting.closesWithin(2000));
  assert.is(helloOnly.received, 3, "the device's hello, its ready (the hello was accepted; this side's ready never came), the refusal");
  assert.is(waiting.received, 1, 'the stranger heard nothing but the refusal');
  assert.is(device.refusals('handshake-timeout').length, 3);
  assert.is(device.transport.stats().refusedByCode['handshake-timeout'], 3);

  // This side dials a listener that accepts and says nothing.
  const accepted: net.Socket[] = [];
  const mute = net.createServer((socket) => {
    socket.on('error', () => {});
    accepted.push(socket);
  });
  await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
  const { port } = mute.address() as net.AddressInfo;
  const dialer = await listening({ handshakeTimeoutMs: 300, reconnectBaseMs: 10_000 });
  dialer.transport.connect(`127.0.0.1:${port}`);
  assert.ok(await waitFor(() => dialer.refusals('handshake-timeout').length === 1, 2000));
  for (const socket of accepted) socket.destroy();
  await new Promise<void>((resolve) => mute.close(() => resolve()));
});

test('after authentication a silent peer is closed at the idle deadline; a peer that keeps sending is not', async () => {
  const device = await listening({ idleTimeoutMs: 300 });
  const silent = await member(device.port);
  assert.ok(await waitFor(() => device.transport.connectedPeers().includes(DEVICE_B)));
  const lively = await member(device.port, { ...MEMBER, deviceId: DEVICE_C });
  const sending = setInterval(() => void lively.send(heartbeat), 100);
  try {
    assert.ok(await silent.closesWithin(2000), 'the silent peer is closed');
    const idle = device.events.filter((event) => event.kind === 'disconnected' && event.code === 'idle-timeout');
    assert.is(idle.length, 1);
    assert.is(idle[0]!.peer, DEVICE_B);
    assert.match(idle[0]!.reason, /^nothing received for \d+ ms \(idleTimeoutMs 300\)$/);
    assert.is(device.transport.stats().closedIdle, 1);
    assert.equal(device.down, [DEVICE_B], 'the engine hears the peer went down');
    await new Promise((resolve) => setTimeout(resolve, 900));
    assert.not.ok(lively.isClosed, 'three idle deadlines later the lively peer is still connected');
    assert.equal(device.transport.connectedPeers(), [DEVICE_C]);
  } finally {
    clearInterval(sending);
  }
});

test(`after authentication invalid frame number ${MAX_INVALID_FRAMES} disconnects, whatever valid frames came between; a length over maxFrameBytes at once`, async () => {
  let valid = 0;
  let dispatcher: ProtocolDispatcher | null = null;
  const device = await listening({ maxFrameBytes: 64 * 1024 }, { frame: (peer, frame) => dispatcher!.dispatch(peer, frame) });
  const ignore = () => {};
  const handlers: ProtocolHandlers = {
    entries: ignore,
    ack: ignore,
    heartbeat: () => {
      valid += 1;
    },
    changeRequest: ignore,
    stateRequest: ignore,
    stateResponse: ignore,
    recordRequest: ignore,
    recordResponse: ignore,
    members: ignore,
    models: ignore,
    error: ignore,
    invalid: ignore,
    disconnect: (peer, code, reason) => device.transport.disconnect(peer, reason, code),
  };
  dispatcher = new ProtocolDispatcher({ libraryId: LIBRARY_ID, schema: SCHEMA, knowsModel: () => true }, handlers);

  const connection = await member(device.port);
  for (let round = 0; round < MAX_INVALID_FRAMES - 1; round += 1) {
    await connection.send(Buffer.from([0xc1]));
    for (let index = 0; index < 3; index += 1) await connection.send(heartbeat);
  }
  assert.ok(await waitFor(() => valid === 3 * (MAX_INVALID_FRAMES - 1)));
  assert.not.ok(await connection.closesWithin(200), `${MAX_INVALID_FRAMES - 1} invalid frames keep the connection`);
  await connection.send(Buffer.alloc(0));
  assert.ok(await connection.closesWithin(1000), 'the next one closes it');
  const disconnected = device.events.filter((event) => event.kind === 'disconnected');
  assert.equal(
    disconnected.map((event) => [event.code, event.peer]),
    [['too-many-invalid', DEVICE_B]],
  );
  assert.is(device.transport.stats().closedInvalidFrames, 1);

  // The count started over with the disconnect: the member's next connection starts at zero.
  const again = await member(device.port);
  await again.send(Buffer.from([0xc1]));
  await again.send(heartbeat);
  assert.ok(await waitFor(() => valid === 3 * (MAX_INVALID_FRAMES - 1) + 1));
  assert.not.ok(again.isClosed);
  await again.write(header(64 * 1024 + 1));
  assert.ok(await again.closesWithin(1000));
  assert.equal(device.events.filter((event) => event.kind === 'disconnected').at(-1)?.code, 'oversized');
  assert.is(device.transport.stats().closedInvalidFrames, 2);
});

test('hellos carrying a BigInt, a map whose toString is no function, schema versions that are none, or an incompatible schema are refused with a typed reason; the process lives', async () => {
  const device = await listening();
  const packr = new Packr({ useRecords: false });
  const evil = { toString: 1, valueOf: 2 };
  const announced = (what: string) => new RegExp(`^the peer announced device ${what} with the key of ${DEVICE_B}$`);
  const [V, C] = [SCHEMA.schemaVersion, SCHEMA.compatibleFrom];
  const incompatibleWithB = `incompatible schemas: schema version 1 here (syncs with 1 and later), 3 on ${DEVICE_B} (syncs with 3 and later); upgrade the app on this device: nothing is lost meanwhile, and they sync once it is upgraded`;
  const hellos: [unknown[], string, RegExp | string][] = [
    [['syncgen-hello', evil, LIBRARY_ID, DEVICE_B, V, C], 'unsupported-version', /^protocol version a map is not supported/],
    [['syncgen-hello', 2n ** 63n, LIBRARY_ID, DEVICE_B, V, C], 'unsupported-version', /^protocol version a BigInt is not supported/],
    [['syncgen-hello', PROTOCOL_VERSION, evil, DEVICE_B, V, C], 'wrong-library', /^wrong library: a map is not /],
    [['syncgen-hello', PROTOCOL_VERSION, -(2n ** 63n), DEVICE_B, V, C], 'wrong-library', /^wrong library: a BigInt is not /],
    [['syncgen-hello', PROTOCOL_VERSION, LIBRARY_ID, DEVICE_B, evil, C], 'not-a-peer', /^invalid schema versions a map and 1$/],
    [['syncgen-hello', PROTOCOL_VERSION, LIBRARY_ID, DEVICE_B, V, 2n ** 64n - 1n], 'not-a-peer', /^invalid schema versions 1 and a BigInt$/],
    [['syncgen-hello', PROTOCOL_VERSION, LIBRARY_ID, DEVICE_B, 0, 0], 'not-a-peer', /^invalid schema versions 0 and 0$/],
    [['syncgen-hello', PROTOCOL_VERSION, LIBRARY_ID, DEVICE_B, 1, 2], 'not-a-peer', /^invalid schema versions 1 and 2$/],
    [['syncgen-hello', PROTOCOL_VERSION, LIBRARY_ID, DEVICE_B, 2.5, 1], 'not-a-peer', /^invalid schema versions 2.5 and 1$/],
    [['syncgen-hello', PROTOCOL_VERSION, LIBRARY_ID, DEVICE_B, 3, 3], 'schema-mismatch', incompatibleWithB],
    [['syncgen-hello', PROTOCOL_VERSION, LIBRARY_ID, 2n ** 64n - 1n, V, C], 'invalid-device-id', announced('a BigInt')],
    [['syncgen-hello', PROTOCOL_VERSION, LIBRARY_ID, evil, V, C], 'invalid-device-id', announced('a map')],
    [['syncgen-hello', PROTOCOL_VERSION, LIBRARY_ID, 'x'.repeat(5000).slice(0, 3000), V, C], 'invalid-device-id', announced('"x{64}…"')],
  ];
  for (const [hello, code, reason] of hellos) {
    const connection = await raw(device.port);
    await connection.send(packr.pack(hello));
    assert.ok(await connection.closesWithin(1000), code);
    const event = device.events.filter((item) => item.kind === 'refused').at(-1)!;
    assert.is(event.code, code);
    if (typeof reason === 'string') assert.is(event.reason, reason);
    else assert.match(event.reason, reason);
  }
  // A refusal whose reason and code are such values, a ready carrying one, and a stranger's redeem carrying one.
  const refusal = await raw(device.port);
  await refusal.send(packr.pack(['syncgen-refused', evil, 5n]));
  assert.ok(await refusal.closesWithin(1000));
  assert.equal(device.events.filter((item) => item.kind === 'refused-by-peer').at(-1), {
    kind: 'refused-by-peer',
    address: device.events.at(-1)!.address,
    peer: DEVICE_B,
    code: 'refused-by-peer',
    reason: 'a map',
  });
  const ready = await raw(device.port);
  await ready.send(helloFrame(MEMBER));
  await ready.send(packr.pack(['syncgen-ready', evil]));
  assert.ok(await ready.closesWithin(1000));
  assert.is(device.events.filter((item) => item.kind === 'refused').at(-1)!.code, 'not-a-peer');
  device.invite();
  const redeem = await stranger(device.port);
  await redeem.send(packr.pack(['syncgen-redeem', evil]));
  assert.ok(await redeem.closesWithin(1000));
  assert.is(device.events.filter((item) => item.kind === 'refused').at(-1)!.code, 'not-a-member');
  assert.is(device.transport.stats().refusedUnauthenticated, hellos.length + 2);
  // Still a working device.
  await member(device.port);
  assert.ok(await waitFor(() => device.transport.connectedPeers().includes(DEVICE_B)));
});

test('a handler that throws ends its connection with an error event (code unreachable), not the process; a throwing onEvent changes nothing', async () => {
  const events: TcpEvent[] = [];
  const device = await listening(
    {
      onEvent: (event) => {
        events.push(event);
        throw new Error('a broken logger');
      },
    },
    { frame: () => JSON.parse('{') },
  );
  const connection = await member(device.port);
  await connection.send(heartbeat);
  assert.ok(await connection.closesWithin(1000));
  const error = events.find((event) => event.kind === 'error');
  assert.is(error?.code, 'unreachable');
  assert.match(error!.reason, /^a handler threw: /);
  const stats = device.transport.stats();
  assert.is(stats.closedOnException, 1);
  assert.is(stats.authenticated, 0);
  await member(device.port);
  assert.ok(await waitFor(() => device.transport.connectedPeers().includes(DEVICE_B)), 'the next connection works');
});

test.run();
