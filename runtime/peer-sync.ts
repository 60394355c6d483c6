/**
 * PeerSync: keeps a library in sync with its connected peers.
 *
 * One mechanism does broadcast, relay, retry and exact resume. For each peer it keeps two version
 * vectors: `acked`, what the peer said it holds (its acks and heartbeats: "everything from origin X
 * up to seq N"), and `sent`, what was sent since. To pump a peer is to send it the log entries after
 * `max(acked, sent)`, from the durable log, paged, within a window of unacknowledged entries.
 * - After each commit (local writes, and received entries to relay), every connected peer is
 *   pumped, batched: at `batchSize` new entries; else a commit after a quiet spell goes out on the
 *   next turn of the event loop (commits of the same turn with it), and a busy stream at most every
 *   `batchDelayMs`.
 * - On connect, each side sends its vector in a Heartbeat; the other pumps exactly what is missing.
 *   A new device backfills this way; changes of an offline origin are relayed by whoever holds them.
 * - An entry leaves the "retry queue" when the peer acks it, not when it was sent: when no ack
 *   covers what was sent within the retry delay, `sent` falls back to `acked` and the rest is sent
 *   again, with capped exponential backoff and jitter. The queue is only these two vectors over
 *   the durable log, so it is bounded by the window and rebuilt after a restart.
 * - Acks are stored with the peer's heartbeats (its watermark); entries every recent peer acked are pruned.
 * - Snapshots: a device behind a peer's prune floor, or lacking most of what the peer holds (more
 *   than `snapshotLag` entries, at least half of the peer's: a new device), pulls a snapshot
 *   instead of replaying the log: every model's records, in pages, original clocks kept (see
 *   `snapshotReason`). Each page says which vector it reflects; once every page is merged, the
 *   device claims their minimum. While a peer pulls, or is expected to (the same rule, applied to
 *   its heartbeat), this device does not pump entries to it (the puller drops them: the snapshot
 *   carries their effect), until it acks its claim or stops asking for pages.
 * - Entries parked for a missing record make the device ask peers for that record (after a batch
 *   that parked, and on each heartbeat while any are parked; each record once per connection).
 * Every failure is counted and reported with its peer; nothing is dropped silently.
 */
import type { ChangeEntry } from './change-entry.js';
import { ClockDriftError } from './hlc.js';
import type { Library } from './library.js';
import { PROTOCOL_VERSION, type SnapshotRecord, type SyncMessage, type Vector } from './protocol.js';
import { SyncProtocolHandler } from './protocol-handler.js';
import type { Registry } from './registry.js';
import { emptyPeerMetrics, recordLatency, totalOf, type PeerMetrics, type SyncMetrics } from './sync-metrics.js';
import { systemScheduler, type Scheduler, type TimerHandle, type Transport } from './transport.js';
import { encodeEnvelope } from './wire-codec.js';

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
  /** Where failures and notable events go (default: console.warn for failures). */
  readonly log?: (event: SyncEvent) => void;
}

export interface SyncEvent {
  readonly level: 'info' | 'warn';
  readonly peer: string | null;
  readonly event: string;
  readonly detail: string;
}

interface PeerState {
  readonly id: string;
  connected: boolean;
  /** A heartbeat came on this connection: what the peer holds is known, so pumping may start. */
  heard: boolean;
  acked: Map<string, number>;
  sent: Map<string, number>;
  /** The peer's prune floor, from its heartbeats. */
  floor: Map<string, number>;
  retryTimer: TimerHandle | null;
  backoffMs: number;
  /** A snapshot being pulled from this peer. */
  snapshot: SnapshotPull | null;
  /**
   * This peer pulls a snapshot from this device, or is expected to (`asked` false: its heartbeat
   * showed it lagging by the rule it follows): since when it has not asked for a page, and whether
   * the last one it asked for was the snapshot's last.
   */
  serving: { lastRequest: number; finished: boolean; asked: boolean } | null;
  /** The peer was sent everything the log held after `from` when the log was at `logVersion`. */
  drained: { readonly logVersion: number; readonly from: string } | null;
  /** Missing records asked of this peer, and when (asked again when no answer came in time). */
  readonly requested: Map<string, number>;
  readonly metrics: PeerMetrics;
}

