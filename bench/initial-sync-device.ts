/**
 * A device process for figure 4. `source <dir> <entries>`: builds a library of Entries, Tags and
 * links (once), listens on loopback and reports its port, version vector and key fingerprint; then
 * admits each receiver its parent names (`{ admit: { device, fingerprint } }`, answered with
 * `{ admitted }`). `receiver <dir> <address> <vector> <source fingerprint>`: an empty library that
 * admits the source, reports its own device id and key fingerprint, and once its parent says it is
 * admitted (`{ admitted }`) connects to the source and reports, when it holds the vector, how long
 * it took (from its transport's start) and its peak RSS.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { registry } from '../generated/index.js';
import { openLibrary, startSync } from 'syncgen';
import { createTcpTransport } from 'syncgen/transports/tcp';

const [role, dir, arg1, arg2, arg3] = process.argv.slice(2) as [string, string, string, string, string];
const LIBRARY = '00000000-0000-4000-8000-000000000001';
const SOURCE = '0000000a-0000-4000-8000-00000000000a';
/** Each receiver is a new device: a new id per run. */
const RECEIVER = randomUUID();
const NOW = '2024-05-01T12:00:00Z';

if (role === 'source') {
  const entries = Number(arg1);
  const fresh = !existsSync(path.join(dir, 'library.db'));
  const library = await openLibrary({ dir, libraryId: LIBRARY, deviceId: SOURCE, registry });
  if (fresh) {
    library.transact((tx) => tx.device.create({ name: 'source', os: 'linux', createdAt: NOW }));
    const location = library.transact((tx) => tx.location.create({ name: 'All', path: '/all', createdAt: NOW }));
    const tags = library.transact((tx) =>
      Array.from({ length: Math.max(1, entries / 10) }, (_, index) => tx.tag.create({ name: `tag ${index}`, createdAt: NOW }).id),
    );
    for (let start = 0; start < entries; start += 1000) {
      library.transact((tx) => {
        for (let index = start; index < Math.min(entries, start + 1000); index += 1) {
          const entry = tx.entry.create({
            locationId: location.id,
            name: `file-${index}.jpg`,
            kind: 'file',
            extension: 'jpg',
            sizeBytes: 1000 + index,
            modifiedAt: NOW,
          });
          if (index % 10 === 0) tx.tagOnEntry.create({ tagId: tags[(index / 10) % tags.length]!, entryId: entry.id, addedAt: NOW });
        }
      });
    }
  }
  const transport = createTcpTransport({ library, listen: { host: '127.0.0.1', port: 0 } });
  const t0 = performance.now();
  const debug = process.env.BENCH_DEBUG
    ? (event: { level: string; event: string; detail: string }) =>
        console.error(Math.round(performance.now() - t0), 'source', event.event, event.detail.slice(0, 120))
    : () => {};
  await startSync(library, { transport, log: debug });
  process.on('message', (message: { admit?: { device: string; fingerprint: string } }) => {
    if (!message.admit) return;
    library.members.add(message.admit.device, message.admit.fingerprint);
    process.send!({ admitted: message.admit.device });
  });
  process.send!({ port: transport.address().port, vector: Object.fromEntries(library.outbox.cursors()), fingerprint: library.credentials.fingerprint });
} else {
  const target = JSON.parse(arg2) as Record<string, number>;
  const library = await openLibrary({ dir, libraryId: LIBRARY, deviceId: RECEIVER, registry });
  // The source and this new device become members of each other before it dials.
  library.members.add(SOURCE, arg3);
  const admitted = new Promise<void>((resolve) => process.once('message', () => resolve()));
  process.send!({ device: RECEIVER, fingerprint: library.credentials.fingerprint });
  await admitted;
  const transport = createTcpTransport({ library, peers: [arg1] });
  const t0 = performance.now();
  const debug = process.env.BENCH_DEBUG
    ? (event: { level: string; event: string; detail: string }) =>
        console.error(Math.round(performance.now() - t0), 'receiver', event.event, event.detail.slice(0, 120))
    : () => {};
  const started = performance.now();
  const sync = await startSync(library, { transport, log: debug });
  const done = () => Object.entries(target).every(([origin, seq]) => (library.outbox.cursors().get(origin) ?? 0) >= seq);
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
  const elapsedMs = performance.now() - started;
  process.send!({ elapsedMs, maxRssKiB: process.resourceUsage().maxRSS });
  await sync.stop();
  library.close();
  process.exit(0);
}
