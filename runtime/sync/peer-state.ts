/** What the engine knows of one peer: its connection, what it holds, what was sent, what is pending. */
import type { TimerHandle } from '../transports/transport.js';
import type { CarriedPeer } from './carried.js';
import type { PeerMetrics } from './metrics.js';

export interface PeerState {
  readonly id: string;
  connected: boolean;
  /** When the current connection came up: an answer in its first answer timeout may be to a request made before it. */
  connectedAt: number;
  /** A heartbeat came on this connection: what the peer holds is known, so pumping may start. */
  heard: boolean;
  /** The schema version the peer's frames announce (null before its first): what goes to it is in that version's field names. */
  schemaVersion: number | null;
  /** What the peer holds, per origin: its acks and heartbeats, and the entries it sent this device. */
  acked: Map<string, number>;
  /** The vector of the peer's last heartbeat to this engine (null before one): what `hasSynced` and the incoming lag compare with. */
  watermark: Map<string, number> | null;
  /** What was sent to it since its last ack covered it. */
  sent: Map<string, number>;
  /** The peer's prune floor, from its heartbeats. */
  floor: Map<string, number>;
  /** The peer's models, from its last Models on this connection (null before it): what a snapshot pull from it asks for beyond this device's own. */
  models: PeerModelList | null;
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
  /** Missing records asked of this peer on this connection, and when (asked again when no answer came in time). */
  readonly requested: Map<string, number>;
  /**
   * Records asked of this peer before, answered or not, oldest first (bounded): a copy of an answer
   * that comes after it was merged, or across a reconnection, is late, not unsolicited.
   */
  readonly askedBefore: Set<string>;
  /** Snapshot pages asked of this peer, oldest first (bounded): what its StateResponses may answer. */
  readonly pagesAsked: PageRequest[];
  /** A snapshot pull or a long catch-up from this peer, as its progress events report it. */
  progress: ProgressRun | null;
  /** The counters, and when this device was last synced with the peer: carried over to the next engine on the library. */
  readonly carried: CarriedPeer;
  /** `carried.metrics`. */
  readonly metrics: PeerMetrics;
}

/** A snapshot pull or catch-up under way (`progress.ts`): what is received of what total, since when. */
export interface ProgressRun {
  readonly kind: 'snapshot' | 'catch-up';
  readonly startedAt: number;
  received: number;
  /** Records or entries expected in all (null while unknown). */
  total: number | null;
  /** A catch-up: the peer's vector when it started, what it is complete at. */
  readonly target: ReadonlyMap<string, number> | null;
  /** When the last event went out. */
  emittedAt: number;
}

/** A StateRequest this device sent: a model's records after a record (null: from the first), at most `limit`. */
export interface PageRequest {
  readonly model: number;
  readonly after: string | null;
  readonly limit: number;
}

/** A peer's models (`peer-models.ts`): its schema's, parents first, and those of newer schemas it holds records of. */
export interface PeerModelList {
  readonly known: readonly number[];
  readonly held: readonly number[];
}

/** A snapshot pull: which model, from which record (re-asked when a page is lost), and what it can claim. */
export interface SnapshotPull {
  /** The models to pull, in order: this device's own, then (once the peer's list came) the peer's it does not know. */
  readonly models: number[];
  /** Pulling this device's own models; the peer's list asked for (after them); its models added. */
  list: 'own' | 'asked' | 'added';
  index: number;
  after: string | null;
  /** The minimum of the merged pages' `reflects` vectors: what the snapshot as a whole reflects. */
  claim: Map<string, number> | null;
  /** A record was refused or dropped: the merge misses its effect, so the pull claims nothing. */
  refused: boolean;
  /** The page asked for and not answered yet. */
  awaiting: PageRequest | null;
  /** Asks again for the page, or the list, awaited. */
  timer: TimerHandle | null;
}

export function newPeerState(id: string, acked: Map<string, number>, backoffMs: number, carried: CarriedPeer): PeerState {
  return {
    id,
    connected: false,
    connectedAt: Number.NEGATIVE_INFINITY,
    heard: false,
    schemaVersion: null,
    acked,
    watermark: null,
    sent: new Map(),
    drained: null,
    floor: new Map(),
    models: null,
    retryTimer: null,
    backoffMs,
    snapshot: null,
    serving: null,
    requested: new Map(),
    askedBefore: new Set(),
    pagesAsked: [],
    progress: null,
    carried,
    metrics: carried.metrics,
  };
}

/** How many past requests of each kind a peer state remembers, to tell a late answer from an unsolicited one. */
export const REQUEST_MEMORY = 4096;
