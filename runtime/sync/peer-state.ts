/** What the engine knows of one peer: its connection, what it holds, what was sent, what is pending. */
import type { TimerHandle } from '../transports/transport.js';
import { emptyPeerMetrics, type PeerMetrics } from './metrics.js';

export interface PeerState {
  readonly id: string;
  connected: boolean;
  /** A heartbeat came on this connection: what the peer holds is known, so pumping may start. */
  heard: boolean;
  /** What the peer holds, per origin: its acks and heartbeats, and the entries it sent this device. */
  acked: Map<string, number>;
  /** What was sent to it since its last ack covered it. */
  sent: Map<string, number>;
  /** The peer's prune floor, from its heartbeats. */
  floor: Map<string, number>;
  retryTimer: TimerHandle | null;
  backoffMs: number;
  /** A snapshot being pulled from this peer. */
  snapshot: SnapshotPull | null;
  /**
   * This peer pulls a snapshot from this device, or is expected to (`asked` false: its heartbeat
   * showed it lagging by the rule it follows): since when it has not asked for a page, and whether
   * the last one it asked for was the snapshot's last.
   */
  serving: { lastRequest: number; finished: boolean; asked: boolean } | null;
  /** The peer was sent everything the log held after `from` when the log was at `logVersion`. */
  drained: { readonly logVersion: number; readonly from: string } | null;
  /** Missing records asked of this peer, and when (asked again when no answer came in time). */
  readonly requested: Map<string, number>;
  readonly metrics: PeerMetrics;
}

/** A snapshot pull: which model, from which record (re-asked when a page is lost), and what it can claim. */
export interface SnapshotPull {
  readonly models: readonly number[];
  index: number;
  after: string | null;
  /** The minimum of the merged pages' `reflects` vectors: what the snapshot as a whole reflects. */
  claim: Map<string, number> | null;
  /** A record was refused: the merge misses its effect, so the pull claims nothing. */
  refused: boolean;
  timer: TimerHandle | null;
}

export function newPeerState(id: string, acked: Map<string, number>, backoffMs: number): PeerState {
  return {
    id,
    connected: false,
    heard: false,
    acked,
    sent: new Map(),
    drained: null,
    floor: new Map(),
    retryTimer: null,
    backoffMs,
    snapshot: null,
    serving: null,
    requested: new Map(),
    metrics: emptyPeerMetrics(),
  };
}
