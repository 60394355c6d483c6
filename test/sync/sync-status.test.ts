/**
 * The sync status over the simulated network (virtual time, so every outcome is exact): each
 * peer's connection (connected, refused with its code and by whom, backing off until a known time,
 * connected again), hasSynced, lastSyncedAt and the lags both ways while one direction's entries
 * are held back, status events, metrics that keep counting across a restart of the engine on the
 * same open library, duplicates counted, and the engine's logger getting its debug lines.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LogFields, Logger, LogLevel } from '../../runtime/core/logger.js';
import { syncPortOf } from '../../runtime/library/library.js';
import { decodeEnvelope } from '../../runtime/protocol/wire-codec.js';
import { PeerSync } from '../../runtime/sync/peer-sync.js';
import type { SyncStatus } from '../../runtime/sync/status.js';
import type { Transport } from '../../runtime/transports/transport.js';
import { DEVICE_A, DEVICE_B, NOW } from '../support/libraries.js';
import { SimulatedFleet, TEST_SYNC_OPTIONS, type Device } from '../support/sync-harness.js';

const ENTRY_FRAMES = new Set(['SharedChange', 'SharedChangeBatch', 'StateChange', 'StateBatch']);

function tags(device: Device, count: number, label: string): void {
  device.library.transact((tx) => {
    for (let index = 0; index < count; index += 1) tx.tag.create({ name: `${label} ${index}`, createdAt: NOW });
  });
}

/** A transport that drops the entry frames it receives while `holding()` says so (heartbeats and acks pass). */
function holdingEntries(transport: Transport, holding: () => boolean): Transport {
  return {
    setHandlers: (handlers) =>
      transport.setHandlers({
        ...handlers,
        frame: (peer, frame) => {
          if (holding() && ENTRY_FRAMES.has(decodeEnvelope(frame).message.type)) return;
          handlers.frame(peer, frame);
        },
      }),
    start: () => transport.start(),
    send: (peer, frame) => transport.send(peer, frame),
    disconnect: (peer, reason, code) => transport.disconnect(peer, reason, code),
    close: () => transport.close(),
  };
}

test('connections: connected, refused with its code on both sides, backing off until a known time, connected again', async () => {
  const fleet = await SimulatedFleet.create(2, { seed: 301 });
  const [a, b] = fleet.devices as [Device, Device];
  const { scheduler } = fleet.network;
  try {
    assert.ok(await fleet.settle());
    await scheduler.advance(500);
    assert.is(a.sync.status().peers[DEVICE_B]!.connection.state, 'connected');
    assert.is(a.sync.status().hasSynced, true);

    const refusedAt = scheduler.now();
    fleet.network.refuse(DEVICE_A, DEVICE_B, 'not-a-member', `device ${DEVICE_B} is not a member of this library`);
    await scheduler.advance(10);
    const reason = `device ${DEVICE_B} is not a member of this library`;
    assert.equal(a.sync.status().peers[DEVICE_B]!.connection, {
      state: 'refused',
      since: refusedAt,
      code: 'not-a-member',
      reason,
      by: 'self',
      nextAttemptAt: null,
    });
    assert.equal(b.sync.status().peers[DEVICE_A]!.connection, {
      state: 'refused',
      since: refusedAt,
      code: 'not-a-member',
      reason,
      by: 'peer',
      nextAttemptAt: null,
    });
    assert.is(a.sync.status().hasSynced, false, 'no peer connected');
    assert.equal(a.sync.connectedPeers(), []);

    fleet.network.refuse(DEVICE_B, DEVICE_A, 'schema-mismatch', 'incompatible schemas');
    fleet.network.allow(DEVICE_A, DEVICE_B);
    await scheduler.advance(10);
    assert.is(a.sync.status().peers[DEVICE_B]!.connection.state, 'refused');
    assert.equal(
      [a, b].map((device) => {
        const connection = device.sync.status().peers[device === a ? DEVICE_B : DEVICE_A]!.connection;
        return connection.state === 'refused' ? [connection.code, connection.by] : connection.state;
      }),
      [
        ['schema-mismatch', 'peer'],
        ['schema-mismatch', 'self'],
      ],
    );

    fleet.network.allow(DEVICE_B, DEVICE_A);
    assert.ok(await scheduler.runUntil(() => a.sync.status().peers[DEVICE_B]!.connection.state === 'connected', 1000));

    // A transport hanging up on its peer: both ends back off until the link returns, then connect again.
    const cutAt = scheduler.now();
    b.transport.disconnect(DEVICE_A, 'testing');
    await scheduler.advance(1);
    for (const [device, peer] of [
      [a, DEVICE_B],
      [b, DEVICE_A],
    ] as const) {
      assert.equal(device.sync.status().peers[peer]!.connection, { state: 'backing-off', since: cutAt, nextAttemptAt: cutAt + 1000 });
    }
    await scheduler.advance(1000);
    assert.equal(a.sync.status().peers[DEVICE_B]!.connection, { state: 'connected', since: cutAt + 1000 });
    assert.ok(await fleet.settle());
  } finally {
    await fleet.close();
  }
});

