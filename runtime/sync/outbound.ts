/**
 * Outbound: broadcast, relay, retry and exact resume are one mechanism. For each peer the engine
 * keeps two version vectors: `acked`, what the peer holds, and `sent`, what was sent since. To pump
 * a peer is to send it the log entries after `max(acked, sent)`, from the durable log, paged,
 * within a window of unacknowledged entries. An origin is never sent its own entries.
 * - After each commit (local writes, and received entries to relay), every connected peer is
 *   pumped, batched: at `batchSize` new entries; else a commit after a quiet spell goes out on the
 *   next turn of the event loop (commits of the same turn with it), and a busy stream at most every
 *   `batchDelayMs`.
 * - An entry leaves the "retry queue" when the peer acks it, not when it was sent: when no ack
 *   covers what was sent within the retry delay, `sent` falls back to `acked` and the rest is sent
 *   again (`backoff.ts`). The queue is only these two vectors over the durable log, so it is
 *   bounded by the window and rebuilt after a restart.
 * - A peer of an older schema version gets the entries in its field names: its pages are encoded
 *   apart from those of peers in this device's names (`protocol/field-names.ts`).
 */
import type { ChangeEntry } from '../core/change-entry.js';
import { mergeVectors, raise, vectorKey, type VersionVector } from '../core/version-vector.js';
import type { Translation } from '../protocol/field-names.js';
import type { SyncMessage } from '../protocol/messages.js';
import type { TimerHandle } from '../transports/transport.js';
import type { Backoff } from './backoff.js';
import type { PeerState } from './peer-state.js';
import { holdsEntries } from './snapshot-serve.js';
import type { SyncContext } from './sync-context.js';

/** A page of entries to send, encoded. */
interface Page {
  readonly entries: readonly ChangeEntry[];
  readonly frames: readonly { readonly type: SyncMessage['type']; readonly bytes: Uint8Array }[];
}

/** Pages read and encoded during one broadcast, by the vector they follow and their size. */
type SharedPages = Map<string, Page>;

/** Where sending to a peer goes on from: `max(acked, sent)` per origin, past all of its own entries. */
function sendFrom(state: PeerState): Map<string, number> {
  const from = mergeVectors(state.acked, state.sent);
  // An origin holds its own entries: sending them back would only echo them.
  from.set(state.id, Number.MAX_SAFE_INTEGER);
  return from;
}

/** Entries sent and not yet acknowledged (by seq distance; entries past a gap count too). */
function inFlight(state: PeerState): number {
  let count = 0;
  for (const [origin, seq] of state.sent) count += Math.max(0, seq - (state.acked.get(origin) ?? 0));
  return count;
}

export class Outbound {
  readonly #ctx: SyncContext;
  readonly #backoff: Backoff;
  #pending = 0;
  #lastFlush = Number.NEGATIVE_INFINITY;
  /** Counts commits seen (local writes and received entries): the log has changed when it moves. */
  #logVersion = 0;
  #flushTimer: TimerHandle | null = null;

  constructor(ctx: SyncContext, backoff: Backoff) {
    this.#ctx = ctx;
    this.#backoff = backoff;
  }

  /** The log changed without a commit notice (while the engine was stopped). */
  logChanged(): void {
    this.#logVersion += 1;
  }

