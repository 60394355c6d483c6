/**
 * A change entry: one create, update or delete of one record, as it is logged, relayed and applied.
 *
 * `data` holds column values (as the adapters' codecs encode them) by field name, never the key:
 * - insert: every field (a hybrid model's perDevice fields are the origin device's values);
 * - update: logBased, the changed shared fields; stateBased, the whole new state; hybrid, the changed
 *   shared fields plus, when any perDevice field changed, all of the origin's perDevice fields
 *   (per-device values are owner state, so they travel whole);
 * - delete: null.
 * Field names, not positions, so that entries stay readable across additive schema migrations.
 */
import { Packr } from 'msgpackr';
import type { SqlValue } from './sql-value.js';

export type ChangeKind = 'insert' | 'update' | 'delete';

export interface ChangeEntry {
  /** The device that made the change. */
  readonly origin: string;
  /** Position in the origin's log: 1, 2, 3, ... without gaps. */
  readonly seq: number;
  /** The change's HLC, encoded (24 bytes). */
  readonly hlc: Uint8Array;
  /** The model's numeric id. */
  readonly model: number;
  /** The record's primary key. */
  readonly record: string;
  readonly kind: ChangeKind;
  readonly data: Readonly<Record<string, SqlValue>> | null;
}

export const KIND_CODE: Readonly<Record<ChangeKind, number>> = { insert: 1, update: 2, delete: 3 };
export const KIND_BY_CODE: Readonly<Record<number, ChangeKind>> = { 1: 'insert', 2: 'update', 3: 'delete' };

/** Self-contained MessagePack (no shared record structures) for data stored in the log. */
const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export function packData(data: Readonly<Record<string, SqlValue>> | null): Uint8Array | null {
  return data === null ? null : packr.pack(data);
}

export function unpackData(bytes: Uint8Array | null): Record<string, SqlValue> | null {
  return bytes === null ? null : (packr.unpack(bytes) as Record<string, SqlValue>);
}