test('hasSynced, lastSyncedAt and the lags, while entries from B are held back from A, and status events', async () => {
  let holding = false;
  const fleet = await SimulatedFleet.create(2, {
    seed: 302,
    wrapTransport: (device, transport) => (device === DEVICE_A ? holdingEntries(transport, () => holding) : transport),
  });
  const [a, b] = fleet.devices as [Device, Device];
  const { scheduler } = fleet.network;
  const events: SyncStatus[] = [];
  try {
    tags(a, 3, 'a');
    assert.ok(await fleet.settle());
    await scheduler.advance(400); // two heartbeats: each side knows the other holds everything
    const off = a.sync.onStatus((status) => events.push(status));
    await scheduler.advance(1);
    const synced = a.sync.status();
    assert.is(synced.hasSynced, true);
    assert.equal([synced.outgoingLag, synced.incomingLag], [0, 0]);
    const peer = synced.peers[DEVICE_B]!;
    assert.equal([peer.hasSynced, peer.outgoingLag, peer.incomingLag, peer.progress], [true, 0, 0, null]);
    assert.ok(peer.lastSyncedAt !== null && peer.lastSyncedAt <= scheduler.now() && peer.lastSyncedAt > scheduler.now() - 400);
    assert.is(synced.lastSyncedAt, peer.lastSyncedAt);

    holding = true;
    tags(b, 2, 'b');
    tags(a, 4, 'a again');
    await scheduler.advance(450); // B's heartbeats say it holds 2 entries A lacks
    const lagging = a.sync.status();
    const frozen = lagging.peers[DEVICE_B]!.lastSyncedAt;
    assert.equal([lagging.hasSynced, lagging.incomingLag, lagging.outgoingLag], [false, 2, 0]);
    assert.equal([lagging.peers[DEVICE_B]!.hasSynced, lagging.peers[DEVICE_B]!.incomingLag], [false, 2]);
    const fromB = b.sync.status();
    assert.equal([fromB.hasSynced, fromB.peers[DEVICE_A]!.outgoingLag, fromB.peers[DEVICE_A]!.incomingLag], [true, 2, 0]);
    await scheduler.advance(600);
    assert.is(a.sync.status().peers[DEVICE_B]!.lastSyncedAt, frozen, 'not synced since');

    holding = false;
    const lifted = scheduler.now();
    assert.ok(await fleet.settle());
    await scheduler.advance(400);
    const after = a.sync.status();
    assert.equal([after.hasSynced, after.incomingLag, after.outgoingLag], [true, 0, 0]);
    assert.ok(after.peers[DEVICE_B]!.lastSyncedAt! >= lifted);
    assert.equal([b.sync.status().peers[DEVICE_A]!.outgoingLag], [0]);

    off();
    assert.equal(
      events.map((status) => status.hasSynced).filter((value, index, all) => index === 0 || value !== all[index - 1]),
      [true, false, true],
    );
    assert.equal(events.at(-1)!.incomingLag, 0);
    assert.ok(events.some((status) => status.incomingLag === 2));
    const count = events.length;
    tags(a, 1, 'unheard');
    await fleet.settle();
    assert.is(events.length, count, 'unsubscribed');
  } finally {
    await fleet.close();
  }
});