  /** A commit added entries: pump every peer, batched. */
  committed(entries: readonly ChangeEntry[]): void {
    const now = this.#ctx.scheduler.now();
    this.#logVersion += 1;
    this.#pending += entries.length;
    if (this.#pending >= this.#ctx.options.batchSize) this.flush();
    else {
      // Latency when quiet, batches when busy: wait only for what is left of the last flush's delay.
      const wait = Math.max(0, this.#lastFlush + this.#ctx.options.batchDelayMs - now);
      this.#flushTimer ??= this.#ctx.scheduler.setTimer(() => this.flush(), wait);
    }
  }

  flush(): void {
    this.#flushTimer?.cancel();
    this.#flushTimer = null;
    this.#pending = 0;
    this.#lastFlush = this.#ctx.scheduler.now();
    if (!this.#ctx.live) return;
    // Peers that are up to date lack the same entries: read and encode them once for all of them.
    const pages: SharedPages = new Map();
    for (const peer of this.#ctx.peers.values()) this.#ctx.guard(peer.id, 'broadcast', () => this.pump(peer, pages));
  }

  stop(): void {
    this.#flushTimer?.cancel();
  }

  /** Sends what the peer lacks after `max(acked, sent)`, within the window. */
  pump(state: PeerState, pages: SharedPages = new Map()): void {
    const ctx = this.#ctx;
    // Before the peer's first heartbeat, what it holds (maybe nothing: a new device that will pull
    // a snapshot) is unknown; its heartbeat is on the way.
    if (!state.connected || !state.heard || !ctx.live) return;
    if (holdsEntries(ctx, state)) return;
    for (;;) {
      const room = ctx.options.window - inFlight(state);
      if (room <= 0) break;
      const from = sendFrom(state);
      const key = vectorKey(from);
      // Nothing was committed since the peer was sent all there was from here: no need to read the log.
      if (state.drained?.logVersion === this.#logVersion && state.drained.from === key) break;
      const limit = Math.min(room, ctx.options.pageSize);
      const translation = ctx.outward(state);
      const pageKey = translation === null ? `${limit} ${key}` : `${limit} ${key} v${state.schemaVersion}`;
      let page = pages.get(pageKey);
      if (!page) {
        page = this.#page(ctx.port.missingFrom(from, limit), translation);
        pages.set(pageKey, page);
      }
      const { entries, frames } = page;
      for (const entry of entries) raise(state.sent, entry.origin, entry.seq);
      for (const frame of frames) ctx.sendFrame(state.id, frame.type, frame.bytes);
      state.metrics.sent += entries.length;
      if (entries.length < limit) {
        state.drained = { logVersion: this.#logVersion, from: vectorKey(sendFrom(state)) };
        break;
      }
      if (entries.length < ctx.options.pageSize) break;
    }
    if (inFlight(state) > 0) this.#backoff.arm(state);
  }

  /** No ack covered what was sent in time: send it again from what the peer acknowledged. */
  retry(state: PeerState): void {
    if (!state.connected || this.#ctx.stopped) return;
    const unacked = inFlight(state);
    if (unacked === 0) return;
    state.metrics.retried += unacked;
    this.#backoff.grow(state);
    state.sent = new Map(state.acked);
    this.#ctx.info(state.id, 'retrying', `${unacked} entries unacknowledged; next delay up to ${Math.round(state.backoffMs * 1.5)} ms`);
    this.pump(state);
  }

  /** SharedChangeRequest: the entries the peer lacks after its vector, one page. */
  answerChangeRequest(peer: string, after: VersionVector, limit: number): void {
    const ctx = this.#ctx;
    const size = Math.min(limit, ctx.options.pageSize);
    const entries = ctx.port.missingFrom(new Map([...after, [peer, Number.MAX_SAFE_INTEGER]]), size);
    ctx.peer(peer).metrics.sent += entries.length;
    ctx.send(peer, { type: 'SharedChangeResponse', entries, complete: entries.length < size });
  }

  /** Entries as the frames that carry them (in a peer's field names): owned (stateBased) and shared changes in their own messages. */
  #page(entries: ChangeEntry[], translation: Translation | null): Page {
    const { port } = this.#ctx;
    const sent = translation === null ? entries : translation.entries(entries);
    const owned = sent.filter((entry) => port.isOwnedModel(entry.model));
    const shared = sent.filter((entry) => !port.isOwnedModel(entry.model));
    const messages: SyncMessage[] = [];
    if (owned.length > 0) messages.push(owned.length === 1 ? { type: 'StateChange', entry: owned[0]! } : { type: 'StateBatch', entries: owned });
    if (shared.length > 0) messages.push(shared.length === 1 ? { type: 'SharedChange', entry: shared[0]! } : { type: 'SharedChangeBatch', entries: shared });
    return { entries, frames: messages.map((message) => ({ type: message.type, bytes: this.#ctx.encode(message) })) };
  }
}
