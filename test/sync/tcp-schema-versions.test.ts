/**
 * Schema versions over real TCP sockets on loopback (`runtime/protocol/compatibility.ts`): devices
 * a compatible (additive) change apart connect and sync, each side's frames carrying its own
 * version; devices a breaking change apart are refused 'schema-mismatch' by both sides, each with
 * the reason naming both versions and the device to upgrade; and a dial refused for incompatible
 * versions (schema, or the protocol's, by either side) is redialed only after
 * `incompatibleRedialMs`, while other refusals are redialed on the usual backoff.
 *
 * Each device is a real library whose transport and engine announce the versions the test gives
 * (a `TcpLibrary` is structural; the engine's port is the library's own with its `schema` replaced).
 */
import { performance } from 'node:perf_hooks';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { syncPortOf } from '../../runtime/library/library.js';
import { incompatibility, type SchemaCompatibility } from '../../runtime/protocol/compatibility.js';
import { PROTOCOL_VERSION } from '../../runtime/protocol/messages.js';
import { decodeEnvelope } from '../../runtime/protocol/wire-codec.js';
import { PeerSync } from '../../runtime/sync/peer-sync.js';
import { createTcpTransport, type TcpEvent, type TcpTransport, type TcpTransportOptions } from '../../runtime/transports/tcp/index.js';
import type { Transport } from '../../runtime/transports/transport.js';
import { closeReaders, DEVICE_A, DEVICE_B, DEVICE_C, NOW, openDevice, temporaryDirectory, type ExampleLibrary } from '../support/libraries.js';
import { portAt } from '../support/schema-port.js';
import { assertConverged, introduce, sameVectors, TEST_SYNC_OPTIONS, waitFor } from '../support/sync-harness.js';

/** How long a refused dial waits here before it is tried again: short enough for a test, far above the usual backoff. */
const HOLD_OFF_MS = 1500;
/** The usual backoff here: 10 ms doubling, capped at 50 ms (with jitter, at most 75 ms). */
const QUICK_REDIALS: Partial<TcpTransportOptions> = { reconnectBaseMs: 10, reconnectMaxMs: 50, incompatibleRedialMs: HOLD_OFF_MS };
/**
 * A timer may fire a little before its delay by `performance.now()`: Node measures it from the
 * event loop's cached time, which lags the clock by the time the loop has been busy.
 */
const TIMER_SLACK_MS = 50;

interface VersionedDevice {
  readonly id: string;
  readonly dir: string;
  readonly library: ExampleLibrary;
  readonly sync: PeerSync;
  readonly transport: TcpTransport;
  readonly address: string;
  /** The transport's events, each with when it came (`performance.now()`). */
  readonly events: (TcpEvent & { readonly at: number })[];
  /** The schema versions of the frames this device received, as `version/compatibleFrom`. */
  readonly received: Set<string>;
}

const running: VersionedDevice[] = [];

test.after.each(async () => {
  for (const device of running.splice(0)) {
    await device.sync.stop();
    closeReaders(device.library);
    device.library.close();
  }
});

/** A transport that notes the schema versions of every frame it delivers. */
function noting(transport: Transport, received: Set<string>): Transport {
  return {
    setHandlers: (handlers) =>
      transport.setHandlers({
        ...handlers,
        frame(peer, frame) {
          const { schema } = decodeEnvelope(frame);
          received.add(`${schema.schemaVersion}/${schema.compatibleFrom}`);
          handlers.frame(peer, frame);
        },
      }),
    start: () => transport.start(),
    send: (peer, frame) => transport.send(peer, frame),
    disconnect: (peer, reason, code) => transport.disconnect(peer, reason, code),
    close: () => transport.close(),
  };
}

/**
 * A device whose transport and engine announce `schema`, listening on loopback; a member of each of
 * `members` (and they of it). Its transport has `options` (peers to dial, redial timings).
 */
async function deviceAt(
  id: string,
  schema: SchemaCompatibility,
  options: Partial<TcpTransportOptions> & { members?: VersionedDevice[] } = {},
): Promise<VersionedDevice> {
  const { members = [], ...transportOptions } = options;
  const dir = temporaryDirectory('versions');
  const library = await openDevice(id, { dir });
  for (const other of members) introduce(library, other.library);
  const events: VersionedDevice['events'] = [];
  const transport = createTcpTransport({
    library: { deviceId: library.deviceId, libraryId: library.libraryId, credentials: library.credentials, members: library.members, registry: schema },
    listen: { host: '127.0.0.1', port: 0 },
    reconnectBaseMs: 50,
    reconnectMaxMs: 500,
    onEvent: (event) => events.push({ ...event, at: performance.now() }),
    ...transportOptions,
  });
  const received = new Set<string>();
  const sync = new PeerSync(portAt(syncPortOf(library), schema), { ...TEST_SYNC_OPTIONS, transport: noting(transport, received) });
  await sync.start();
  const device = { id, dir, library, sync, transport, address: `127.0.0.1:${transport.address().port}`, events, received };
  running.push(device);
  return device;
}

