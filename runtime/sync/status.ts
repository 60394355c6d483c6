/**
 * The sync status (`sync.status()`, `sync.onStatus`): per peer, its connection
 * (`connection-status.ts`), whether this device holds everything the peer had at their last
 * vector exchange (`hasSynced`, `lastSyncedAt`), the lags both ways, and a snapshot pull or
 * catch-up under way (`progress.ts`); and the same over the connected peers.
 *
 * It follows the engine's events: a heartbeat (the peer's vector: `heard`), received entries made
 * durable (this device's vector: `settled`), and the end of a snapshot pull. A catch-up is a
 * peer's log replayed while this device lacks at least a page (`pageSize`) of it: it reports
 * progress like a snapshot pull, in entries, until this device holds what the peer had when it began.
 */
import { vectorLag, type VersionVector } from '../core/version-vector.js';
import type { ConnectionStatuses, PeerConnection } from './connection-status.js';
import type { PeerState } from './peer-state.js';
import type { Progress, SyncProgress } from './progress.js';
import type { SyncContext } from './sync-context.js';

/** One peer's status (`SyncStatus.peers`). */
export interface PeerStatus {
  readonly connection: PeerConnection;
  /** The address the transport dials for it, when it does. */
  readonly address: string | null;
  /** This device holds everything the peer had at its last vector exchange with this engine (false before one, and during a snapshot pull). */
  readonly hasSynced: boolean;
  /** When `hasSynced` was last seen to hold while connected (ms; kept across an engine restart on the same library), or null. */
  readonly lastSyncedAt: number | null;
  /** Entries this device holds that the peer has not acknowledged. */
  readonly outgoingLag: number;
  /** Entries the peer held at its last vector exchange that this device lacks (null before one). */
  readonly incomingLag: number | null;
  /** A snapshot pull or catch-up from the peer under way, or null. */
  readonly progress: SyncProgress | null;
}

/**
 * The status of sync, overall and per peer.
 *
 * @example
 * const { hasSynced, peers } = sync.status();
 * for (const [id, peer] of Object.entries(peers)) if (peer.connection.state === 'refused') console.warn(id, peer.connection.code);
 */
export interface SyncStatus {
  /** At least one peer is connected, this device holds everything each connected peer had at their last vector exchange, and no received change waits for a record. */
  readonly hasSynced: boolean;
  /** The latest `lastSyncedAt` of any peer, or null. */
  readonly lastSyncedAt: number | null;
  /** The largest outgoing lag of a connected peer (0 with none). */
  readonly outgoingLag: number;
  /** The largest incoming lag of a connected peer (0 with none). */
  readonly incomingLag: number;
  /** By device id; a device the transport dials but does not know yet, by its address. */
  readonly peers: Readonly<Record<string, PeerStatus>>;
}

export class StatusTracker {
  readonly #ctx: SyncContext;
  readonly #connections: ConnectionStatuses;
  readonly #progress: Progress;
  readonly #startedAt: number;

  constructor(ctx: SyncContext, connections: ConnectionStatuses, progress: Progress) {
    this.#ctx = ctx;
    this.#connections = connections;
    this.#progress = progress;
    this.#startedAt = ctx.scheduler.now();
  }

  /** A heartbeat came (the peer's vector is `state.watermark`): synced or not, and a catch-up begins, goes on or ends. */
  heard(state: PeerState): void {
    const cursors = this.#ctx.port.cursors();
    this.#follow(state, cursors);
    const watermark = state.watermark;
    if (!watermark || state.snapshot || state.progress || !state.connected) return;
    const lag = vectorLag(watermark, cursors);
    if (lag < Math.max(1, this.#ctx.options.pageSize)) return;
    this.#ctx.log.debug(state.id, 'catching up', `${lag} entries to receive`);
    this.#progress.start(state, 'catch-up', lag, new Map(watermark));
  }

  /** This device now holds `cursors` (received entries made durable, a snapshot merged). */
  settled(cursors: VersionVector): void {
    for (const state of this.#ctx.peers.values()) if (state.connected) this.#follow(state, cursors);
  }

  build(): SyncStatus {
    const ctx = this.#ctx;
    const cursors = ctx.port.closed ? new Map<string, number>() : ctx.port.cursors();
    const keys = new Set([...ctx.peers.keys(), ...this.#connections.keys()]);
    keys.delete(ctx.port.deviceId);
    const peers: Record<string, PeerStatus> = {};
    let synced = true;
    let connected = 0;
    let lastSyncedAt: number | null = null;
    let outgoingLag = 0;
    let incomingLag = 0;
    for (const key of keys) {
      const peer = this.#peer(key, ctx.peers.get(key), cursors);
      peers[key] = peer;
      if (peer.lastSyncedAt !== null && (lastSyncedAt === null || peer.lastSyncedAt > lastSyncedAt)) lastSyncedAt = peer.lastSyncedAt;
      if (peer.connection.state !== 'connected') continue;
      connected += 1;
      synced &&= peer.hasSynced && ctx.peers.get(key)?.heard === true;
      outgoingLag = Math.max(outgoingLag, peer.outgoingLag);
      incomingLag = Math.max(incomingLag, peer.incomingLag ?? 0);
    }
    const parked = ctx.port.closed ? 0 : ctx.port.parkedCount;
    return { hasSynced: connected > 0 && synced && parked === 0, lastSyncedAt, outgoingLag, incomingLag, peers };
  }

  #peer(key: string, state: PeerState | undefined, cursors: VersionVector): PeerStatus {
    const entry = this.#connections.get(key);
    const connection: PeerConnection = entry?.connection ?? { state: 'disconnected', since: this.#startedAt, reason: 'not connected since sync started' };
    const incomingLag = state?.watermark ? vectorLag(state.watermark, cursors) : null;
    return {
      connection,
      address: entry?.address ?? null,
      hasSynced: incomingLag === 0 && !state?.snapshot,
      lastSyncedAt: state?.carried.lastSyncedAt ?? null,
      outgoingLag: state ? vectorLag(cursors, state.acked) : 0,
      incomingLag,
      progress: state?.progress ? this.#progress.view(key, state.progress) : null,
    };
  }

  /** Whether this device holds what the peer had (then it is synced now), and how far a catch-up from it has come. */
  #follow(state: PeerState, cursors: VersionVector): void {
    if (state.watermark && !state.snapshot && vectorLag(state.watermark, cursors) === 0) state.carried.lastSyncedAt = this.#ctx.scheduler.now();
    const run = state.progress;
    if (run?.kind !== 'catch-up' || run.target === null || run.total === null) return;
    const remaining = vectorLag(run.target, cursors);
    this.#progress.advance(state, run.total - remaining);
    if (remaining === 0) {
      this.#ctx.log.debug(state.id, 'caught up', `${run.total} entries`);
      this.#progress.finish(state, true);
    }
  }
}
