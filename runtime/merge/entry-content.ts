/**
 * What an entry says, as opposed to where it sits (origin, seq): its clock, model, record, kind and
 * data. Two devices that hold the same (origin, seq) must hold the same content; a duplicate that
 * differs is an equivocation. Compared only for duplicates, so the normal path pays nothing.
 */
import { createHash } from 'node:crypto';
import { KIND_CODE, packData, unpackData, type ChangeEntry } from '../core/change-entry.js';
import type { SqlValue } from '../core/sql-value.js';
import type { LogRow } from '../store/sync-log.js';

/** Whether a received entry says what the held one (as stored) says. */
export function sameContent(held: LogRow, entry: ChangeEntry): boolean {
  if (held.model !== entry.model || held.record !== entry.record || held.kind !== KIND_CODE[entry.kind]) return false;
  if (Buffer.compare(held.hlc, entry.hlc) !== 0) return false;
  if (held.data === null || entry.data === null) return held.data === entry.data;
  // The same bytes when relayed as stored (the usual case); else the same fields in another order.
  const packed = packData(entry.data)!;
  return Buffer.compare(held.data, packed) === 0 || sameData(unpackData(held.data)!, entry.data);
}

/** A digest of an entry's content, to name each version in a report (computed only when two differ). */
export function contentDigest(entry: ChangeEntry): string {
  const hash = createHash('sha256').update(entry.hlc).update(`\0${entry.model}\0${entry.record}\0${entry.kind}\0`);
  if (entry.data === null) return hash.digest('hex');
  for (const name of Object.keys(entry.data).sort()) {
    const value = entry.data[name]!;
    hash.update(`${name}\0`);
    // The type as well as the value: 1 and '1' are different content.
    if (value instanceof Uint8Array) hash.update('bytes\0').update(value);
    else if (typeof value === 'object' && value !== null) hash.update('plain\0').update(packData({ value })!);
    else hash.update(`${value === null ? 'null' : typeof value}\0${String(value)}`);
    hash.update('\0');
  }
  return hash.digest('hex');
}

function sameData(a: Readonly<Record<string, SqlValue>>, b: Readonly<Record<string, SqlValue>>): boolean {
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  for (const name of names) {
    if (!Object.hasOwn(b, name)) return false;
    const x = a[name]!;
    const y = b[name]!;
    if (x instanceof Uint8Array && y instanceof Uint8Array) {
      if (Buffer.compare(x, y) !== 0) return false;
    } else if (typeof x === 'object' && x !== null && typeof y === 'object' && y !== null) {
      // A field this schema does not know may hold an array or a map (`core/plain-value.ts`).
      if (Buffer.compare(packData({ x })!, packData({ x: y })!) !== 0) return false;
    } else if (x !== y) return false;
  }
  return true;
}