const refusals = (device: VersionedDevice, code: string) => device.events.filter((event) => event.kind === 'refused' && event.code === code);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('versions 1 and 2 (2 syncs with 1 and later) connect and sync both ways; each side receives the other’s version in every frame', async () => {
  const a = await deviceAt(DEVICE_A, { schemaVersion: 1, compatibleFrom: 1 });
  const b = await deviceAt(DEVICE_B, { schemaVersion: 2, compatibleFrom: 1 }, { members: [a], peers: [a.address] });
  assert.ok(await waitFor(() => a.sync.connectedPeers().includes(DEVICE_B) && b.sync.connectedPeers().includes(DEVICE_A)));
  const fromA = a.library.transact((tx) => tx.tag.create({ name: 'from version 1', createdAt: NOW }));
  const fromB = b.library.transact((tx) => tx.tag.create({ name: 'from version 2', createdAt: NOW }));
  assert.ok(await waitFor(() => sameVectors([a, b]) && a.library.get('tag', fromB.id) !== undefined && b.library.get('tag', fromA.id) !== undefined));
  assertConverged([a, b], assert.equal);
  assert.equal([[...a.received], [...b.received]], [['2/1'], ['1/1']]);
  assert.equal([a.transport.stats().refusedUnauthenticated, b.transport.stats().refusedUnauthenticated], [0, 0]);
});

test('versions 3 (after a breaking change: syncs with 3 and later) and 1 are refused schema-mismatch on both sides, with the reason; the dial is redialed only after incompatibleRedialMs', async () => {
  const older = { schemaVersion: 1, compatibleFrom: 1 };
  const newer = { schemaVersion: 3, compatibleFrom: 3 };
  const a = await deviceAt(DEVICE_A, older);
  const b = await deviceAt(DEVICE_B, newer, { members: [a], ...QUICK_REDIALS });
  const unsent = a.library.transact((tx) => tx.tag.create({ name: 'never sent', createdAt: NOW }));
  b.transport.connect(a.address);
  assert.ok(await waitFor(() => refusals(a, 'schema-mismatch').length === 1 && refusals(b, 'schema-mismatch').length === 1));
  const [onA] = refusals(a, 'schema-mismatch');
  const [onB] = refusals(b, 'schema-mismatch');
  assert.equal([onA!.peer, onA!.reason], [DEVICE_B, incompatibility(older, newer, DEVICE_B)]);
  assert.equal([onB!.peer, onB!.reason], [DEVICE_A, incompatibility(newer, older, DEVICE_A)]);
  assert.is(
    onA!.reason,
    `incompatible schemas: schema version 1 here (syncs with 1 and later), 3 on ${DEVICE_B} (syncs with 3 and later); upgrade the app on this device: nothing is lost meanwhile, and they sync once it is upgraded`,
  );
  assert.is(
    onB!.reason,
    `incompatible schemas: schema version 3 here (syncs with 3 and later), 1 on ${DEVICE_A} (syncs with 1 and later); upgrade the app on ${DEVICE_A}: nothing is lost meanwhile, and they sync once it is upgraded`,
  );
  assert.equal([a.transport.stats().refusedByCode, b.transport.stats().refusedByCode], [{ 'schema-mismatch': 1 }, { 'schema-mismatch': 1 }]);

  // Within the first second: that one attempt only (the usual backoff would have redialed a dozen times).
  await sleep(1000 - (performance.now() - onB!.at));
  assert.equal([refusals(a, 'schema-mismatch').length, refusals(b, 'schema-mismatch').length], [1, 1], 'no redial within the hold-off');
  assert.equal([a.sync.connectedPeers(), b.sync.connectedPeers()], [[], []]);
  // After the hold-off, a second attempt, refused alike; then the hold-off again.
  assert.ok(await waitFor(() => refusals(a, 'schema-mismatch').length === 2 && refusals(b, 'schema-mismatch').length === 2, HOLD_OFF_MS + 3000));
  const second = refusals(b, 'schema-mismatch')[1]!;
  assert.ok(second.at - onB!.at >= HOLD_OFF_MS - TIMER_SLACK_MS, `redialed ${Math.round(second.at - onB!.at)} ms after the refusal`);
  assert.is(second.reason, onB!.reason);
  assert.equal([a.transport.stats().refusedByCode, b.transport.stats().refusedByCode], [{ 'schema-mismatch': 2 }, { 'schema-mismatch': 2 }]);
  await sleep(1000 - (performance.now() - second.at));
  assert.equal([refusals(a, 'schema-mismatch').length, refusals(b, 'schema-mismatch').length], [2, 2], 'the next redial waits as long');
  assert.equal(a.sync.connectedPeers(), []);
  assert.is(b.library.get('tag', unsent.id), undefined, 'nothing synced');
});

