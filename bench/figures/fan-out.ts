/**
 * Figure 5: one change fanned out to N peers over TCP on loopback, each peer a process of its own
 * with its own library file: from the start of the commit on the hub to the moment the hub's
 * process hears (over IPC) that the last peer has committed it; p50 and p99 over many changes.
 * Synchronous=FULL everywhere, default batching (a change waits at most `batchDelayMs` before it is
 * sent). The IPC hop back is counted in the latency, so the figure errs on the slow side. The hub
 * and each peer are members of each other (each admits the other's key before the peer dials).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { registry } from '../../generated/index.js';
import { openLibrary, startSync, type Library } from 'syncgen';
import { createTcpTransport } from 'syncgen/transports/tcp';
import type { Figure, Sample } from '../measure.js';

const LIBRARY = '00000000-0000-4000-8000-000000000001';
const HUB = '00000000-0000-4000-8000-000000000001';
const peerScript = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fan-out-peer.ts');
const deviceId = (index: number) => `00000000-0000-4000-8000-${String(index + 2).padStart(12, '0')}`;
const temporary = (name: string) => mkdtempSync(path.join(tmpdir(), `syncgen-bench-fan-${name}-`));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

/** Forks a peer process, admits its key to the hub's library, and resolves once its sync has started. */
function startPeer(index: number, hub: { address: string; library: Library<typeof registry> }, applied: (record: string) => void): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(peerScript, [temporary('peer'), hub.address, deviceId(index), HUB, hub.library.credentials.fingerprint], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (message: { fingerprint?: string; ready?: boolean; applied?: string }) => {
      if (message.fingerprint) {
        hub.library.members.add(deviceId(index), message.fingerprint);
        child.send({ admitted: true });
      }
      if (message.ready) resolve(child);
      if (message.applied) applied(message.applied);
    });
    child.once('exit', (code) => code !== 0 && reject(new Error(`fan-out peer ${index} exited with ${code}`)));
  });
}

export async function fanOutFigure(options: { peers: number; changes: number }): Promise<Figure> {
  const hub = await openLibrary({ dir: temporary('hub'), libraryId: LIBRARY, deviceId: HUB, registry });
  const transport = createTcpTransport({ library: hub, listen: { host: '127.0.0.1', port: 0 } });
  const sync = await startSync(hub, { transport, log: () => {} });

  // Per record, the peers that have not applied it yet, and who to tell when none is left.
  const waiting = new Map<string, { left: number; done: () => void }>();
  const applied = (record: string) => {
    const wait = waiting.get(record);
    if (wait && --wait.left === 0) wait.done();
  };
  const address = `127.0.0.1:${transport.address().port}`;
  const peers = await Promise.all(Array.from({ length: options.peers }, (_, index) => startPeer(index, { address, library: hub }, applied)));
  const deadline = Date.now() + 20_000;
  while (sync.connectedPeers().length < options.peers && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  if (sync.connectedPeers().length < options.peers) throw new Error(`only ${sync.connectedPeers().length} of ${options.peers} peers connected`);

  const latencies: number[] = [];
  // Eleven processes have just started on the same machine: let their start-up work (module
  // loading, the garbage collection after it) end, and warm up every process's code paths with a
  // hundred changes; then the measured ones.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const warmUp = Math.min(100, options.changes);
  for (let change = 0; change < warmUp + options.changes; change += 1) {
    const id = crypto.randomUUID();
    const arrived = new Promise<void>((done) => waiting.set(id, { left: options.peers, done }));
    const started = performance.now();
    hub.transact((tx) => tx.tag.create({ id, name: `fan-out ${change}`, createdAt: '2024-05-01T12:00:00Z' }));
    await arrived;
    if (change >= warmUp) latencies.push(performance.now() - started);
    waiting.delete(id);
  }

  await Promise.all(
    peers.map(
      (child) =>
        new Promise((resolve) => {
          child.once('exit', resolve);
          child.send({ stop: true });
        }),
    ),
  );
  await sync.stop();
  hub.close();
  const sorted = [...latencies].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  const sample = (value: number): Sample => ({ min: sorted[0]!, median: value, max: sorted.at(-1)! });
  return {
    id: 5,
    name: `one change fanned out to ${options.peers} peers (one process each) over TCP on loopback, commit to applied on the last peer (${options.changes} changes)`,
    rows: [
      { label: 'p50', unit: 'ms', sample: sample(p50) },
      { label: 'p99', unit: 'ms', sample: sample(p99) },
    ],
    target: 'p99 ≤ 10 ms',
    met: p99 <= 10,
  };
}
