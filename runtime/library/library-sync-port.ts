/**
 * The library's side of the sync engine's port (`sync/sync-port.ts`): what the engine may ask of
 * a library, over its store. Received entries go through the library's own `applyChanges` and
 * `makeDurable`, so its outbox hears of them like of any commit.
 */
import type Database from 'better-sqlite3';
import type { ChangeEntry } from '../core/change-entry.js';
import { SyncError } from '../core/errors.js';
import type { MemberRecord } from '../core/member-record.js';
import type { SnapshotRecord } from '../core/snapshot-record.js';
import type { VersionVector } from '../core/version-vector.js';
import type { SchemaCompatibility } from '../protocol/compatibility.js';
import type { WireRename } from '../protocol/field-names.js';
import type { ApplyOutcome } from '../merge/apply-entries.js';
import { releaseParked } from '../merge/release-parked.js';
import { mergeSnapshot, type RefusedRecord } from '../merge/snapshot-merge.js';
import type { Durability } from '../store/durability.js';
import { PeerAcks } from '../store/peer-acks.js';
import { quarantineOf } from '../store/quarantine.js';
import { readSnapshotPage, readSnapshotRecord } from '../store/snapshot-read.js';
import { rollingBack, type Store } from '../store/store.js';
import type { MergeOptions, SnapshotPage, SyncPort } from '../sync/sync-port.js';
import type { ChangeFeed } from './change-feed.js';
import type { LibraryMembers } from './members.js';
import { snapshotCounts } from './snapshot-counts.js';
import type { Outbox } from './outbox.js';

/** What the port needs of the library itself. */
export interface PortHost {
  readonly libraryId: string;
  readonly closed: boolean;
  readonly outbox: Outbox;
  readonly members: LibraryMembers;
  applyChanges(entries: readonly unknown[], options: { readonly durable?: boolean; readonly from?: string }): ApplyOutcome;
  makeDurable(): void;
}

/** Thrown inside a merge to roll it back: a record was refused. */
const REFUSED = Symbol('refused');

export class LibrarySyncPort implements SyncPort {
  readonly deviceId: string;
  readonly libraryId: string;
  readonly schema: SchemaCompatibility;
  readonly renames: readonly WireRename[];
  readonly modelIds: readonly number[];
  readonly #host: PortHost;
  readonly #store: Store;
  readonly #durability: Durability;
  readonly #acks: PeerAcks;
  readonly #feed: ChangeFeed;
  readonly #ackTransaction: Database.Transaction<(peer: string, vector: VersionVector, now: number) => void>;

  constructor(host: PortHost, store: Store, durability: Durability, feed: ChangeFeed) {
    this.#host = host;
    this.#feed = feed;
    this.#store = store;
    this.#durability = durability;
    this.#acks = new PeerAcks(store.db);
    this.#ackTransaction = store.db.transaction((peer: string, vector: VersionVector, now: number) => this.#acks.record(peer, vector, now));
    this.deviceId = store.deviceId;
    this.libraryId = host.libraryId;
    this.schema = { schemaVersion: store.registry.schemaVersion, compatibleFrom: store.registry.compatibleFrom };
    this.renames = store.registry.renames.map((rename) => ({ ...rename, model: store.registry.byName(rename.model)!.id }));
    this.modelIds = store.registry.dependencyOrder.map((adapter) => adapter.id);
  }

  get closed(): boolean {
    return this.#host.closed;
  }

  /** A model of this schema, or one a newer schema has that this device holds entries or records of (it serves their snapshot pages). */
  knowsModel(model: number): boolean {
    return this.#store.registry.byId(model) !== undefined || quarantineOf(this.#store).holdsModel(model);
  }