test('version 3 (syncs with 3 and later) and version 2 (syncs with 1 and later) are refused alike, both ways round', async () => {
  const older = { schemaVersion: 2, compatibleFrom: 1 };
  const newer = { schemaVersion: 3, compatibleFrom: 3 };
  const a = await deviceAt(DEVICE_A, newer);
  const b = await deviceAt(DEVICE_B, older, { members: [a], ...QUICK_REDIALS });
  b.transport.connect(a.address);
  assert.ok(await waitFor(() => refusals(a, 'schema-mismatch').length === 1 && refusals(b, 'schema-mismatch').length === 1));
  assert.is(
    refusals(a, 'schema-mismatch')[0]!.reason,
    `incompatible schemas: schema version 3 here (syncs with 3 and later), 2 on ${DEVICE_B} (syncs with 1 and later); upgrade the app on ${DEVICE_B}: nothing is lost meanwhile, and they sync once it is upgraded`,
  );
  assert.is(
    refusals(b, 'schema-mismatch')[0]!.reason,
    `incompatible schemas: schema version 2 here (syncs with 1 and later), 3 on ${DEVICE_A} (syncs with 3 and later); upgrade the app on this device: nothing is lost meanwhile, and they sync once it is upgraded`,
  );
  assert.equal([a.transport.stats().refusedByCode, b.transport.stats().refusedByCode], [{ 'schema-mismatch': 1 }, { 'schema-mismatch': 1 }]);
  assert.equal([a.sync.connectedPeers(), b.sync.connectedPeers()], [[], []]);
});

test('a dial the peer refuses for a newer protocol version is held off alike; a dial refused for another reason is redialed on the usual backoff', async () => {
  const schema = { schemaVersion: 1, compatibleFrom: 1 };
  const a = await deviceAt(DEVICE_A, schema);
  // B announces a newer protocol: only A refuses (B checks A's hello against the protocol it speaks), and B hears why.
  const b = await deviceAt(DEVICE_B, schema, { members: [a], protocolVersion: PROTOCOL_VERSION + 1, ...QUICK_REDIALS });
  b.transport.connect(a.address);
  const byPeer = () => b.events.filter((event) => event.kind === 'refused-by-peer');
  assert.ok(await waitFor(() => refusals(a, 'unsupported-version').length === 1 && byPeer().length === 1));
  const first = byPeer()[0]!;
  assert.equal([first.code, first.peer], ['unsupported-version', DEVICE_A]);
  assert.equal([a.transport.stats().refusedByCode, b.transport.stats().refusedByCode], [{ 'unsupported-version': 1 }, {}]);
  await sleep(1000 - (performance.now() - first.at));
  assert.equal([refusals(a, 'unsupported-version').length, byPeer().length], [1, 1], 'no redial within the hold-off');
  assert.ok(await waitFor(() => byPeer().length === 2, HOLD_OFF_MS + 3000));
  assert.ok(byPeer()[1]!.at - first.at >= HOLD_OFF_MS - TIMER_SLACK_MS, `redialed ${Math.round(byPeer()[1]!.at - first.at)} ms after the refusal`);

  // C knows A, but A does not know C: refused not-a-member, which the next dial may not be, so C redials within tens of ms.
  const c = await deviceAt(DEVICE_C, schema, QUICK_REDIALS);
  c.library.members.add(DEVICE_A, a.library.credentials.fingerprint);
  c.transport.connect(a.address);
  assert.ok(await waitFor(() => refusals(a, 'not-a-member').length === 1));
  const start = refusals(a, 'not-a-member')[0]!.at;
  await sleep(1000 - (performance.now() - start));
  assert.ok(refusals(a, 'not-a-member').length >= 5, `${refusals(a, 'not-a-member').length} attempts within a second`);
});

test.run();
