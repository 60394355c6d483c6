/** The sync engine's options and their defaults. */
import type { Logger } from '../core/logger.js';
import type { Scheduler, Transport } from '../transports/transport.js';

export interface PeerSyncOptions {
  readonly transport: Transport;
  /** Clock and timers (default: real time). */
  readonly scheduler?: Scheduler;
  /** Flush pending broadcasts at this many new entries... (default 256) */
  readonly batchSize?: number;
  /** ...or at most this often (default 1 ms); a commit after a quiet spell is sent at once. */
  readonly batchDelayMs?: number;
  /**
   * Entries per message, and per applied transaction on the receiver; also records per snapshot
   * page (default 2048: larger pages save commits, but the receiver's memory grows with them).
   */
  readonly pageSize?: number;
  /**
   * Pull a snapshot from a peer instead of replaying its log when this device lacks more than this
   * many of its entries, and at least half of them (default 8192: four pages).
   */
  readonly snapshotLag?: number;
  /** Entries sent to a peer and not yet acknowledged, at most (default 16 384). */
  readonly window?: number;
  /** A send that takes longer fails (default 30 s). */
  readonly sendTimeoutMs?: number;
  /** First retry delay (default 500 ms), doubled per retry up to `retryMaxMs` (default 30 s), with jitter. */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** Heartbeat (vector exchange) period (default 1 s). */
  readonly heartbeatMs?: number;
  /** A peer unseen this long no longer holds back pruning (default 7 days). */
  readonly retentionMs?: number;
  /** How often to prune (default 60 s). */
  readonly pruneEveryMs?: number;
  /** Random numbers for jitter (default Math.random; seeded in simulations). */
  readonly random?: () => number;
  /**
   * Status and progress events at most this often (default 250 ms); a progress's last event and a
   * change of a peer's connection are delayed to it at most, never dropped.
   */
  readonly statusIntervalMs?: number;
  /**
   * Where the engine logs: failures (warn), peers coming and going, snapshots, retries (info), and
   * pages, requests and status changes (debug). Default: the library's logger (`startSync`), else
   * the default one (warnings and errors; `DEBUG=syncgen` for the rest).
   */
  readonly logger?: Logger;
  /**
   * @deprecated Use `logger`. Gets the engine's warnings and info events as `SyncEvent`s; given
   * without `logger`, it replaces the default logger (nothing is printed).
   */
  readonly log?: (event: SyncEvent) => void;
}

export interface SyncEvent {
  readonly level: 'info' | 'warn';
  readonly peer: string | null;
  readonly event: string;
  readonly detail: string;
}

export type ResolvedOptions = Required<Omit<PeerSyncOptions, 'transport' | 'scheduler' | 'log' | 'logger'>>;

export function resolveOptions(options: PeerSyncOptions): ResolvedOptions {
  return {
    batchSize: options.batchSize ?? 256,
    batchDelayMs: options.batchDelayMs ?? 1,
    pageSize: options.pageSize ?? 2048,
    snapshotLag: options.snapshotLag ?? 8192,
    window: options.window ?? 16_384,
    sendTimeoutMs: options.sendTimeoutMs ?? 30_000,
    retryBaseMs: options.retryBaseMs ?? 500,
    retryMaxMs: options.retryMaxMs ?? 30_000,
    heartbeatMs: options.heartbeatMs ?? 1000,
    retentionMs: options.retentionMs ?? 7 * 24 * 3600 * 1000,
    pruneEveryMs: options.pruneEveryMs ?? 60_000,
    random: options.random ?? Math.random,
    statusIntervalMs: options.statusIntervalMs ?? 250,
  };
}
