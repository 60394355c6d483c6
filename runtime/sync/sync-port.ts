/**
 * The sync engine's port: every call the engine makes on a library, and nothing else. The library
 * implements it (`library/library-sync-port.ts`); the engine never sees the library's internals,
 * and a test can drive the engine over any implementation.
 */
import type { SchemaCompatibility } from '../protocol/compatibility.js';
import type { WireRename } from '../protocol/field-names.js';
import type { ChangeEntry } from '../core/change-entry.js';
import type { SyncError } from '../core/errors.js';
import type { MemberRecord } from '../core/member-record.js';
import type { SnapshotRecord } from '../core/snapshot-record.js';
import type { VersionVector } from '../core/version-vector.js';

/** Where merged snapshot records come from, and what a snapshot page claims. */
export interface MergeOptions {
  readonly from: string;
  /** `snapshot`: a page of a snapshot pull; `fetch`: records that parked entries wait for. */
  readonly kind: 'snapshot' | 'fetch';
  readonly claim?: VersionVector | undefined;
}

/** What applying received entries did (see the library's `applyChanges`). */
export interface AppliedBatch {
  /** Entries newly held: what is now relayed. */
  readonly stored: readonly ChangeEntry[];
  /** Entries of the batch that wait for a record that has not arrived. */
  readonly parked: number;
  /** Entries of the batch held already. */
  readonly duplicates: number;
  readonly refused: readonly { readonly error: SyncError }[];
}

/** A page of a model's records, for a peer's snapshot pull. */
export interface SnapshotPage {
  readonly records: SnapshotRecord[];
  /** The record to ask after for the next page; null on the model's last page. */
  readonly next: string | null;
  /** Per origin, every entry up to this seq has its effect in the page. */
  readonly reflects: Map<string, number>;
}

export interface SyncPort {
  readonly deviceId: string;
  readonly libraryId: string;
  /** This device's schema version and the oldest it syncs with (`protocol/compatibility.ts`). */
  readonly schema: SchemaCompatibility;
  /** The fields this device's schema history renamed, by model id: peers of older versions use the old names (`protocol/field-names.ts`). */
  readonly renames: readonly WireRename[];
  /** The library was closed: the engine does nothing more with it. */
  readonly closed: boolean;
  /** The model ids, parents before children: the order of a snapshot pull. */
  readonly modelIds: readonly number[];
  /** One of `modelIds`, or a model of a newer schema this device holds something of (it answers for its pages). */
  knowsModel(model: number): boolean;
  /** Models of newer schemas this device holds records of: it serves their pages (a peer that does not know them pulls them too). */
  heldModelIds(): number[];
  /** Whether a model is device-owned (its changes travel in State messages, shared ones in SharedChange messages). */
  isOwnedModel(model: number): boolean;

  /** This device's version vector. */
  cursors(): Map<string, number>;
  /** The log entries a peer holding `vector` lacks, in HLC order, at most `limit`. */
  missingFrom(vector: VersionVector, limit: number): ChangeEntry[];
  /** Calls `listener` after each commit that added log entries (local writes, and received entries to relay). */
  onCommit(listener: (entries: readonly ChangeEntry[]) => void): () => void;
  /**
   * Applies entries received from `from` in one transaction; with `durable: false` it does not wait for the disk, and
   * `makeDurable` must run before they are acknowledged.
   */
  applyChanges(entries: readonly unknown[], options: { readonly durable: boolean; readonly from: string }): AppliedBatch;
  /** Makes every commit so far durable. */
  makeDurable(): void;

  /** Records (durably, lazily) what a peer acknowledged holding. */
  recordPeerAck(peer: string, vector: VersionVector): void;
  /** What a peer last acknowledged holding. */
  peerAcks(peer: string): Map<string, number>;
  /** Per origin, the seq up to which the log was pruned. */
  pruneFloor(): Map<string, number>;
  /** Prunes entries every peer seen within `retentionMs` acknowledged; returns how many. */
  prune(retentionMs: number): number;

  /** One page of a model's records after a record, with the vector it reflects. */
  snapshotPage(model: number, after: string | null, limit: number): SnapshotPage;
  /**
   * Per model this device serves snapshot pages of, how many records (rows and tombstones) its
   * pages hold now: a puller's expected total. Optional: a port without it serves pages without counts.
   */
  snapshotCounts?(): Map<number, number>;
  /** The records asked for, those this device knows of. */
  snapshotRecords(records: readonly { model: number; record: string }[]): SnapshotRecord[];
  /**
   * Merges snapshot records `from` a peer (a snapshot page, or records fetched for parked entries); with `claim`, records
   * that everything up to it is held (unless a record was refused).
   */
  mergeSnapshot(records: readonly SnapshotRecord[], options: MergeOptions): { readonly refused: readonly { readonly error: SyncError }[] };
  /** The records that parked entries wait for. */
  missingRecords(): { model: number; record: string }[];
  /** How many received entries wait for a record. */
  readonly parkedCount: number;

  /** The library's membership: every record (`core/member-record.ts`), removed devices included. */
  members(): MemberRecord[];
  /** Merges member records a peer sent; returns whether the membership changed. */
  mergeMembers(records: readonly MemberRecord[]): boolean;
  /** Calls `listener` after each change of the membership (local, or merged); returns the unsubscribe. */
  onMembersChanged(listener: () => void): () => void;
}
