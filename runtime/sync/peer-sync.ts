/**
 * PeerSync: keeps a library in sync with its connected peers. This file is the engine's lifecycle
 * and wiring; each concern has its own file:
 *
 * | concern | file |
 * | --- | --- |
 * | broadcast, relay, paging, the window, resend | `outbound.ts` |
 * | retry delays | `backoff.ts` |
 * | received entries | `inbound.ts` |
 * | durable-then-ack, and what peers acknowledged | `acks.ts` |
 * | heartbeats (vectors and prune floors) | `heartbeats.ts` |
 * | snapshot pull, and serving one | `snapshot-pull.ts`, `snapshot-serve.ts`, `snapshot-reason.ts` |
 * | records that parked entries wait for | `missing-records.ts` |
 * | membership gossip (the member set, on connect and after each change) | `membership.ts` |
 * | model lists (which models a snapshot pull asks a peer for, beyond its own) | `peer-models.ts` |
 * | counters and latency (kept across a restart of the engine on the library) | `metrics.ts`, `carried.ts` |
 * | status: connections, hasSynced, lags; its events | `status.ts`, `connection-status.ts`, `status-events.ts` |
 * | progress of a snapshot pull or a catch-up | `progress.ts` |
 * | log lines | `engine-log.ts` |
 *
 * The engine sees the library only through `SyncPort`, the network only through `Transport`, and
 * frames only through protocol dispatch. Every failure is counted and reported with its peer;
 * nothing is dropped silently.
 */
import { ProtocolDispatcher } from '../protocol/dispatch.js';
import { Acks } from './acks.js';
import { Backoff } from './backoff.js';
import { ConnectionStatuses } from './connection-status.js';
import { Heartbeats } from './heartbeats.js';
import { Inbound } from './inbound.js';
import { Membership } from './membership.js';
import { BroadcastLatency, totalOf, type PeerMetrics, type SyncMetrics } from './metrics.js';
import { MissingRecords } from './missing-records.js';
import type { PeerSyncOptions } from './options.js';
import { Outbound } from './outbound.js';
import { PeerModels } from './peer-models.js';
import type { PeerState } from './peer-state.js';
import { Progress, type SyncProgress } from './progress.js';
import { SnapshotPuller } from './snapshot-pull.js';
import { SnapshotServer } from './snapshot-serve.js';
import { StatusTracker, type SyncStatus } from './status.js';
import { StatusEvents } from './status-events.js';
import { SyncContext } from './sync-context.js';
import type { SyncPort } from './sync-port.js';
import { vectorLag, type VersionVector } from '../core/version-vector.js';
import type { ConnectionEvent, TimerHandle } from '../transports/transport.js';

export class PeerSync {
  readonly #ctx: SyncContext;
  readonly #dispatcher: ProtocolDispatcher;
  readonly #latency = new BroadcastLatency();
  readonly #outbound: Outbound;
  readonly #acks: Acks;
  readonly #inbound: Inbound;
  readonly #heartbeats: Heartbeats;
  readonly #puller: SnapshotPuller;
  readonly #backoff: Backoff;
  readonly #membership: Membership;
  readonly #models: PeerModels;
  readonly #connections: ConnectionStatuses;
  readonly #progress: Progress;
  readonly #status: StatusTracker;
  readonly #statusEvents: StatusEvents;
  #pruneTimer: TimerHandle | null = null;
  #unsubscribe: (() => void) | null = null;

