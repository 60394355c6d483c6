/**
 * What an engine leaves for the next one on the same open library (`stop`, then `startSync`
 * again): each peer's counters and latency histogram, its last error, and when this device last
 * held everything it had. Kept per library (its sync port) in memory only: a reopened library
 * starts from zero. Gauges (`lag`, connection states, hasSynced) are measured afresh.
 */
import { emptyPeerMetrics, type PeerMetrics } from './metrics.js';
import type { SyncPort } from './sync-port.js';

export interface CarriedPeer {
  readonly metrics: PeerMetrics;
  /** When this device last held everything the peer had at a vector exchange (ms), or null. */
  lastSyncedAt: number | null;
}

const carried = new WeakMap<SyncPort, Map<string, CarriedPeer>>();

/** The library's peers as the engines on it left them (made empty on first use). */
export function carriedPeers(port: SyncPort): Map<string, CarriedPeer> {
  let peers = carried.get(port);
  if (!peers) {
    peers = new Map();
    carried.set(port, peers);
  }
  return peers;
}

/** A peer's carried state, made on first contact. */
export function carriedPeer(peers: Map<string, CarriedPeer>, peer: string): CarriedPeer {
  let entry = peers.get(peer);
  if (!entry) {
    entry = { metrics: emptyPeerMetrics(), lastSyncedAt: null };
    peers.set(peer, entry);
  }
  return entry;
}
