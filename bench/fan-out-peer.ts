/**
 * A peer process for figure 5: `<dir> <hub address> <device id>`. An empty library (synchronous=FULL)
 * that syncs with the hub over TCP and tells its parent, over IPC, each record of the hub's it has
 * applied, right after the commit that applied it.
 */
import { registry } from '../generated/index.js';
import { openLibrary, startSync } from 'syncgen';
import { createTcpTransport } from 'syncgen/transports/tcp';

const [dir, hub, deviceId] = process.argv.slice(2) as [string, string, string];
const LIBRARY = '00000000-0000-4000-8000-000000000001';

const library = await openLibrary({ dir, libraryId: LIBRARY, deviceId, registry });
library.outbox.subscribe((entries) => {
  for (const entry of entries) if (entry.origin !== deviceId) process.send!({ applied: entry.record });
});
const transport = createTcpTransport({
  deviceId,
  libraryId: LIBRARY,
  schemaHash: registry.schemaHash,
  secret: 'bench',
  credentials: library.credentials,
  peerKeys: library.peerKeys,
  peers: [hub],
});
const sync = await startSync(library, { transport, log: () => {} });
process.send!({ ready: true });
process.on('message', async (message: { stop?: boolean }) => {
  if (!message.stop) return;
  await sync.stop();
  library.close();
  process.exit(0);
});
