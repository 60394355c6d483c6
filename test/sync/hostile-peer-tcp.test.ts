/**
 * A hostile member over real TCP on loopback: authenticated like any member, it sends entries in
 * the device's own name and responses the device never asked for. The device refuses each with its
 * code, counts it under that peer, tells the peer why, merges nothing, and keeps syncing with an
 * honest device meanwhile.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registry } from '../../generated/index.js';
import type { ChangeEntry } from '../../runtime/core/change-entry.js';
import { decodeHlc, encodeHlc } from '../../runtime/core/hlc.js';
import { closeReaders, DEVICE_A, DEVICE_B, heldEntries, NOW, openDevice, syncedState } from '../support/libraries.js';
import { RawPeer } from '../support/raw-peer.js';
import { introduce, tcpDevice, tcpTransport, waitFor } from '../support/sync-harness.js';

const HOSTILE = '0000000e-0000-4000-8000-00000000000e';

test("over TCP: entries in the device's own name and unsolicited responses are refused, counted, told, and never merged", async () => {
  const a = await tcpDevice(DEVICE_A);
  const b = await tcpDevice(DEVICE_B, { peers: [a.address] });
  // A member like any other (its library gives it a key and a membership that counts A), with no engine: the test speaks for it.
  const hostile = await openDevice(HOSTILE);
  introduce(hostile, a.library);
  const peer = new RawPeer(HOSTILE, tcpTransport(hostile, { peers: [a.address] }));
  await peer.start();
  try {
    assert.ok(await waitFor(() => peer.connected.has(DEVICE_A) && a.sync.connectedPeers().length === 2), 'both peers connected');
    // Past the connection's first answer timeout (1 s here): early, a response may answer a request made before it.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const tag = a.library.transact((tx) => tx.tag.create({ name: 'kept', createdAt: NOW }));
    assert.ok(await waitFor(() => b.library.get('tag', tag.id) !== undefined));
    const before = syncedState(a.library);

    const [own] = heldEntries(a.library) as [ChangeEntry];
    const clock = decodeHlc(own.hlc);
    const fresh: ChangeEntry = { ...own, seq: 2, record: '00000000-0000-4000-8000-0000000000f4', hlc: encodeHlc({ ...clock, wallMs: clock.wallMs + 1 }) };
    await peer.send(DEVICE_A, { type: 'SharedChangeBatch', entries: [fresh, { ...own, data: { ...own.data, name: 'forged' } }] });
    const deleted = {
      model: registry.models.tag.id,
      record: tag.id,
      deleted: true,
      deleteClock: encodeHlc({ ...clock, device: HOSTILE }),
      values: null,
      clocks: null,
      version: null,
      devices: [],
    };
    await peer.send(DEVICE_A, { type: 'RecordResponse', records: [deleted] });
    await peer.send(DEVICE_A, { type: 'StateResponse', model: registry.models.tag.id, records: [deleted], next: null, reflects: new Map([[HOSTILE, 9]]) });

    assert.ok(await waitFor(() => peer.messages('Error').length === 3), 'three Error replies');
    assert.equal(
      peer
        .messages('Error')
        .map((message) => message.code)
        .sort(),
      ['own-origin', 'unsolicited-response', 'unsolicited-response'],
    );
    const metrics = a.sync.metrics().peers[HOSTILE]!;
    assert.equal([metrics.ownOrigin, metrics.unsolicited, metrics.refused, metrics.applied], [2, 2, 4, 0]);
    assert.equal(syncedState(a.library), before, 'nothing merged');
    assert.is(a.library.outbox.cursors().get(DEVICE_A), 1);
    assert.is(a.library.outbox.cursors().get(HOSTILE), undefined);

    // The honest device syncs on, and its own changes carry on from seq 2.
    a.library.transact((tx) => tx.tag.update(tag.id, { name: 'second' }));
    assert.ok(await waitFor(() => b.library.get('tag', tag.id)?.name === 'second'));
    assert.equal(syncedState(b.library), syncedState(a.library));
    assert.is(b.sync.metrics().total.refused, 0);
  } finally {
    await peer.close();
    hostile.close();
    for (const device of [a, b]) {
      await device.sync.stop();
      closeReaders(device.library);
      device.library.close();
    }
  }
});

test.run();