  /** Models of newer schemas this device holds records of (whole, from a snapshot it pulled): it serves their pages. */
  heldModelIds(): number[] {
    this.#open();
    return quarantineOf(this.#store)
      .recordModels()
      .filter((model) => this.#store.registry.byId(model) === undefined);
  }

  isOwnedModel(model: number): boolean {
    return this.#store.registry.byId(model)?.strategy === 'stateBased';
  }

  cursors(): Map<string, number> {
    return this.#host.outbox.cursors();
  }

  /**
   * What a peer lacks, but never a removed device's entries after its cut: every peer refuses them.
   * (This device may hold some, received before it heard of the removal; sent, they would be
   * refused and sent again forever.)
   */
  missingFrom(vector: VersionVector, limit: number): ChangeEntry[] {
    const { log, members } = this.#store;
    if (!members.anyCut) return this.#host.outbox.missingFrom(vector, limit); // the common case: no query more
    const cuts = new Map<string, number>();
    for (const origin of log.origins()) {
      const cut = members.cutOf(origin);
      if (cut !== undefined && log.heldUpTo(origin) > cut) cuts.set(origin, cut);
    }
    if (cuts.size === 0) return this.#host.outbox.missingFrom(vector, limit);
    const others = new Map(vector);
    for (const origin of cuts.keys()) others.set(origin, Number.MAX_SAFE_INTEGER);
    const entries = this.#host.outbox.missingFrom(others, limit);
    // Per origin the log is read in seq order, so what is up to the cut comes first.
    for (const [origin, cut] of cuts) entries.push(...log.after(origin, vector.get(origin) ?? 0, limit).filter((entry) => entry.seq <= cut));
    return entries.sort((a, b) => Buffer.compare(a.hlc, b.hlc)).slice(0, limit);
  }

  onCommit(listener: (entries: readonly ChangeEntry[]) => void): () => void {
    return this.#host.outbox.subscribe(listener);
  }

  applyChanges(entries: readonly unknown[], options: { readonly durable: boolean; readonly from: string }): ApplyOutcome {
    return this.#host.applyChanges(entries, options);
  }

  makeDurable(): void {
    this.#host.makeDurable();
  }

  recordPeerAck(peer: string, vector: VersionVector): void {
    this.#open();
    // Acks are advice: one lost in a power loss only makes this device send again what the peer holds.
    this.#durability.relaxed(() => this.#ackTransaction.immediate(peer, vector, this.#store.clock.now()));
  }

  peerAcks(peer: string): Map<string, number> {
    return this.#acks.acked(peer);
  }

  pruneFloor(): Map<string, number> {
    return this.#store.log.floor();
  }

  /**
   * Prunes log entries that every peer seen within `retentionMs` has acknowledged. A peer absent
   * longer than that no longer holds entries back; when it returns below the floor it catches up
   * from a snapshot. Nothing is pruned while no peer has ever acknowledged anything.
   */
  prune(retentionMs: number): number {
    this.#open();
    const store = this.#store;
    const now = store.clock.now();
    return rollingBack(store, () =>
      store.db
        .transaction(() => {
          const peers = this.#acks.peers().filter((peer) => now - peer.lastSeen <= retentionMs);
          if (peers.length === 0) return 0;
          const acked = peers.map((peer) => this.#acks.acked(peer.peer));
          let pruned = 0;
          for (const origin of store.log.origins()) {
            pruned += store.log.prune(origin, Math.min(...acked.map((vector) => vector.get(origin) ?? 0)));
          }
          // The clock's last value may have been in the entries just pruned (see `library-clock.ts`).
          if (pruned > 0) store.clock.persist();
          return pruned;
        })
        .immediate(),
    );
  }

  /**
   * A page of snapshot records of one model, for a peer's `StateRequest`, and the vector it
   * reflects: per origin, every entry up to there has its effect in the rows read. That is the
   * cursor, lowered below the first parked entry and the first entry of a model this schema does
   * not know above the prune floor (held, but not applied: a peer that claimed it from this
   * snapshot would never get its effect; the log keeps them, and what follows them, for it to
   * replay: `store/quarantine.ts`).
   */
  snapshotPage(model: number, after: string | null, limit: number): SnapshotPage {
    this.#open();
    const store = this.#store;
    const page = readSnapshotPage(store, model, after ?? '', limit);
    const reflects = store.log.cursors();
    const quarantine = quarantineOf(store);
    const floor = store.log.floor();
    for (const [origin, seq] of reflects) {
      const parked = store.parked.firstParked(origin);
      // Held entries at or below the floor were claimed past by a snapshot this device pulled: the log lacks what lies
      // between them, so a claim lowered to them would leave the puller behind the floor for good.
      const held = quarantine.firstEntry(origin, floor.get(origin) ?? 0);
      if (parked !== undefined || held !== undefined) reflects.set(origin, Math.min(seq, (parked ?? seq + 1) - 1, (held ?? seq + 1) - 1));
    }
    return { ...page, reflects };
  }

  snapshotRecords(records: readonly { model: number; record: string }[]): SnapshotRecord[] {
    this.#open();
    return records.flatMap(({ model, record }) => readSnapshotRecord(this.#store, model, record) ?? []);
  }

  snapshotCounts(): Map<number, number> {
    this.#open();
    return snapshotCounts(this.#store);
  }

  /**
   * Merges snapshot records in one transaction, all or none: a record that breaks a rule refuses
   * the whole response (a page that lies about one record is trusted for none), and nothing of it
   * stays. With `claim`, then records that everything up to that version vector is held (what every
   * page of the snapshot reflected).
   *
   * Without a claim, the commit does not wait for the disk (synchronous NORMAL, even in `full`
   * durability): nothing is acknowledged or relayed because of merged records, so a power loss
   * that takes the last of them back loses nothing that a peer relies on; the device misses them
   * and asks again. A claim commits FULL, which makes every commit before it durable too (WAL).
   */
  mergeSnapshot(records: readonly SnapshotRecord[], options: Partial<MergeOptions> = {}): { refused: RefusedRecord[] } {
    this.#open();
    const { claim } = options;
    const store = this.#store;
    let refused: RefusedRecord[] = [];
    const merge = () => {
      try {
        rollingBack(store, () =>
          store.db
            .transaction(() => {
              const outcome = mergeSnapshot(store, records);
              if (outcome.refused.length > 0) {
                refused = outcome.refused;
                throw REFUSED;
              }
              releaseParked(store, outcome.resolved);
              for (const [origin, seq] of claim ?? []) store.log.claim(origin, seq);
              store.clock.persist();
            })
            .immediate(),
        );
      } catch (error) {
        if (error !== REFUSED) throw error;
      }
    };
    if (claim === undefined) this.#durability.relaxed(merge);
    else merge();
    // A refused merge rolled back: its notice is empty, and none is sent.
    this.#feed.committed({ kind: options.kind ?? (claim === undefined ? 'fetch' : 'snapshot'), peer: options.from ?? null });
    return { refused };
  }

  missingRecords(): { model: number; record: string }[] {
    return this.#store.parked.missing();
  }

  get parkedCount(): number {
    return this.#store.parked.count;
  }

  members(): MemberRecord[] {
    this.#open();
    return this.#store.members.all();
  }

  /** Through the library's members, so its listeners (the app's, and the engine's gossip) hear of a change. */
  mergeMembers(records: readonly MemberRecord[]): boolean {
    return this.#host.members.merge(records);
  }

  onMembersChanged(listener: () => void): () => void {
    return this.#host.members.onChange(listener);
  }

  #open(): void {
    if (this.#host.closed) throw new SyncError('library-closed', 'the library is closed');
  }
}
