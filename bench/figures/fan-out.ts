/**
 * Figure 5: one change fanned out to N peers over TCP on loopback: from the commit on the hub to
 * the moment the last peer has applied it; p50 and p99 over many changes. Synchronous=FULL
 * everywhere, default batching (a change waits at most `batchDelayMs` before it is sent).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { registry } from '../../generated/index.js';
import { openLibrary } from '../../runtime/library.js';
import { PeerSync } from '../../runtime/peer-sync.js';
import { createTcpTransport } from '../../runtime/transports/tcp.js';
import type { Figure, Sample } from '../measure.js';

const LIBRARY = '00000000-0000-4000-8000-000000000001';
const deviceId = (index: number) => `00000000-0000-4000-8000-${String(index + 1).padStart(12, '0')}`;

async function device(index: number, peers: string[]) {
  const library = await openLibrary({ dir: mkdtempSync(path.join(tmpdir(), 'syncgen-bench-fan-')), libraryId: LIBRARY, deviceId: deviceId(index), registry });
  const transport = createTcpTransport({ deviceId: deviceId(index), libraryId: LIBRARY, schemaHash: registry.schemaHash, secret: 'bench', listen: { host: '127.0.0.1', port: 0 }, peers });
  const sync = new PeerSync(library, { transport, log: () => {} });
  await sync.start();
  return { library, sync, address: `127.0.0.1:${transport.address().port}` };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

export async function fanOutFigure(options: { peers: number; changes: number }): Promise<Figure> {
  const hub = await device(0, []);
  const peers = await Promise.all(Array.from({ length: options.peers }, (_, index) => device(index + 1, [hub.address])));
  const deadline = Date.now() + 10_000;
  while (hub.sync.connectedPeers().length < options.peers && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));

  const latencies: number[] = [];
  for (let change = 0; change < options.changes; change += 1) {
    const arrived = peers.map(
      (peer) =>
        new Promise<void>((resolve) => {
          const stop = peer.library.outbox.subscribe((entries) => {
            if (entries.some((entry) => entry.origin === deviceId(0))) {
              stop();
              resolve();
            }
          });
        }),
    );
    const started = performance.now();
    hub.library.transact((tx) => tx.tag.create({ name: `fan-out ${change}`, createdAt: '2024-05-01T12:00:00Z' }));
    await Promise.all(arrived);
    latencies.push(performance.now() - started);
  }
  for (const item of [hub, ...peers]) {
    await item.sync.stop();
    item.library.close();
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  const sample = (value: number): Sample => ({ min: sorted[0]!, median: value, max: sorted.at(-1)! });
  return {
    id: 5,
    name: `one change fanned out to ${options.peers} peers over TCP on loopback, commit to applied on the last peer (${options.changes} changes)`,
    rows: [
      { label: 'p50', unit: 'ms', sample: sample(p50) },
      { label: 'p99', unit: 'ms', sample: sample(p99) },
    ],
    target: 'p99 ≤ 10 ms',
    met: p99 <= 10,
  };
}
