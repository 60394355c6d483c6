/**
 * Pulling a snapshot: a device behind a peer's prune floor, or lacking most of what the peer holds
 * (a new device; see `snapshot-reason.ts`), pulls every model's records from it, in pages, original
 * clocks kept, instead of replaying the log: its own models, parents first, then those of the
 * peer's list it does not know (asked for after its own: `peer-models.ts`). Each page says which
 * vector it reflects; once every page is merged, the device claims their minimum, never before the
 * list came. One pull at a time.
 *
 * Only the page awaited from that peer is merged, and of it only what was asked: records of the
 * model, after the cursor, in order, at most the limit. A copy of a page answered before (a
 * duplicate, the answer to a request asked again), or a page early on a new connection (it may
 * answer a request made before it), is late and dropped; any other page is unsolicited: refused,
 * counted and reported. A pull with anything refused or dropped claims nothing.
 *
 * Progress (`progress.ts`): records merged out of the peer's count of what it serves, asked for
 * with the first page (`COUNTS_FLAG` in `protocol/messages.ts`; a peer that predates counts gives
 * none, and the pull shows no total).
 */
import { UnsolicitedResponseError } from '../core/errors.js';
import type { SnapshotRecord } from '../core/snapshot-record.js';
import { minimumVector, type VersionVector } from '../core/version-vector.js';
import { mergeRecords } from './merge-records.js';
import { pullOrder } from './peer-models.js';
import type { Progress } from './progress.js';
import { REQUEST_MEMORY, type PageRequest, type PeerState, type SnapshotPull } from './peer-state.js';
import { snapshotReason } from './snapshot-reason.js';
import type { SyncContext } from './sync-context.js';

export class SnapshotPuller {
  readonly #ctx: SyncContext;
  readonly #askList: (state: PeerState) => void;
  readonly #progress: Progress;
  readonly #ended: (state: PeerState) => void;

  /** `askList`: asks the peer for its model list (a Models request); `ended`: a pull ended (merged or not). */
  constructor(ctx: SyncContext, progress: Progress, askList: (state: PeerState) => void, ended: (state: PeerState) => void) {
    this.#ctx = ctx;
    this.#progress = progress;
    this.#askList = askList;
    this.#ended = ended;
  }

  /** Pulls a snapshot from the peer when `snapshotReason` says so (another peer's heartbeat decides again after a pull). */
  consider(state: PeerState, watermark: VersionVector): void {
    const { port, options, peers } = this.#ctx;
    if ([...peers.values()].some((peer) => peer.snapshot)) return;
    const reason = snapshotReason(port.cursors(), watermark, state.floor, options.snapshotLag);
    if (reason === null) return;
    state.snapshot = { models: [...port.modelIds], list: 'own', index: 0, after: null, claim: null, refused: false, awaiting: null, timer: null };
    this.#ctx.info(state.id, 'snapshot needed', reason);
    this.#progress.start(state, 'snapshot', null);
    this.#next(state);
  }

  /**
   * StateResponse: ask for the next page (or model) first, so that the peer reads it while this
   * device merges; the last page is merged with the claim, in one transaction.
   */
  receivePage(
    peer: string,
    model: number,
    records: readonly SnapshotRecord[],
    next: string | null,
    reflects: VersionVector,
    counts: ReadonlyMap<number, number> | null,
  ): void {
    const ctx = this.#ctx;
    const state = ctx.peer(peer);
    const snapshot = state.snapshot;
    const awaiting = snapshot?.awaiting;
    if (!snapshot || !awaiting || !startsAnswer(awaiting, model, records)) {
      this.#notAwaited(state, model, records);
      return;
    }
    const asked = askedRecords(awaiting, records);
    const last = asked.at(-1)?.record;
    // The cursor goes on from the last record asked for, whatever `next` says (a page that ends early ends its model).
    const more = next !== null && last !== undefined;
    if (asked.length < records.length || (next !== null && next !== last)) {
      snapshot.refused = true;
      const dropped = records.length - asked.length;
      state.metrics.unsolicited += dropped;
      const error = new UnsolicitedResponseError(peer, `${dropped} records and the cursor of a StateResponse for model ${model}`);
      ctx.refuse(peer, error.code, `${error.message}; the snapshot will claim nothing`, Math.max(dropped, 1));
    }
    snapshot.awaiting = null;
    snapshot.claim = snapshot.claim === null ? new Map(reflects) : minimumVector(snapshot.claim, reflects);
    this.#counted(state, model, asked.length, more, counts);
    if (more) {
      snapshot.after = last;
    } else {
      snapshot.index += 1;
      snapshot.after = null;
    }
    if (!this.#next(state)) {
      this.#finish(state, snapshot, asked);
      return;
    }
    let merged = false;
    try {
      merged = mergeRecords(ctx, state, asked, 'snapshot');
    } finally {
      // A page refused or failed: the snapshot misses its effect, and must not claim.
      if (!merged) snapshot.refused = true;
    }
  }

