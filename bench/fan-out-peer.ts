/**
 * A peer process for figure 5: `<dir> <hub address> <device id> <hub device id> <hub key fingerprint>`.
 * An empty library (synchronous=FULL) that syncs with the hub over TCP and tells its parent, over
 * IPC, each record of the hub's it has applied, right after the commit that applied it. The hub and
 * the peer are members of each other: the peer admits the hub by the key its parent names, tells
 * its parent its own key, and dials once the hub has admitted it.
 */
import { registry } from '../generated/index.js';
import { openLibrary, startSync } from 'syncgen';
import { createTcpTransport } from 'syncgen/transports/tcp';

const [dir, hub, deviceId, hubId, hubFingerprint] = process.argv.slice(2) as [string, string, string, string, string];
const LIBRARY = '00000000-0000-4000-8000-000000000001';

const library = await openLibrary({ dir, libraryId: LIBRARY, deviceId, registry });
library.members.add(hubId, hubFingerprint);
const admitted = new Promise<void>((resolve) => {
  const listener = (message: { admitted?: boolean }) => {
    if (!message.admitted) return;
    process.off('message', listener);
    resolve();
  };
  process.on('message', listener);
});
process.send!({ fingerprint: library.credentials.fingerprint });
await admitted;
library.outbox.subscribe((entries) => {
  for (const entry of entries) if (entry.origin !== deviceId) process.send!({ applied: entry.record });
});
const transport = createTcpTransport({ library, peers: [hub] });
const sync = await startSync(library, { transport, log: () => {} });
process.send!({ ready: true });
process.on('message', async (message: { stop?: boolean }) => {
  if (!message.stop) return;
  await sync.stop();
  library.close();
  process.exit(0);
});
