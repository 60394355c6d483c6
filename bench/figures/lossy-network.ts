/**
 * Figure 7: message loss. N devices on the simulated network, 20% of frames dropped, make 10k
 * changes in all; frames keep being dropped until every device holds every change, then the
 * network heals. Reported: changes missing on any device (must be 0), devices whose digest differs
 * (must be 0), virtual time from the last write to convergence, and the wall time of the run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { registry } from '../../generated/index.js';
import { openLibrary, startSync, type Library, type PeerSync } from 'syncgen';
import { SimulatedNetwork } from 'syncgen/transports/simulated';
import { summarize, type Figure } from '../measure.js';

const LIBRARY = '00000000-0000-4000-8000-000000000001';
const deviceId = (index: number) => `00000000-0000-4000-8000-${String(index + 1).padStart(12, '0')}`;

export async function lossyNetworkFigure(options: { peers: number; changes: number }): Promise<Figure> {
  const started = performance.now();
  const network = new SimulatedNetwork({ seed: 7, faults: { drop: 0.2, minDelayMs: 1, maxDelayMs: 20 } });
  const devices: { library: Library<typeof registry>; sync: PeerSync }[] = [];
  for (let index = 0; index < options.peers; index += 1) {
    const library = await openLibrary({
      dir: mkdtempSync(path.join(tmpdir(), 'syncgen-bench-lossy-')),
      libraryId: LIBRARY,
      deviceId: deviceId(index),
      registry,
      durability: 'normal',
      now: () => network.scheduler.now(),
    });
    const sync = await startSync(library, {
      transport: network.transport(deviceId(index)),
      scheduler: network.scheduler,
      random: () => network.random(),
      log: () => {},
      retryBaseMs: 200,
    });
    devices.push({ library, sync });
  }
  const perDevice = Math.ceil(options.changes / options.peers);
  for (let round = 0; round < perDevice; round += 100) {
    for (const { library } of devices) {
      library.transact((tx) => {
        for (let change = round; change < Math.min(perDevice, round + 100); change += 1)
          tx.tag.create({ name: `t${change}`, createdAt: '2024-05-01T12:00:00Z' });
      });
    }
    await network.scheduler.advance(1);
  }
  // Frames keep being dropped until every device holds every change; then the network heals.
  const lastWrite = network.scheduler.now();
  const total = perDevice * options.peers;
  const converged = await network.scheduler.runUntil(
    () => devices.every(({ library }) => [...library.outbox.cursors().values()].reduce((sum, seq) => sum + seq, 0) === total),
    30 * 60_000,
  );
  const virtualMs = network.scheduler.now() - lastWrite;
  network.setFaults({ minDelayMs: 1, maxDelayMs: 20 });
  const missing = devices.reduce((sum, { library }) => sum + (total - [...library.outbox.cursors().values()].reduce((count, seq) => count + seq, 0)), 0);
  const digests = new Set(devices.map(({ library }) => library.digest()));
  for (const { library, sync } of devices) {
    await sync.stop();
    library.close();
  }
  return {
    id: 7,
    name: `message loss: ${options.peers} devices, 20% of frames dropped, ${total.toLocaleString('en-US')} changes, then heal`,
    rows: [
      { label: 'changes missing on any device after convergence', unit: 'changes', sample: summarize([missing]) },
      { label: 'devices with a different digest', unit: 'devices', sample: summarize([digests.size - 1]) },
      { label: 'frames dropped during the run', unit: 'frames', sample: summarize([network.stats.dropped]) },
      { label: 'virtual time from the last write to convergence, 20% still dropped', unit: 'ms', sample: summarize([virtualMs]) },
      { label: 'wall time of the whole run', unit: 'ms', sample: summarize([performance.now() - started]) },
    ],
    target: '0 changes missing after heal',
    met: converged && missing === 0 && digests.size === 1,
  };
}