/** A snapshot pull: which model, from which record (re-asked when a page is lost), and what it can claim. */
interface SnapshotPull {
  readonly models: readonly number[];
  index: number;
  after: string | null;
  /** The minimum of the merged pages' `reflects` vectors: what the snapshot as a whole reflects. */
  claim: Map<string, number> | null;
  /** A record was refused: the merge misses its effect, so the pull claims nothing. */
  refused: boolean;
  timer: TimerHandle | null;
}

const MAX_RECORD_REQUEST = 256;

/** A page of entries to send, encoded. */
interface Page {
  readonly entries: readonly ChangeEntry[];
  readonly frames: readonly { readonly type: SyncMessage['type']; readonly bytes: Uint8Array }[];
}

/** Pages read and encoded during one broadcast, by the vector they follow and their size. */
type SharedPages = Map<string, Page>;

export class PeerSync<R extends Registry<any, any>> {
  readonly library: Library<R>;
  readonly #transport: Transport;
  readonly #scheduler: Scheduler;
  readonly #handler: SyncProtocolHandler;
  readonly #options: Required<Omit<PeerSyncOptions, 'transport' | 'scheduler' | 'log'>>;
  readonly #log: (event: SyncEvent) => void;
  readonly #peers = new Map<string, PeerState>();
  /** Commit time of this device's own entries not yet acknowledged by every connected peer, by seq. */
  readonly #committedAt = new Map<number, number>();
  #pending = 0;
  #lastFlush = Number.NEGATIVE_INFINITY;
  /** Peers owed an ack for entries applied without waiting for the disk (see `#settle`). */
  readonly #owedAcks = new Set<string>();
  #ackTimer: TimerHandle | null = null;
  /** Counts commits seen (local writes and received entries): the log has changed when it moves. */
  #logVersion = 0;
  #flushTimer: TimerHandle | null = null;
  #heartbeatTimer: TimerHandle | null = null;
  #pruneTimer: TimerHandle | null = null;
  #unsubscribe: (() => void) | null = null;
  #stopped = false;

