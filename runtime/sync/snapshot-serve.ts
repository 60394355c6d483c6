/**
 * Serving a peer's snapshot pull: pages of a model's records on its `StateRequest`s. While a peer
 * pulls, or is expected to (its heartbeat shows it lagging by `snapshotReason`), this device does
 * not pump entries to it (the puller drops them: the snapshot carries their effect), until it acks
 * its claim or stops asking for pages.
 */
import type { VersionVector } from '../core/version-vector.js';
import { lastPulled } from './peer-models.js';
import type { PeerState } from './peer-state.js';
import { snapshotReason } from './snapshot-reason.js';
import type { SyncContext } from './sync-context.js';

/** The peer's snapshot pull holds entries back from it; a pull that went quiet (or was given up) no longer does. */
export function holdsEntries(ctx: SyncContext, state: PeerState): boolean {
  if (!state.serving) return false;
  if (ctx.scheduler.now() - state.serving.lastRequest < 3 * ctx.answerTimeoutMs()) return true;
  stopServing(state);
  return false;
}

/** The peer's snapshot pull is over (or abandoned): send from what it acknowledged, since it dropped what came meanwhile. */
export function stopServing(state: PeerState): void {
  state.serving = null;
  state.sent = new Map(state.acked);
}

export class SnapshotServer {
  readonly #ctx: SyncContext;

  constructor(ctx: SyncContext) {
    this.#ctx = ctx;
  }

  /**
   * The peer's heartbeat says whether it will pull a snapshot from this device (by the same rule):
   * pumping entries to it waits. Expected, not asked: when a later heartbeat says it no longer
   * will (it caught up from another peer), or it does not ask in time, pumping resumes.
   */
  expectPull(state: PeerState, watermark: VersionVector): void {
    if (state.serving?.asked) return;
    const { port, options, scheduler } = this.#ctx;
    const expected = snapshotReason(watermark, port.cursors(), port.pruneFloor(), options.snapshotLag) !== null;
    if (expected && !state.serving) state.serving = { lastRequest: scheduler.now(), finished: false, asked: false };
    else if (!expected && state.serving) stopServing(state);
  }

  /**
   * StateRequest: one page of a model's records, with their clocks. Of a model this schema does not
   * know (a newer peer's: dispatch lets only those through), the records held of it whole, or an
   * empty last page; either way with the vector this device reflects.
   */
  answerStateRequest(peer: string, model: number, after: string | null, limit: number, counts = false): void {
    const ctx = this.#ctx;
    const { port, options, scheduler } = ctx;
    const state = ctx.peer(peer);
    const page = port.snapshotPage(model, after, Math.min(limit, options.pageSize));
    // The peer pulls a snapshot: no entries to it until it acks its claim (it would drop them).
    const finished = page.next === null && model === lastPulled(port, state);
    state.serving = { lastRequest: scheduler.now(), finished, asked: true };
    // Asked with the first page (`COUNTS_FLAG`): what the pull will get in all, for its progress.
    const counted = counts ? port.snapshotCounts?.() : undefined;
    if (ctx.log.debugging) ctx.log.debug(peer, 'serving snapshot page', `model ${model}: ${page.records.length} records${counted ? ', with counts' : ''}`);
    ctx.send(peer, { type: 'StateResponse', model, records: page.records, next: page.next, reflects: page.reflects, ...(counted ? { counts: counted } : {}) });
  }
}