  /**
   * Models: the peer's list came. A pull that waits for it goes on with the peer's models this
   * device does not know, or, without any, ends and claims.
   */
  listReceived(state: PeerState): void {
    const snapshot = state.snapshot;
    if (snapshot?.list !== 'asked' || state.models === null) return;
    snapshot.timer?.cancel();
    snapshot.list = 'added';
    if (!snapshot.refused) snapshot.models.push(...pullOrder(snapshot.models, state.models).slice(snapshot.models.length));
    if (!this.#next(state)) this.#finish(state, snapshot, []);
  }

  /** The peer went away: its pull ends, and another peer's heartbeat decides again. */
  abandon(state: PeerState): void {
    if (!state.snapshot) return;
    state.snapshot.timer?.cancel();
    state.snapshot = null;
    this.#progress.finish(state, false);
  }

  /** A page's records count towards the pull's progress; the first page's counts make its total. */
  #counted(state: PeerState, model: number, records: number, more: boolean, counts: ReadonlyMap<number, number> | null): void {
    const run = state.progress;
    if (run?.kind !== 'snapshot') return;
    let total: number | undefined;
    if (counts !== null && run.total === null) {
      total = 0;
      for (const count of counts.values()) total += count;
    }
    this.#progress.advance(state, run.received + records, total);
    const ctx = this.#ctx;
    if (ctx.log.debugging)
      ctx.log.debug(state.id, 'snapshot page', `model ${model}: ${records} records${more ? '' : ', its last'}; ${run.received} of ${run.total ?? '?'}`);
  }