  constructor(library: Library<R>, options: PeerSyncOptions) {
    this.library = library;
    this.#transport = options.transport;
    this.#scheduler = options.scheduler ?? systemScheduler;
    this.#options = {
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
    };
    this.#log = options.log ?? ((event) => event.level === 'warn' && console.warn(`syncgen ${library.deviceId.slice(0, 8)} ${event.peer ? `peer ${event.peer.slice(0, 8)} ` : ''}${event.event}: ${event.detail}`));
    this.#handler = new SyncProtocolHandler(this);
  }

  /** Starts syncing: listens to the transport and the library, heartbeats, prunes. */
  async start(): Promise<void> {
    this.#transport.setHandlers({
      peerUp: (peer) => this.#guard(peer, 'peer up', () => this.#peerUp(peer)),
      peerDown: (peer, reason) => this.#guard(peer, 'peer down', () => this.#peerDown(peer, reason)),
      frame: (peer, frame) => this.#guard(peer, 'frame', () => this.#handler.handle(peer, frame)),
    });
    // Commits made while this was stopped were not counted.
    this.#logVersion += 1;
    this.#unsubscribe = this.library.outbox.subscribe((entries) => this.#committed(entries));
    this.library.attachMetrics(() => this.metrics());
    this.#scheduleHeartbeat();
    this.#schedulePrune();
    await this.#transport.start();
  }

  /** Stops syncing and closes the transport. The library stays open. */
  async stop(): Promise<void> {
    // What was applied is made durable and acknowledged before the connections close.
    if (!this.#stopped && !this.library.closed) this.#settle();
    this.#stopped = true;
    this.#unsubscribe?.();
    for (const timer of [this.#flushTimer, this.#heartbeatTimer, this.#pruneTimer, this.#ackTimer]) timer?.cancel();
    this.#owedAcks.clear();
    for (const peer of this.#peers.values()) {
      peer.retryTimer?.cancel();
      peer.snapshot?.timer?.cancel();
    }
    this.library.attachMetrics(undefined);
    await this.#transport.close();
  }

  /** Metrics per peer and in total. */
  metrics(): SyncMetrics {
    const cursors = this.library.closed ? new Map<string, number>() : this.library.outbox.cursors();
    const peers: Record<string, PeerMetrics> = {};
    for (const peer of this.#peers.values()) {
      let lag = 0;
      for (const [origin, seq] of cursors) lag += Math.max(0, seq - (peer.acked.get(origin) ?? 0));
      peer.metrics.lag = lag;
      peers[peer.id] = peer.metrics;
    }
    return { total: totalOf(Object.values(peers)), peers };
  }

  /** The peers with an open connection. */
  connectedPeers(): string[] {
    return [...this.#peers.values()].filter((peer) => peer.connected).map((peer) => peer.id);
  }

  /** @internal For the protocol handler: sends a message to a peer, counting a failure. */
  send(peer: string, message: SyncMessage): void {
    this.#sendFrame(peer, message.type, this.#encode(message));
  }

  #encode(message: SyncMessage): Uint8Array {
    return encodeEnvelope({ version: PROTOCOL_VERSION, libraryId: this.library.libraryId, schemaHash: this.library.registry.schemaHash, message });
  }

  #sendFrame(peer: string, type: SyncMessage['type'], frame: Uint8Array): void {
    const state = this.#peer(peer);
    let timer: TimerHandle | null = null;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.#scheduler.setTimer(() => reject(new Error(`send timed out after ${this.#options.sendTimeoutMs} ms`)), this.#options.sendTimeoutMs);
    });
    Promise.race([this.#transport.send(peer, frame), timeout])
      .then(() => (timer as TimerHandle | null)?.cancel())
      .catch((error: unknown) => {
        (timer as TimerHandle | null)?.cancel();
        state.metrics.failed += 1;
        this.#warn(peer, 'send failed', `${type}: ${(error as Error).message}; it will be retried`);
      });
  }

  /** @internal Counts a refusal and tells the peer why. */
  refuse(peer: string, code: string, detail: string, reply = true): void {
    const state = this.#peer(peer);
    state.metrics.refused += 1;
    this.#warn(peer, `refused (${code})`, detail);
    if (reply) this.send(peer, { type: 'Error', code, message: detail });
  }

  /** @internal The peer's transport should drop it. */
  disconnect(peer: string, reason: string): void {
    this.#warn(peer, 'disconnecting', reason);
    this.#transport.disconnect(peer, reason);
  }

  // --- messages, routed here by the protocol handler ---------------------------------------------

  /** @internal StateChange, StateBatch, SharedChange, SharedChangeBatch, SharedChangeResponse. */
  onEntries(peer: string, entries: readonly ChangeEntry[]): void {
    const state = this.#peer(peer);
    state.metrics.received += entries.length;
    // Pulling a snapshot from this peer: its entries are dropped, unacknowledged. The snapshot
    // carries their effect, and the peer sends what the claim does not cover once the pull is over.
    if (state.snapshot) return;
    for (const entry of entries) state.sent.set(entry.origin, Math.max(state.sent.get(entry.origin) ?? 0, entry.seq));
    // Applied at once, acknowledged once durable: one disk sync covers what every peer sent this turn.
    const outcome = this.library.applyChanges(entries, { durable: false });
    state.metrics.applied += outcome.stored.length;
    state.metrics.parked += outcome.parked;
    if (outcome.refused.length > 0) {
      const drift = outcome.refused.find((item) => item.error instanceof ClockDriftError);
      const first = drift ?? outcome.refused[0]!;
      state.metrics.refused += outcome.refused.length - 1;
      this.refuse(peer, first.error.code, `${outcome.refused.length} of ${entries.length} entries refused; first: ${first.error.message}`);
    }
    this.#owedAcks.add(peer);
    this.#ackTimer ??= this.#scheduler.setTimer(() => this.#settle(), 0);
    if (this.library.parkedCount > 0) this.#requestMissing(state);
  }

  /** Makes the entries applied since the last time durable, then acknowledges them to the peers that sent them. */
  #settle(): void {
    this.#ackTimer?.cancel();
    this.#ackTimer = null;
    if (this.#owedAcks.size === 0 || this.#stopped || this.library.closed) return;
    this.library.makeDurable();
    const upTo = this.library.outbox.cursors();
    for (const peer of this.#owedAcks) if (this.#peers.get(peer)?.connected) this.#guard(peer, 'ack', () => this.send(peer, { type: 'AckSharedChanges', upTo }));
    this.#owedAcks.clear();
  }

  /** @internal AckSharedChanges, and the watermark of a Heartbeat. */
  onAck(peer: string, upTo: Vector): void {
    const state = this.#peer(peer);
    let progress = 0;
    for (const [origin, seq] of upTo) {
      const before = state.acked.get(origin) ?? 0;
      if (seq <= before) continue;
      progress += seq - before;
      state.acked.set(origin, seq);
      if (origin === this.library.deviceId) this.#latency(state, before, seq);
    }
    if (progress === 0) return;
    state.metrics.acked += progress;
    // Stored with the peer's next heartbeat (its watermark covers this ack): an ack lost in a crash
    // before then only makes this device send again what the peer holds.
    if (state.serving?.finished) this.#stopServing(state);
    state.backoffMs = this.#options.retryBaseMs;
    this.#forgetAckedCommits();
    // Progress: the retry delay starts again from now (a busy peer that keeps acking is not resent to).
    state.retryTimer?.cancel();
    state.retryTimer = null;
    this.#pump(state);
  }

  /** @internal Heartbeat: liveness, the peer's vector, and its prune floor. */
  onHeartbeat(peer: string, watermark: Vector, floor: Vector): void {
    const state = this.#peer(peer);
    state.floor = new Map(floor);
    // A watermark below what the peer acknowledged means it lost data (reinstalled, restored from a
    // backup): what it holds now is what counts, so sending starts again from there. (A heartbeat
    // overtaken by later acks lowers it too; that only resends entries the peer skips as held.)
    for (const [origin, acked] of state.acked) {
      const holds = watermark.get(origin) ?? 0;
      if (holds >= acked) continue;
      state.acked.set(origin, holds);
      state.sent.set(origin, Math.min(state.sent.get(origin) ?? 0, holds));
    }
    this.library.recordPeerAck(peer, watermark);
    state.heard = true;
    this.#expectPull(state, watermark);
    this.onAck(peer, watermark);
    this.#pump(state);
    this.#maybeSnapshot(state, watermark);
    if (this.library.parkedCount > 0) this.#requestMissing(state);
  }

  /** @internal SharedChangeRequest: the entries the peer lacks after its vector, one page. */
  onChangeRequest(peer: string, after: Vector, limit: number): void {
    const entries = this.library.outbox.missingFrom(after, Math.min(limit, this.#options.pageSize));
    this.#peer(peer).metrics.sent += entries.length;
    this.send(peer, { type: 'SharedChangeResponse', entries, complete: entries.length < Math.min(limit, this.#options.pageSize) });
  }

  /** @internal StateRequest: one page of a model's records, with their clocks. */
  onStateRequest(peer: string, model: number, after: string | null, limit: number): void {
    const state = this.#peer(peer);
    const page = this.library.snapshotPage(model, after, Math.min(limit, this.#options.pageSize));
    // The peer pulls a snapshot: no entries to it until it acks its claim (it would drop them).
    const order = this.library.registry.dependencyOrder;
    state.serving = { lastRequest: this.#scheduler.now(), finished: page.next === null && model === order[order.length - 1]!.id, asked: true };
    this.send(peer, { type: 'StateResponse', model, records: page.records, next: page.next, reflects: page.reflects });
  }

  /**
   * @internal StateResponse: ask for the next page (or model) first, so that the peer reads it
   * while this device merges; the last page is merged with the claim, in one transaction.
   */
  onStateResponse(peer: string, model: number, records: readonly SnapshotRecord[], next: string | null, reflects: Vector): void {
    const state = this.#peer(peer);
    const snapshot = state.snapshot;
    if (!snapshot || snapshot.models[snapshot.index] !== model) {
      // A late duplicate of a page already merged, or not a snapshot of ours: nothing to do.
      this.#info(peer, 'unexpected snapshot page', `StateResponse for model ${model}, not the one awaited`);
      return;
    }
    snapshot.claim = snapshot.claim === null ? new Map(reflects) : minimum(snapshot.claim, reflects);
    if (next !== null) {
      snapshot.after = next;
    } else {
      snapshot.index += 1;
      snapshot.after = null;
    }
    const last = snapshot.index === snapshot.models.length;
    if (!last) this.#requestSnapshotPage(state);
    let merged = false;
    try {
      merged = this.#merge(state, records, last && !snapshot.refused ? snapshot.claim : undefined);
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
      this.#warn(peer, 'snapshot incomplete', 'records were refused, so nothing is claimed; the next heartbeat decides again');
      return;
    }
    this.#info(peer, 'snapshot merged', `claimed ${[...snapshot.claim].map(([origin, seq]) => `${origin.slice(0, 8)}:${seq}`).join(' ')}`);
    this.send(peer, { type: 'AckSharedChanges', upTo: this.library.outbox.cursors() });
  }

  /** @internal RecordRequest: the records the peer misses, as snapshot records. */
  onRecordRequest(peer: string, records: readonly { model: number; record: string }[]): void {
    this.send(peer, { type: 'RecordResponse', records: this.library.snapshotRecords(records.slice(0, MAX_RECORD_REQUEST)) });
  }

  /** @internal RecordResponse: merge what arrived; parked changes waiting for it apply. */
  onRecordResponse(peer: string, records: readonly SnapshotRecord[]): void {
    const state = this.#peer(peer);
    this.#merge(state, records);
    for (const record of records) state.requested.delete(`${record.model}:${record.record}`);
  }

  /** @internal Error: the peer refused something of ours. */
  onError(peer: string, code: string, message: string): void {
    const state = this.#peer(peer);
    state.metrics.lastError = `${code}: ${message}`;
    this.#warn(peer, `peer reported ${code}`, message);
  }

  // --- internals ---------------------------------------------------------------------------------

  #peer(id: string): PeerState {
    let state = this.#peers.get(id);
    if (!state) {
      state = {
        id,
        connected: false,
        heard: false,
        acked: this.library.peerAcks(id),
        sent: new Map(),
        drained: null,
        floor: new Map(),
        retryTimer: null,
        backoffMs: this.#options.retryBaseMs,
        snapshot: null,
        serving: null,
        requested: new Map(),
        metrics: emptyPeerMetrics(),
      };
      this.#peers.set(id, state);
    }
    return state;
  }

  #peerUp(peer: string): void {
    const state = this.#peer(peer);
    state.connected = true;
    state.heard = false;
    state.sent = new Map(state.acked);
    state.drained = null;
    state.requested.clear();
    this.#info(peer, 'connected', 'exchanging version vectors');
    this.#heartbeat(state);
  }

  #peerDown(peer: string, reason: string): void {
    const state = this.#peer(peer);
    state.connected = false;
    state.snapshot?.timer?.cancel();
    state.snapshot = null;
    state.serving = null;
    state.retryTimer?.cancel();
    state.retryTimer = null;
    this.#info(peer, 'disconnected', reason);
  }

  #committed(entries: readonly ChangeEntry[]): void {
    const now = this.#scheduler.now();
    for (const entry of entries) if (entry.origin === this.library.deviceId) this.#committedAt.set(entry.seq, now);
    this.#logVersion += 1;
    this.#pending += entries.length;
    if (this.#pending >= this.#options.batchSize) this.#flush();
    else {
      // Latency when quiet, batches when busy: wait only for what is left of the last flush's delay.
      const wait = Math.max(0, this.#lastFlush + this.#options.batchDelayMs - now);
      this.#flushTimer ??= this.#scheduler.setTimer(() => this.#flush(), wait);
    }
  }

  #flush(): void {
    this.#flushTimer?.cancel();
    this.#flushTimer = null;
    this.#pending = 0;
    this.#lastFlush = this.#scheduler.now();
    if (this.#stopped || this.library.closed) return;
    // Peers that are up to date lack the same entries: read and encode them once for all of them.
    const pages: SharedPages = new Map();
    for (const peer of this.#peers.values()) this.#guard(peer.id, 'broadcast', () => this.#pump(peer, pages));
  }

  /** Sends what the peer lacks after `max(acked, sent)`, within the window. */
  #pump(state: PeerState, pages: SharedPages = new Map()): void {
    // Before the peer's first heartbeat, what it holds (maybe nothing: a new device that will pull
    // a snapshot) is unknown; its heartbeat is on the way.
    if (!state.connected || !state.heard || this.#stopped || this.library.closed) return;
    if (state.serving) {
      // A peer that stopped asking for pages (gone quiet, or given up) gets entries again.
      if (this.#scheduler.now() - state.serving.lastRequest < 3 * this.#answerTimeoutMs()) return;
      this.#stopServing(state);
    }
    for (;;) {
      const room = this.#options.window - this.#inFlight(state);
      if (room <= 0) break;
      const { from, key } = this.#sendFrom(state);
      // Nothing was committed since the peer was sent all there was from here: no need to read the log.
      if (state.drained?.logVersion === this.#logVersion && state.drained.from === key) break;
      const limit = Math.min(room, this.#options.pageSize);
      const pageKey = `${limit} ${key}`;
      let page = pages.get(pageKey);
      if (!page) pages.set(pageKey, (page = this.#page(this.library.outbox.missingFrom(from, limit))));
      const { entries, frames } = page;
      for (const entry of entries) state.sent.set(entry.origin, Math.max(state.sent.get(entry.origin) ?? 0, entry.seq));
      for (const frame of frames) this.#sendFrame(state.id, frame.type, frame.bytes);
      state.metrics.sent += entries.length;
      if (entries.length < limit) {
        state.drained = { logVersion: this.#logVersion, from: this.#sendFrom(state).key };
        break;
      }
      if (entries.length < this.#options.pageSize) break;
    }
    if (this.#inFlight(state) > 0) this.#armRetry(state);
  }

  /** Where sending to the peer goes on from: `max(acked, sent)` per origin, and that vector as a key. */
  #sendFrom(state: PeerState): { from: Map<string, number>; key: string } {
    const from = new Map(state.acked);
    for (const [origin, seq] of state.sent) if (seq > (from.get(origin) ?? 0)) from.set(origin, seq);
    return { from, key: [...from].sort(([a], [b]) => (a < b ? -1 : 1)).join(' ') };
  }

  /** Entries as the frames that carry them: owned (stateBased) and shared changes in their own messages. */
  #page(entries: ChangeEntry[]): Page {
    const owned = entries.filter((entry) => this.library.registry.byId(entry.model)?.strategy === 'stateBased');
    const shared = entries.filter((entry) => this.library.registry.byId(entry.model)?.strategy !== 'stateBased');
    const messages: SyncMessage[] = [];
    if (owned.length > 0) messages.push(owned.length === 1 ? { type: 'StateChange', entry: owned[0]! } : { type: 'StateBatch', entries: owned });
    if (shared.length > 0) messages.push(shared.length === 1 ? { type: 'SharedChange', entry: shared[0]! } : { type: 'SharedChangeBatch', entries: shared });
    return { entries, frames: messages.map((message) => ({ type: message.type, bytes: this.#encode(message) })) };
  }

  /** Entries sent and not yet acknowledged (by seq distance; entries past a gap count too). */
  #inFlight(state: PeerState): number {
    let count = 0;
    for (const [origin, seq] of state.sent) count += Math.max(0, seq - (state.acked.get(origin) ?? 0));
    return count;
  }

  #armRetry(state: PeerState): void {
    if (state.retryTimer) return;
    const jitter = 0.5 + this.#options.random();
    state.retryTimer = this.#scheduler.setTimer(() => this.#guard(state.id, 'retry', () => this.#retry(state)), Math.round(state.backoffMs * jitter));
  }

  /** No ack covered what was sent: send it again from what the peer acknowledged. */
  #retry(state: PeerState): void {
    state.retryTimer = null;
    if (!state.connected || this.#stopped) return;
    const unacked = this.#inFlight(state);
    if (unacked === 0) return;
    state.metrics.retried += unacked;
    state.backoffMs = Math.min(state.backoffMs * 2, this.#options.retryMaxMs);
    state.sent = new Map(state.acked);
    this.#info(state.id, 'retrying', `${unacked} entries unacknowledged; next delay up to ${Math.round(state.backoffMs * 1.5)} ms`);
    this.#pump(state);
  }

  #heartbeat(state: PeerState): void {
    // A watermark acknowledges too: only what is on disk.
    if (this.#owedAcks.size > 0) this.#settle();
    this.send(state.id, { type: 'Heartbeat', watermark: this.library.outbox.cursors(), sentAt: this.#scheduler.now(), floor: this.library.pruneFloor() });
  }

  #scheduleHeartbeat(): void {
    this.#heartbeatTimer = this.#scheduler.setTimer(() => {
      if (this.#stopped || this.library.closed) return;
      for (const peer of this.#peers.values()) if (peer.connected) this.#guard(peer.id, 'heartbeat', () => this.#heartbeat(peer));
      this.#scheduleHeartbeat();
    }, this.#options.heartbeatMs);
  }

  #schedulePrune(): void {
    this.#pruneTimer = this.#scheduler.setTimer(() => {
      if (this.#stopped || this.library.closed) return;
      this.#guard(null, 'prune', () => {
        const pruned = this.library.prune(this.#options.retentionMs);
        if (pruned > 0) this.#info(null, 'pruned', `${pruned} log entries every peer acknowledged`);
      });
      this.#schedulePrune();
    }, this.#options.pruneEveryMs);
  }

  /** Pulls a snapshot from the peer when `snapshotReason` says so; one pull at a time (another peer's heartbeat decides again after it). */
  #maybeSnapshot(state: PeerState, watermark: Vector): void {
    if ([...this.#peers.values()].some((peer) => peer.snapshot)) return;
    const reason = snapshotReason(this.library.outbox.cursors(), watermark, state.floor, this.#options.snapshotLag);
    if (reason === null) return;
    const models = this.library.registry.dependencyOrder.map((adapter) => adapter.id);
    state.snapshot = { models, index: 0, after: null, claim: null, refused: false, timer: null };
    this.#info(state.id, 'snapshot needed', reason);
    this.#requestSnapshotPage(state);
  }

  /**
   * The peer's heartbeat says it will pull a snapshot from this device (by the same rule): pumping
   * entries to it waits (it would drop them). Expected, not asked: when a later heartbeat says it
   * no longer will (it caught up from another peer), or it does not ask in time, pumping resumes.
   */
  #expectPull(state: PeerState, watermark: Vector): void {
    if (state.serving?.asked) return;
    const expected = snapshotReason(watermark, this.library.outbox.cursors(), this.library.pruneFloor(), this.#options.snapshotLag) !== null;
    if (expected && !state.serving) state.serving = { lastRequest: this.#scheduler.now(), finished: false, asked: false };
    else if (!expected && state.serving) this.#stopServing(state);
  }

  /** The peer's snapshot pull is over (or abandoned): send from what it acknowledged, since it dropped what came meanwhile. */
  #stopServing(state: PeerState): void {
    state.serving = null;
    state.sent = new Map(state.acked);
  }

  /** Asks for the current snapshot page, and again if no answer comes in time (a frame was lost). */
  #requestSnapshotPage(state: PeerState): void {
    const snapshot = state.snapshot!;
    snapshot.timer?.cancel();
    this.send(state.id, { type: 'StateRequest', model: snapshot.models[snapshot.index]!, after: snapshot.after, limit: this.#options.pageSize });
    snapshot.timer = this.#scheduler.setTimer(() => {
      if (state.snapshot !== snapshot || !state.connected || this.#stopped) return;
      state.metrics.retried += 1;
      this.#requestSnapshotPage(state);
    }, this.#answerTimeoutMs());
  }

  /** How long to wait for the answer to a request before asking again. */
  #answerTimeoutMs(): number {
    return Math.max(4 * this.#options.retryBaseMs, 1000);
  }

  /** Merges snapshot records (and claims `claim` with them); false when some were refused. */
  #merge(state: PeerState, records: readonly SnapshotRecord[], claim?: Vector): boolean {
    const { refused } = this.library.mergeSnapshot(records, claim);
    if (refused.length > 0) this.refuse(state.id, refused[0]!.error.code, `${refused.length} snapshot records refused; first: ${refused[0]!.error.message}`);
    return refused.length === 0;
  }

  /** Asks the peer for records that parked entries wait for (again when an answer is overdue). */
  #requestMissing(state: PeerState): void {
    const now = this.#scheduler.now();
    const missing = this.library
      .missingRecords()
      .map((item) => ({ model: this.library.registry.byName(item.model)!.id, record: item.record }))
      .filter((item) => now - (state.requested.get(`${item.model}:${item.record}`) ?? -Infinity) > this.#answerTimeoutMs())
      .slice(0, MAX_RECORD_REQUEST);
    if (missing.length === 0) return;
    for (const item of missing) state.requested.set(`${item.model}:${item.record}`, now);
    this.send(state.id, { type: 'RecordRequest', records: missing });
  }

  #latency(state: PeerState, from: number, to: number): void {
    const now = this.#scheduler.now();
    for (let seq = from + 1; seq <= to; seq += 1) {
      const committed = this.#committedAt.get(seq);
      if (committed !== undefined) recordLatency(state.metrics.broadcastLatency, now - committed);
    }
  }

  /** Commit times acknowledged by every connected peer are no longer needed. */
  #forgetAckedCommits(): void {
    const connected = [...this.#peers.values()].filter((peer) => peer.connected);
    if (connected.length === 0) return;
    const floor = Math.min(...connected.map((peer) => peer.acked.get(this.library.deviceId) ?? 0));
    for (const seq of this.#committedAt.keys()) if (seq <= floor) this.#committedAt.delete(seq);
  }

  /** Runs an event handler; an unexpected error is counted and reported, never thrown into the transport. */
  #guard(peer: string | null, what: string, run: () => void): void {
    try {
      run();
    } catch (error) {
      if (peer) this.#peer(peer).metrics.lastError = `${what}: ${(error as Error).message}`;
      this.#warn(peer, `${what} failed`, (error as Error).stack ?? String(error));
    }
  }

  #warn(peer: string | null, event: string, detail: string): void {
    if (peer) this.#peer(peer).metrics.lastError = `${event}: ${detail}`;
    this.#log({ level: 'warn', peer, event, detail });
  }

  #info(peer: string | null, event: string, detail: string): void {
    this.#log({ level: 'info', peer, event, detail });
  }
}

/**
 * Why a device holding `held` should pull a snapshot from a peer holding `peer` (pruned up to
 * `floor`) rather than replay the peer's log, or null: it is behind the floor for some origin (the
 * log no longer has what it lacks), or it lacks more than `snapshotLag` entries and at least half
 * of the peer's (a snapshot carries every record, so it pays off only when most of the log is
 * missing: a new device). Both sides apply it: the puller, and the peer that expects the pull.
 */
export function snapshotReason(held: Vector, peer: Vector, floor: Vector, snapshotLag: number): string | null {
  const behind = [...floor].filter(([origin, seq]) => (held.get(origin) ?? 0) < seq).length;
  if (behind > 0) return `behind the peer's pruned log for ${behind} origin(s)`;
  let lag = 0;
  let total = 0;
  for (const [origin, seq] of peer) {
    lag += Math.max(0, seq - (held.get(origin) ?? 0));
    total += seq;
  }
  return lag > snapshotLag && 2 * lag >= total ? `${lag} of the peer's ${total} entries missing` : null;
}

/** Per origin, the smaller seq of two vectors (an origin missing from one counts as 0). */
function minimum(a: ReadonlyMap<string, number>, b: Vector): Map<string, number> {
  const result = new Map<string, number>();
  for (const [origin, seq] of a) result.set(origin, Math.min(seq, b.get(origin) ?? 0));
  return result;
}

/** Starts syncing a library over a transport. */
export async function startSync<R extends Registry<any, any>>(library: Library<R>, options: PeerSyncOptions): Promise<PeerSync<R>> {
  const sync = new PeerSync(library, options);
  await sync.start();
  return sync;
}
