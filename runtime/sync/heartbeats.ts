/**
 * Heartbeats: every `heartbeatMs`, and when a connection comes up, each side sends its version
 * vector (its watermark) and its prune floor. A heartbeat is an ack too (stored, it is the ground
 * for pruning), tells the other side exactly what to send (exact resume), whether to pull or
 * expect a snapshot, and, while entries are parked, which records to ask for.
 */
import type { VersionVector } from '../core/version-vector.js';
import type { TimerHandle } from '../transports/transport.js';
import type { Acks } from './acks.js';
import type { MissingRecords } from './missing-records.js';
import type { Outbound } from './outbound.js';
import type { PeerState } from './peer-state.js';
import type { SnapshotPuller } from './snapshot-pull.js';
import type { SnapshotServer } from './snapshot-serve.js';
import type { SyncContext } from './sync-context.js';

export interface HeartbeatParts {
  readonly acks: Acks;
  readonly outbound: Outbound;
  readonly server: SnapshotServer;
  readonly puller: SnapshotPuller;
  readonly missing: MissingRecords;
  /** The peer's vector is known anew (`state.watermark`): its status and any catch-up follow. */
  readonly heard: (state: PeerState) => void;
}

export class Heartbeats {
  readonly #ctx: SyncContext;
  readonly #parts: HeartbeatParts;
  #timer: TimerHandle | null = null;

  constructor(ctx: SyncContext, parts: HeartbeatParts) {
    this.#ctx = ctx;
    this.#parts = parts;
  }

  send(state: PeerState): void {
    const { port, scheduler } = this.#ctx;
    // A watermark acknowledges too: only what is on disk.
    this.#parts.acks.settle();
    this.#ctx.send(state.id, { type: 'Heartbeat', watermark: port.cursors(), sentAt: scheduler.now(), floor: port.pruneFloor() });
  }

  /** Sends a heartbeat to every connected peer every `heartbeatMs`. */
  schedule(): void {
    const ctx = this.#ctx;
    this.#timer = ctx.scheduler.setTimer(() => {
      if (!ctx.live) return;
      for (const peer of ctx.connectedPeers()) ctx.guard(peer.id, 'heartbeat', () => this.send(peer));
      this.schedule();
    }, ctx.options.heartbeatMs);
  }

  stop(): void {
    this.#timer?.cancel();
  }

  /** Heartbeat: liveness, the peer's vector, and its prune floor. */
  received(peer: string, watermark: VersionVector, floor: VersionVector): void {
    const state = this.#ctx.peer(peer);
    const { acks, outbound, server, puller, missing, heard } = this.#parts;
    state.floor = new Map(floor);
    state.watermark = new Map(watermark);
    // A watermark below what the peer acknowledged means it lost data (reinstalled, restored from a
    // backup): what it holds now is what counts, so sending starts again from there. (A heartbeat
    // overtaken by later acks lowers it too; that only resends entries the peer skips as held.)
    for (const [origin, acked] of state.acked) {
      const holds = watermark.get(origin) ?? 0;
      if (holds >= acked) continue;
      state.acked.set(origin, holds);
      state.sent.set(origin, Math.min(state.sent.get(origin) ?? 0, holds));
    }
    this.#ctx.port.recordPeerAck(peer, watermark);
    state.heard = true;
    server.expectPull(state, watermark);
    acks.received(peer, watermark);
    outbound.pump(state);
    puller.consider(state, watermark);
    missing.request(state);
    heard(state);
  }
}
