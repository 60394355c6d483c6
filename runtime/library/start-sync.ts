/** `startSync`: the sync engine on a library, over a transport. */
import type { Registry } from '../contract/registry.js';
import type { PeerSyncOptions } from '../sync/options.js';
import { PeerSync } from '../sync/peer-sync.js';
import { syncPortOf, type Library } from './library.js';

/**
 * Starts syncing a library with its peers over a transport; `stop()` ends it (the library stays
 * open).
 *
 * @example
 * const transport = createTcpTransport({ library, listen: { port: 4100 }, peers: ['192.168.1.20:4100'] });
 * const sync = await startSync(library, { transport });
 * console.log(sync.metrics().total.applied);
 */
export async function startSync<R extends Registry<any, any>>(library: Library<R>, options: PeerSyncOptions): Promise<PeerSync> {
  const sync = new PeerSync(syncPortOf(library), options);
  await sync.start();
  return sync;
}
