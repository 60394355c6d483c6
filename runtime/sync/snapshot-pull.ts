/**
 * Pulling a snapshot: a device behind a peer's prune floor, or lacking most of what the peer holds
 * (a new device; see `snapshot-reason.ts`), pulls every model's records from it, in pages, original
 * clocks kept, instead of replaying the log. Each page says which vector it reflects; once every
 * page is merged, the device claims their minimum. One pull at a time.
 */
import type { SnapshotRecord } from '../core/snapshot-record.js';
import { minimumVector, type VersionVector } from '../core/version-vector.js';
import { mergeRecords } from './merge-records.js';
import type { PeerState } from './peer-state.js';
import { snapshotReason } from './snapshot-reason.js';
import type { SyncContext } from './sync-context.js';

export class SnapshotPuller {
  readonly #ctx: SyncContext;

  constructor(ctx: SyncContext) {
    this.#ctx = ctx;
  }

  /** Pulls a snapshot from the peer when `snapshotReason` says so (another peer's heartbeat decides again after a pull). */
  consider(state: PeerState, watermark: VersionVector): void {
    const { port, options, peers } = this.#ctx;
    if ([...peers.values()].some((peer) => peer.snapshot)) return;
    const reason = snapshotReason(port.cursors(), watermark, state.floor, options.snapshotLag);
    if (reason === null) return;
    state.snapshot = { models: port.modelIds, index: 0, after: null, claim: null, refused: false, timer: null };
    this.#ctx.info(state.id, 'snapshot needed', reason);
    this.#requestPage(state);
  }

  /**
   * StateResponse: ask for the next page (or model) first, so that the peer reads it while this
   * device merges; the last page is merged with the claim, in one transaction.
   */
  receivePage(peer: string, model: number, records: readonly SnapshotRecord[], next: string | null, reflects: VersionVector): void {
    const ctx = this.#ctx;
    const state = ctx.peer(peer);
    const snapshot = state.snapshot;
    if (!snapshot || snapshot.models[snapshot.index] !== model) {
      // A late duplicate of a page already merged, or not a snapshot of ours: nothing to do.
      ctx.info(peer, 'unexpected snapshot page', `StateResponse for model ${model}, not the one awaited`);
      return;
    }
    snapshot.claim = snapshot.claim === null ? new Map(reflects) : minimumVector(snapshot.claim, reflects);
    if (next !== null) {
      snapshot.after = next;
    } else {
      snapshot.index += 1;
      snapshot.after = null;
    }
    const last = snapshot.index === snapshot.models.length;
    if (!last) this.#requestPage(state);
    let merged = false;
    try {
      merged = mergeRecords(ctx, state, records, last && !snapshot.refused ? snapshot.claim : undefined);
    } finally {
      // A page refused or failed: the snapshot misses its effect, and must not claim.
      if (!merged) snapshot.refused = true;
      if (last) {
        snapshot.timer?.cancel();
        state.snapshot = null;
      }
    }
    if (!last) return;
    if (snapshot.refused) {
      ctx.warn(peer, 'snapshot incomplete', 'records were refused, so nothing is claimed; the next heartbeat decides again');
      return;
    }
    ctx.info(peer, 'snapshot merged', `claimed ${[...snapshot.claim].map(([origin, seq]) => `${origin.slice(0, 8)}:${seq}`).join(' ')}`);
    ctx.send(peer, { type: 'AckSharedChanges', upTo: ctx.port.cursors() });
  }

  /** The peer went away: its pull ends, and another peer's heartbeat decides again. */
  abandon(state: PeerState): void {
    state.snapshot?.timer?.cancel();
    state.snapshot = null;
  }

  /** Asks for the current snapshot page, and again if no answer comes in time (a frame was lost). */
  #requestPage(state: PeerState): void {
    const ctx = this.#ctx;
    const snapshot = state.snapshot!;
    snapshot.timer?.cancel();
    ctx.send(state.id, { type: 'StateRequest', model: snapshot.models[snapshot.index]!, after: snapshot.after, limit: ctx.options.pageSize });
    snapshot.timer = ctx.scheduler.setTimer(() => {
      if (state.snapshot !== snapshot || !state.connected || ctx.stopped) return;
      state.metrics.retried += 1;
      this.#requestPage(state);
    }, ctx.answerTimeoutMs());
  }
}
