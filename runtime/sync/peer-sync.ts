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
 * | counters and latency | `metrics.ts` |
 *
 * The engine sees the library only through `SyncPort`, the network only through `Transport`, and
 * frames only through protocol dispatch. Every failure is counted and reported with its peer;
 * nothing is dropped silently.
 */
import { ProtocolDispatcher } from '../protocol/dispatch.js';
import { Acks } from './acks.js';
import { Backoff } from './backoff.js';
import { Heartbeats } from './heartbeats.js';
import { Inbound } from './inbound.js';
import { Membership } from './membership.js';
import { BroadcastLatency, totalOf, type PeerMetrics, type SyncMetrics } from './metrics.js';
import { MissingRecords } from './missing-records.js';
import type { PeerSyncOptions } from './options.js';
import { Outbound } from './outbound.js';
import { PeerModels } from './peer-models.js';
import { SnapshotPuller } from './snapshot-pull.js';
import { SnapshotServer } from './snapshot-serve.js';
import { SyncContext } from './sync-context.js';
import type { SyncPort } from './sync-port.js';
import { vectorLag } from '../core/version-vector.js';
import type { TimerHandle } from '../transports/transport.js';

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
  #pruneTimer: TimerHandle | null = null;
  #unsubscribe: (() => void) | null = null;

  /** Use `startSync(library, options)`; this takes the library's sync port. */
  constructor(port: SyncPort, options: PeerSyncOptions) {
    const ctx = new SyncContext(port, options);
    this.#ctx = ctx;
    this.#backoff = new Backoff(ctx, (state) => this.#outbound.retry(state));
    this.#outbound = new Outbound(ctx, this.#backoff);
    this.#acks = new Acks(ctx, this.#outbound, this.#backoff, this.#latency);
    const missing = new MissingRecords(ctx);
    const server = new SnapshotServer(ctx);
    this.#puller = new SnapshotPuller(ctx, (state) => this.#models.send(state, true));
    this.#models = new PeerModels(ctx, (state) => this.#puller.listReceived(state));
    this.#inbound = new Inbound(ctx, this.#acks, missing);
    this.#membership = new Membership(ctx);
    this.#heartbeats = new Heartbeats(ctx, { acks: this.#acks, outbound: this.#outbound, server, puller: this.#puller, missing });
    this.#dispatcher = new ProtocolDispatcher(port, {
      entries: (peer, entries) => this.#inbound.receive(peer, entries),
      ack: (peer, upTo) => this.#acks.received(peer, upTo),
      heartbeat: (peer, watermark, floor) => this.#heartbeats.received(peer, watermark, floor),
      changeRequest: (peer, after, limit) => this.#outbound.answerChangeRequest(peer, after, limit),
      stateRequest: (peer, model, after, limit) => server.answerStateRequest(peer, model, after, limit),
      stateResponse: (peer, model, records, next, reflects) => this.#puller.receivePage(peer, model, records, next, reflects),
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
    for (const peer of ctx.peers.values()) {
      this.#backoff.cancel(peer);
      peer.snapshot?.timer?.cancel();
    }
    await ctx.transport.close();
  }

  /** Metrics per peer and in total. */
  metrics(): SyncMetrics {
    const cursors = this.#ctx.port.closed ? new Map<string, number>() : this.#ctx.port.cursors();
    const peers: Record<string, PeerMetrics> = {};
    for (const peer of this.#ctx.peers.values()) {
      peer.metrics.lag = vectorLag(cursors, peer.acked);
      peers[peer.id] = peer.metrics;
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
    this.#ctx.info(peer, 'connected', 'exchanging memberships and version vectors');
    // The member set first: it decides which of the entries that follow are accepted.
    this.#membership.send(state);
    this.#heartbeats.send(state);
  }

  #peerDown(peer: string, reason: string): void {
    const state = this.#ctx.peer(peer);
    state.connected = false;
    this.#puller.abandon(state);
    state.serving = null;
    this.#backoff.cancel(state);
    this.#ctx.info(peer, 'disconnected', reason);
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
