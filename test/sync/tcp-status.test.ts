/**
 * The sync status over real TCP sockets on loopback: handshake refusals reach the engine through
 * the transport-agnostic `connection` handler. A stranger is refused with `not-a-member` (on its
 * side by the peer, with when it dials again; on the member's side by itself), and connects once
 * admitted; devices a breaking schema change apart are refused with `schema-mismatch`, their next
 * attempt `incompatibleRedialMs` away; a peer that goes away is backed off from, then reconnected.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { syncPortOf } from '../../runtime/library/library.js';
import type { SchemaCompatibility } from '../../runtime/protocol/compatibility.js';
import type { PeerConnection } from '../../runtime/sync/connection-status.js';
import { PeerSync } from '../../runtime/sync/peer-sync.js';
import { createTcpTransport } from '../../runtime/transports/tcp/index.js';
import { closeReaders, DEVICE_A, DEVICE_B, openDevice, type ExampleLibrary } from '../support/libraries.js';
import { portAt } from '../support/schema-port.js';
import { introduce, tcpDevice, TEST_SYNC_OPTIONS, waitFor } from '../support/sync-harness.js';

const running: { sync: PeerSync; library: ExampleLibrary }[] = [];

test.after.each(async () => {
  for (const item of running.splice(0)) {
    await item.sync.stop();
    closeReaders(item.library);
    item.library.close();
  }
});

async function device(...args: Parameters<typeof tcpDevice>) {
  const created = await tcpDevice(...args);
  running.push(created);
  return created;
}

const connectionOf = (sync: PeerSync, peer: string): PeerConnection | undefined => sync.status().peers[peer]?.connection;

test('a stranger is refused not-a-member on both sides, redialed, and connects once admitted', async () => {
  const a = await device(DEVICE_A, { member: false });
  const stranger = await device(DEVICE_B, { member: false });
  // The stranger trusts A (it says hello); A does not know the stranger's key.
  stranger.library.members.add(DEVICE_A, a.library.credentials.fingerprint);
  stranger.transport.connect(a.address);
  assert.ok(await waitFor(() => connectionOf(a.sync, DEVICE_B)?.state === 'refused' && connectionOf(stranger.sync, DEVICE_A)?.state === 'refused'));

  const onA = connectionOf(a.sync, DEVICE_B)!;
  assert.equal(onA.state === 'refused' && [onA.code, onA.by], ['not-a-member', 'self']);
  assert.is(a.sync.status().peers[DEVICE_B]!.address, null, 'the accepting side knows no address to dial');
  assert.ok(
    await waitFor(() => {
      const connection = connectionOf(stranger.sync, DEVICE_A);
      return connection?.state === 'refused' && connection.nextAttemptAt !== null;
    }),
  );
  const onStranger = connectionOf(stranger.sync, DEVICE_A)!;
  assert.ok(onStranger.state === 'refused');
  assert.equal([onStranger.code, onStranger.by], ['not-a-member', 'peer']);
  assert.match(onStranger.reason, `device ${DEVICE_B}`);
  assert.ok(onStranger.nextAttemptAt! >= onStranger.since);
  const status = stranger.sync.status();
  assert.equal(Object.keys(status.peers), [DEVICE_A], "the dialed address's entry became the peer's");
  assert.is(status.peers[DEVICE_A]!.address, a.address);
  assert.equal([status.hasSynced, status.peers[DEVICE_A]!.hasSynced], [false, false]);

  a.library.members.add(DEVICE_B, stranger.library.credentials.fingerprint);
  assert.ok(await waitFor(() => connectionOf(a.sync, DEVICE_B)?.state === 'connected' && connectionOf(stranger.sync, DEVICE_A)?.state === 'connected'));
  assert.ok(await waitFor(() => stranger.sync.status().hasSynced && a.sync.status().hasSynced));
});

async function versioned(id: string, schema: SchemaCompatibility, peers: string[] = []) {
  const library = await openDevice(id);
  const transport = createTcpTransport({
    library: { deviceId: id, libraryId: library.libraryId, credentials: library.credentials, members: library.members, registry: schema },
    listen: { host: '127.0.0.1', port: 0 },
    peers,
    reconnectBaseMs: 50,
    reconnectMaxMs: 500,
    incompatibleRedialMs: 300_000,
  });
  const sync = new PeerSync(portAt(syncPortOf(library), schema), { ...TEST_SYNC_OPTIONS, transport });
  running.push({ sync, library });
  await sync.start();
  return { library, sync, transport, address: `127.0.0.1:${transport.address().port}` };
}

test('devices a breaking change apart: refused schema-mismatch, redialed only after incompatibleRedialMs', async () => {
  const older = await versioned(DEVICE_A, { schemaVersion: 1, compatibleFrom: 1 });
  const newer = await versioned(DEVICE_B, { schemaVersion: 3, compatibleFrom: 3 }, []);
  introduce(older.library, newer.library);
  newer.transport.connect(older.address);
  assert.ok(await waitFor(() => connectionOf(older.sync, DEVICE_B)?.state === 'refused'));
  assert.ok(
    await waitFor(() => {
      const connection = connectionOf(newer.sync, DEVICE_A);
      return connection?.state === 'refused' && connection.nextAttemptAt !== null;
    }),
  );
  for (const connection of [connectionOf(older.sync, DEVICE_B)!, connectionOf(newer.sync, DEVICE_A)!]) {
    assert.ok(connection.state === 'refused');
    assert.is(connection.code, 'schema-mismatch');
    assert.match(connection.reason, 'incompatible schemas');
  }
  const dialing = connectionOf(newer.sync, DEVICE_A)!;
  assert.ok(dialing.state === 'refused' && dialing.nextAttemptAt! - dialing.since >= 300_000 && dialing.nextAttemptAt! - dialing.since < 301_000);
});

test('a peer that goes away: disconnected, backing off until the next dial, connected again when it is back', async () => {
  const a = await device(DEVICE_A);
  const b = await device(DEVICE_B, { peers: [a.address] });
  assert.ok(await waitFor(() => connectionOf(b.sync, DEVICE_A)?.state === 'connected' && connectionOf(a.sync, DEVICE_B)?.state === 'connected'));
  assert.equal(b.sync.status().peers[DEVICE_A]!.address, a.address);
  const port = Number(a.address.split(':')[1]);

  await a.sync.stop();
  assert.ok(await waitFor(() => connectionOf(b.sync, DEVICE_A)?.state === 'backing-off'));
  const backingOff = connectionOf(b.sync, DEVICE_A)!;
  assert.ok(backingOff.state === 'backing-off' && backingOff.nextAttemptAt >= backingOff.since);

  // A comes back on the same port: B's next dial connects.
  const transport = createTcpTransport({ library: a.library, listen: { host: '127.0.0.1', port }, reconnectBaseMs: 50, reconnectMaxMs: 500 });
  const sync = new PeerSync(syncPortOf(a.library), { ...TEST_SYNC_OPTIONS, transport });
  running[0] = { sync, library: a.library };
  await sync.start();
  assert.ok(await waitFor(() => connectionOf(b.sync, DEVICE_A)?.state === 'connected'));
});

test.run();
