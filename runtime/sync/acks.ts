/**
 * Acknowledgements, both ways.
 * - Received entries are applied at once, without waiting for the disk, and acknowledged only once
 *   a durable commit covers them: one disk sync per turn of the event loop for what every peer sent.
 * - A peer's acks (and the watermark of its heartbeats) say what it holds: sending goes on from
 *   there, the retry delay starts over, and broadcast latency is measured. So do the entries a peer
 *   sends: it holds them, and they are never sent back to it.
 */
import type { ChangeEntry } from '../core/change-entry.js';
import type { VersionVector } from '../core/version-vector.js';
import type { TimerHandle } from '../transports/transport.js';
import type { Backoff } from './backoff.js';
import type { BroadcastLatency } from './metrics.js';
import type { Outbound } from './outbound.js';
import type { PeerState } from './peer-state.js';
import { stopServing } from './snapshot-serve.js';
import type { SyncContext } from './sync-context.js';

export class Acks {
  readonly #ctx: SyncContext;
  readonly #outbound: Outbound;
  readonly #backoff: Backoff;
  readonly #latency: BroadcastLatency;
  readonly #settled: (cursors: VersionVector) => void;
  /** Peers owed an ack for entries applied without waiting for the disk. */
  readonly #owed = new Set<string>();
  #timer: TimerHandle | null = null;

  /** `settled`: received entries were made durable, and this device now holds `cursors` (the status and progress follow). */
  constructor(ctx: SyncContext, outbound: Outbound, backoff: Backoff, latency: BroadcastLatency, settled: (cursors: VersionVector) => void) {
    this.#ctx = ctx;
    this.#outbound = outbound;
    this.#backoff = backoff;
    this.#latency = latency;
    this.#settled = settled;
  }

  /** Entries from `peer` were applied without waiting for the disk: it is acknowledged on the next turn. */
  owe(peer: string): void {
    this.#owed.add(peer);
    this.#timer ??= this.#ctx.scheduler.setTimer(() => this.settle(), 0);
  }

  /** Makes the entries applied since the last time durable, then acknowledges them to the peers that sent them. */
  settle(): void {
    this.#timer?.cancel();
    this.#timer = null;
    const ctx = this.#ctx;
    if (this.#owed.size === 0 || !ctx.live) return;
    ctx.port.makeDurable();
    const upTo = ctx.port.cursors();
    for (const peer of this.#owed) if (ctx.peers.get(peer)?.connected) ctx.guard(peer, 'ack', () => ctx.send(peer, { type: 'AckSharedChanges', upTo }));
    this.#owed.clear();
    this.#settled(upTo);
  }

  stop(): void {
    this.#timer?.cancel();
    this.#owed.clear();
  }

  /**
   * The peer sent these entries, so it holds them: what it holds moves over each one that follows
   * on from it (an entry past a gap proves nothing about the gap). Not one in this device's own name:
   * those are refused, and what the peer holds of them is known from its acks only.
   */
  heldBy(state: PeerState, entries: readonly ChangeEntry[]): void {
    const own = this.#ctx.port.deviceId;
    for (const entry of entries) {
      if (entry.origin !== own && entry.seq === (state.acked.get(entry.origin) ?? 0) + 1) state.acked.set(entry.origin, entry.seq);
    }
  }

  /** AckSharedChanges, and the watermark of a Heartbeat. */
  received(peer: string, upTo: VersionVector): void {
    const ctx = this.#ctx;
    const state = ctx.peer(peer);
    let progress = 0;
    for (const [origin, seq] of upTo) {
      const before = state.acked.get(origin) ?? 0;
      if (seq <= before) continue;
      progress += seq - before;
      state.acked.set(origin, seq);
      if (origin === ctx.port.deviceId) this.#latency.acknowledged(state.metrics.broadcastLatency, before, seq, ctx.scheduler.now());
    }
    if (progress === 0) return;
    state.metrics.acked += progress;
    // Stored with the peer's next heartbeat (its watermark covers this ack): an ack lost in a crash
    // before then only makes this device send again what the peer holds.
    if (state.serving?.finished) stopServing(state);
    this.#forgetAckedCommits();
    this.#backoff.progress(state);
    this.#outbound.pump(state);
  }

  /** Commit times acknowledged by every connected peer are no longer needed. */
  #forgetAckedCommits(): void {
    const connected = this.#ctx.connectedPeers();
    if (connected.length === 0) return;
    this.#latency.forgetUpTo(Math.min(...connected.map((peer) => peer.acked.get(this.#ctx.port.deviceId) ?? 0)));
  }
}