  /** A page that is not the one awaited from this peer: late when it copies one asked before, else unsolicited. */
  #notAwaited(state: PeerState, model: number, records: readonly SnapshotRecord[]): void {
    const ctx = this.#ctx;
    if (state.pagesAsked.some((request) => copiesAnswer(request, model, records)) || ctx.mayBeLate(state)) {
      state.metrics.late += 1;
      ctx.info(state.id, 'late snapshot page', `StateResponse for model ${model} answers a request answered before, or made before this connection; dropped`);
      return;
    }
    state.metrics.unsolicited += 1;
    const error = new UnsolicitedResponseError(state.id, `a StateResponse for model ${model} with ${records.length} records`);
    ctx.refuse(state.id, error.code, error.message);
  }

  /**
   * Asks for what the pull needs next: the next page, or once this device's own models are pulled,
   * the peer's list. False when nothing is left (a pull that refused something claims nothing, and
   * needs no list).
   */
  #next(state: PeerState): boolean {
    const snapshot = state.snapshot!;
    if (snapshot.index < snapshot.models.length) {
      this.#requestPage(state);
      return true;
    }
    if (snapshot.list !== 'own' || snapshot.refused) return false;
    snapshot.list = 'asked';
    this.#requestList(state);
    return true;
  }

  /** Merges a pull's last records with its claim (unless something was refused), ends it and reports. */
  #finish(state: PeerState, snapshot: SnapshotPull, records: readonly SnapshotRecord[]): void {
    const ctx = this.#ctx;
    // A pull of no page at all (a schema without models) has nothing to claim.
    const claim = snapshot.refused ? undefined : snapshot.claim;
    let merged = false;
    try {
      merged = claim === null || (claim === undefined && records.length === 0) || mergeRecords(ctx, state, records, 'snapshot', claim);
    } finally {
      if (!merged) snapshot.refused = true;
      snapshot.timer?.cancel();
      state.snapshot = null;
    }
    this.#progress.finish(state, !!claim && !snapshot.refused);
    if (!claim || snapshot.refused) {
      ctx.warn(state.id, 'snapshot incomplete', 'records were refused, so nothing is claimed; the next heartbeat decides again');
    } else {
      ctx.info(state.id, 'snapshot merged', `claimed ${[...claim].map(([origin, seq]) => `${origin.slice(0, 8)}:${seq}`).join(' ')}`);
      ctx.send(state.id, { type: 'AckSharedChanges', upTo: ctx.port.cursors() });
    }
    this.#ended(state);
  }

  /** Asks for the peer's model list, and again if no answer comes in time. */
  #requestList(state: PeerState): void {
    this.#askList(state);
    this.#retry(state, () => this.#requestList(state));
  }

  /** Asks for the current snapshot page, and again if no answer comes in time (a frame was lost). */
  #requestPage(state: PeerState): void {
    const ctx = this.#ctx;
    const snapshot = state.snapshot!;
    const model = snapshot.models[snapshot.index]!;
    const limit = ctx.options.pageSize;
    // Asked again (a lost page): the same request; its answers are told apart by their records.
    if (!snapshot.awaiting) {
      snapshot.awaiting = { model, after: snapshot.after, limit };
      state.pagesAsked.push(snapshot.awaiting);
      if (state.pagesAsked.length > REQUEST_MEMORY) state.pagesAsked.shift();
    }
    // The first page asks for the peer's counts: the pull's expected total.
    const counts = snapshot.index === 0 && snapshot.after === null;
    ctx.send(state.id, { type: 'StateRequest', model, after: snapshot.after, limit, ...(counts ? { counts } : {}) });
    this.#retry(state, () => this.#requestPage(state));
  }

  /** Runs `again` when the pull's request is not answered in time. */
  #retry(state: PeerState, again: () => void): void {
    const ctx = this.#ctx;
    const snapshot = state.snapshot!;
    snapshot.timer?.cancel();
    snapshot.timer = ctx.scheduler.setTimer(() => {
      if (state.snapshot !== snapshot || !state.connected || ctx.stopped) return;
      state.metrics.retried += 1;
      ctx.log.debug(state.id, 'snapshot request again', 'no answer in time');
      again();
    }, ctx.answerTimeoutMs());
  }
}

/** Whether a page starts where the request asked: its model, its first record after the cursor. */
function startsAnswer(request: PageRequest, model: number, records: readonly SnapshotRecord[]): boolean {
  if (model !== request.model) return false;
  const first = records[0];
  return first === undefined || (first.model === model && (request.after === null || first.record > request.after));
}

/** The records a request asked for: of its model, after its cursor, in key order, at most its limit (the rest is dropped). */
function askedRecords(request: PageRequest, records: readonly SnapshotRecord[]): SnapshotRecord[] {
  const asked: SnapshotRecord[] = [];
  let after = request.after ?? '';
  for (const record of records) {
    if (asked.length === request.limit || record.model !== request.model || !(record.record > after)) continue;
    asked.push(record);
    after = record.record;
  }
  return asked;
}

/**
 * Whether a page could answer a request asked before: its model, records after its cursor. (Not
 * bounded by where the first answer ended: a later read of the same range may end elsewhere.)
 */
function copiesAnswer(request: PageRequest, model: number, records: readonly SnapshotRecord[]): boolean {
  if (model !== request.model || records.length > request.limit) return false;
  const after = request.after ?? '';
  return records.every((record) => record.model === model && record.record > after);
}
