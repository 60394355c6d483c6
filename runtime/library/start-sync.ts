/** `startSync`: the sync engine on a library, over a transport. */
import type { Registry } from '../contract/registry.js';
import type { PeerSyncOptions } from '../sync/options.js';
import { PeerSync } from '../sync/peer-sync.js';
import { syncPortOf, type Library } from './library.js';

/**
 * Starts syncing a library with its peers over a transport; `stop()` ends it (the library stays
 * open), and `startSync` again goes on counting where it stopped (`sync.metrics()`). The engine
 * logs to `options.logger`, else to the library's (`openLibrary`'s `logger`).
 *
 * @example
 * const transport = createTcpTransport({ library, listen: { port: 4100 }, peers: ['192.168.1.20:4100'] });
 * const sync = await startSync(library, { transport });
 * sync.onStatus((status) => console.log(status.hasSynced, status.peers));
 * console.log(sync.metrics().total.applied);
 */
export async function startSync<R extends Registry<any, any>>(library: Library<R>, options: PeerSyncOptions): Promise<PeerSync> {
  // The deprecated `log` alone keeps replacing the default logger, as it did; a logger given beside it is used too.
  const logger = options.logger ?? (options.log ? undefined : library.logger);
  const sync = new PeerSync(syncPortOf(library), { ...options, logger });
  await sync.start();
  return sync;
}