  /** Use `startSync(library, options)`; this takes the library's sync port. */
  constructor(port: SyncPort, options: PeerSyncOptions) {
    const ctx = new SyncContext(port, options);
    this.#ctx = ctx;
    const failed = (what: string) => (error: unknown) => ctx.warn(null, `${what} listener failed`, (error as Error)?.stack ?? String(error));
    this.#connections = new ConnectionStatuses((key) => ctx.peers.has(key));
    this.#progress = new Progress(ctx.scheduler, ctx.options.statusIntervalMs, failed('progress'));
    this.#status = new StatusTracker(ctx, this.#connections, this.#progress);
    this.#statusEvents = new StatusEvents(ctx.scheduler, ctx.options.statusIntervalMs, () => (ctx.live ? this.#status.build() : null), failed('status'));
    // This device's vector moved (entries made durable, a snapshot merged): synced peers, catch-ups and status follow.
    const settled = (cursors: VersionVector) => {
      this.#status.settled(cursors);
      this.#statusEvents.changed();
    };
    this.#backoff = new Backoff(ctx, (state) => this.#outbound.retry(state));
    this.#outbound = new Outbound(ctx, this.#backoff);
    this.#acks = new Acks(ctx, this.#outbound, this.#backoff, this.#latency, settled);
    const missing = new MissingRecords(ctx);
    const server = new SnapshotServer(ctx);
    this.#puller = new SnapshotPuller(
      ctx,
      this.#progress,
      (state) => this.#models.send(state, true),
      () => settled(port.cursors()),
    );
    this.#models = new PeerModels(ctx, (state) => this.#puller.listReceived(state));
    this.#inbound = new Inbound(ctx, this.#acks, missing);
    this.#membership = new Membership(ctx);
    const heard = (state: PeerState) => {
      this.#status.heard(state);
      this.#statusEvents.changed();
    };
    this.#heartbeats = new Heartbeats(ctx, { acks: this.#acks, outbound: this.#outbound, server, puller: this.#puller, missing, heard });
    this.#dispatcher = new ProtocolDispatcher(port, {
      entries: (peer, entries) => this.#inbound.receive(peer, entries),
      ack: (peer, upTo) => {
        this.#acks.received(peer, upTo);
        this.#statusEvents.changed();
      },
      heartbeat: (peer, watermark, floor) => this.#heartbeats.received(peer, watermark, floor),
      changeRequest: (peer, after, limit) => this.#outbound.answerChangeRequest(peer, after, limit),
      stateRequest: (peer, model, after, limit, counts) => server.answerStateRequest(peer, model, after, limit, counts),
      stateResponse: (peer, model, records, next, reflects, counts) => this.#puller.receivePage(peer, model, records, next, reflects, counts),
      recordRequest: (peer, records) => missing.answer(peer, records),
      recordResponse: (peer, records) => missing.receive(peer, records),
      members: (peer, members) => this.#membership.received(peer, members),
      models: (peer, known, held, request) => this.#models.received(peer, known, held, request),
      error: (peer, code, message) => {
        ctx.peer(peer).metrics.lastError = `${code}: ${message}`;
        ctx.warn(peer, `peer reported ${code}`, message);
      },
      invalid: (peer, code, detail) => ctx.refuse(peer, code, detail),
      peerSchema: (peer, schema) => {
        ctx.peer(peer).schemaVersion = schema.schemaVersion;
      },
      disconnect: (peer, code, reason) => {
        ctx.warn(peer, `disconnecting (${code})`, reason);
        ctx.transport.disconnect(peer, reason, code);
      },
    });
  }

  /** Starts syncing: listens to the transport and the library, heartbeats, prunes. */
  async start(): Promise<void> {
    const ctx = this.#ctx;
    ctx.transport.setHandlers({
      peerUp: (peer) => ctx.guard(peer, 'peer up', () => this.#peerUp(peer)),
      peerDown: (peer, reason) => ctx.guard(peer, 'peer down', () => this.#peerDown(peer, reason)),
      frame: (peer, frame) => ctx.guard(peer, 'frame', () => this.#dispatcher.dispatch(peer, frame)),
      connection: (event) => ctx.guard(null, 'connection event', () => this.#connectionEvent(event)),
    });
    // Commits made while this was stopped were not counted.
    this.#outbound.logChanged();
    this.#unsubscribe = ctx.port.onCommit((entries) => {
      const now = ctx.scheduler.now();
      for (const entry of entries) if (entry.origin === ctx.port.deviceId) this.#latency.committed(entry.seq, now);
      this.#outbound.committed(entries);
    });
    this.#membership.start();
    this.#heartbeats.schedule();
    this.#schedulePrune();
    await ctx.transport.start();
  }

  /** Stops syncing and closes the transport. The library stays open. */
  async stop(): Promise<void> {
    const ctx = this.#ctx;
    // What was applied is made durable and acknowledged before the connections close.
    if (ctx.live) this.#acks.settle();
    ctx.stopped = true;
    this.#unsubscribe?.();
    this.#membership.stop();
    this.#outbound.stop();
    this.#heartbeats.stop();
    this.#pruneTimer?.cancel();
    this.#acks.stop();
    this.#statusEvents.stop();
    for (const peer of ctx.peers.values()) {
      this.#backoff.cancel(peer);
      peer.snapshot?.timer?.cancel();
      // A pull or catch-up under way ends here: its last event says so.
      this.#progress.finish(peer, false);
    }
    await ctx.transport.close();
  }

  /**
   * The status of sync, overall and per peer: connections (refusals with their codes), hasSynced,
   * lastSyncedAt, lags, and progress under way (`SyncStatus`).
   *
   * @example
   * const status = sync.status();
   * if (!status.hasSynced) showSpinner(status.incomingLag);
   */
  status(): SyncStatus {
    return this.#status.build();
  }

  /**
   * Calls `listener` when the status changes (at most every `statusIntervalMs`; see `status-events.ts`);
   * returns the unsubscribe.
   *
   * @example
   * const off = sync.onStatus((status) => render(status.peers));
   */
  onStatus(listener: (status: SyncStatus) => void): () => void {
    const off = this.#statusEvents.on(listener);
    this.#statusEvents.changed();
    return off;
  }

  /**
   * Calls `listener` with the progress of each snapshot pull or long catch-up: when it starts, at
   * most every `statusIntervalMs`, and once done (`SyncProgress`); returns the unsubscribe.
   *
   * @example
   * sync.onProgress(({ peer, received, total, remainingMs, done }) => bar.update(peer, received, total, remainingMs, done));
   */
  onProgress(listener: (progress: SyncProgress) => void): () => void {
    return this.#progress.on(listener);
  }

  /**
   * Metrics per peer and in total: every peer the engines on this library have met since it was
   * opened (counters carry over a stop and `startSync` again: `carried.ts`).
   */
  metrics(): SyncMetrics {
    const ctx = this.#ctx;
    const closed = ctx.port.closed;
    const cursors = closed ? new Map<string, number>() : ctx.port.cursors();
    const peers: Record<string, PeerMetrics> = {};
    for (const [id, { metrics }] of ctx.carried) {
      const acked = ctx.peers.get(id)?.acked ?? (closed ? cursors : ctx.port.peerAcks(id));
      metrics.lag = vectorLag(cursors, acked);
      peers[id] = metrics;
    }
    return { total: totalOf(Object.values(peers)), peers };
  }

  /** The peers with an open connection. */
  connectedPeers(): string[] {
    return this.#ctx.connectedPeers().map((peer) => peer.id);
  }

  #peerUp(peer: string): void {
    const state = this.#ctx.peer(peer);
    state.connected = true;
    state.connectedAt = this.#ctx.scheduler.now();
    state.heard = false;
    state.sent = new Map(state.acked);
    state.drained = null;
    state.requested.clear();
    // The peer may have been upgraded since its last connection: its model list is asked for again.
    state.models = null;
    this.#connections.up(peer, state.connectedAt);
    this.#statusEvents.changed();
    this.#ctx.info(peer, 'connected', 'exchanging memberships and version vectors');
    // The member set first: it decides which of the entries that follow are accepted.
    this.#membership.send(state);
    this.#heartbeats.send(state);
  }

  #peerDown(peer: string, reason: string): void {
    const state = this.#ctx.peer(peer);
    state.connected = false;
    this.#puller.abandon(state);
    this.#progress.finish(state, false);
    state.serving = null;
    this.#backoff.cancel(state);
    this.#connections.down(peer, reason, this.#ctx.scheduler.now());
    this.#statusEvents.changed();
    this.#ctx.info(peer, 'disconnected', reason);
  }

  /** How an attempt to connect went (`TransportHandlers.connection`): the peer's status follows. */
  #connectionEvent(event: ConnectionEvent): void {
    const ctx = this.#ctx;
    if (!this.#connections.event(event, ctx.scheduler.now())) return;
    this.#statusEvents.changed();
    if (!ctx.log.debugging) return;
    const { kind, peer, address, ...rest } = event;
    ctx.log.debug(peer, `connection ${kind}`, `${address ?? ''} ${JSON.stringify(rest)}`.trim());
  }

  #schedulePrune(): void {
    const ctx = this.#ctx;
    this.#pruneTimer = ctx.scheduler.setTimer(() => {
      if (!ctx.live) return;
      ctx.guard(null, 'prune', () => {
        const pruned = ctx.port.prune(ctx.options.retentionMs);
        if (pruned > 0) ctx.info(null, 'pruned', `${pruned} log entries every peer acknowledged`);
      });
      this.#schedulePrune();
    }, ctx.options.pruneEveryMs);
  }
}
