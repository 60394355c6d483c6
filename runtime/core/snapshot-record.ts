/**
 * A record as a snapshot carries it: its current values with their original clocks, or its
 * tombstone. Snapshot pages (a new device's catch-up) and fetched records travel in this form, and
 * merging one follows the same rules as applying change entries.
 */
import type { SqlValue } from './sql-value.js';

export interface SnapshotRecord {
  readonly model: number;
  readonly record: string;
  /** The record was deleted; then it has no values. */
  readonly deleted: boolean;
  /** The smallest HLC of the record's own deletes; null when only a cascade deleted it. */
  readonly deleteClock: Uint8Array | null;
  readonly values: Readonly<Record<string, SqlValue>> | null;
  /** The HLCs of the shared fields updated since the create (logBased and hybrid); the others have the create clock. */
  readonly clocks: Readonly<Record<string, Uint8Array>> | null;
  /** The owner's version (stateBased), or the record's create clock (logBased and hybrid). */
  readonly version: Uint8Array | null;
  /** A hybrid model's perDevice values, per device. */
  readonly devices: readonly SnapshotDeviceRow[];
}

/** One device's perDevice values of a hybrid record, versioned by that device's HLC. */
export interface SnapshotDeviceRow {
  readonly device: string;
  readonly values: Readonly<Record<string, SqlValue>>;
  readonly version: Uint8Array;
}