test('metrics keep counting across a restart of the engine on the same library; duplicates are counted per peer and in total', async () => {
  const fleet = await SimulatedFleet.create(2, { seed: 303 });
  const [a, b] = fleet.devices as [Device, Device];
  const { network } = fleet;
  try {
    tags(a, 4, 'first');
    assert.ok(await fleet.settle());
    const before = b.sync.metrics().peers[DEVICE_A]!;
    assert.equal([before.received, before.applied, before.duplicates], [4, 4, 0]);

    // The engine stops and starts again on the same open library (a new transport, as after `stop`).
    await b.sync.stop();
    const transport = network.transport(DEVICE_B);
    b.transport = transport;
    b.sync = new PeerSync(syncPortOf(b.library), { ...TEST_SYNC_OPTIONS, transport, scheduler: network.scheduler, random: () => network.random() });
    await b.sync.start();
    assert.equal([b.sync.metrics().peers[DEVICE_A]!.received, b.sync.metrics().total.applied], [4, 4], 'carried before the peer is met again');
    tags(a, 2, 'second');
    assert.ok(await fleet.settle());
    const restarted = b.sync.metrics();
    assert.equal([restarted.peers[DEVICE_A]!.received, restarted.peers[DEVICE_A]!.applied, restarted.total.applied], [6, 6, 6]);

    // Every frame delivered twice: the second copy of each batch is held already.
    network.setFaults({ duplicate: 1 });
    tags(a, 3, 'twice');
    assert.ok(await fleet.settle());
    await network.scheduler.advance(50); // the second copies too
    network.setFaults({});
    const duplicated = b.sync.metrics();
    assert.equal([duplicated.peers[DEVICE_A]!.received, duplicated.peers[DEVICE_A]!.applied, duplicated.peers[DEVICE_A]!.duplicates], [12, 9, 3]);
    assert.is(duplicated.total.duplicates, 3);
    assert.is(a.sync.metrics().total.duplicates, 0);
  } finally {
    await fleet.close();
  }
});

test('the logger gets the engine debug lines (connections, entries, snapshot pages), and the deprecated log still its events', async () => {
  const lines: { level: LogLevel; fields: LogFields; msg: string }[] = [];
  const legacy: string[] = [];
  const line = (level: LogLevel) => (fields: LogFields, msg: string) => lines.push({ level, fields, msg });
  const logger: Logger = { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error'), isLevelEnabled: () => true };
  const fleet = await SimulatedFleet.create(1, { seed: 304, sync: { logger, snapshotLag: 5, pageSize: 4, log: (event) => legacy.push(event.event) } });
  try {
    tags(fleet.device(DEVICE_A), 10, 'a');
    await fleet.add(DEVICE_B);
    assert.ok(await fleet.settle());
    tags(fleet.device(DEVICE_A), 1, 'late');
    assert.ok(await fleet.settle());
    const events = new Set(lines.filter((entry) => entry.level === 'debug').map((entry) => entry.fields.event));
    for (const event of ['connection connecting', 'snapshot page', 'serving snapshot page', 'entries']) assert.ok(events.has(event), `debug ${event}`);
    const connected = lines.find((entry) => entry.level === 'info' && entry.fields.event === 'connected')!;
    assert.equal(Object.keys(connected.fields), ['component', 'device', 'peer', 'event']);
    assert.is(connected.fields.component, 'sync');
    assert.ok(lines.some((entry) => entry.msg.startsWith('snapshot merged: claimed')));
    assert.ok(legacy.includes('snapshot merged') && legacy.includes('connected'));
    assert.not.ok(legacy.includes('snapshot page'), 'debug lines do not go to the deprecated log');
  } finally {
    await fleet.close();
  }
});

test.run();
