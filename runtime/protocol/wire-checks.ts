/**
 * Checkers of decoded MessagePack values: each returns the checked value or throws a `WireError`
 * naming where it is in the frame and what was expected. They test a value's type before using
 * it and never turn it into text (see `untrusted.ts`): a map key in a message is cut and cleaned.
 */
import { SyncError } from '../core/errors.js';
import type { SqlValue } from '../core/sql-value.js';
import { uuidFromBytes } from '../core/uuid.js';
import { HLC_BYTES } from '../core/hlc.js';
import { untrustedText } from './untrusted.js';

export type WireErrorCode = 'oversized' | 'malformed' | 'unsupported-version' | 'unknown-type';

/** Bytes that are not a well-formed frame of this protocol version. */
export class WireError extends SyncError {
  constructor(
    override readonly code: WireErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}

export function malformed(at: string, expected: string): WireError {
  return new WireError('malformed', `${at}: expected ${expected}`);
}

export function array(value: unknown, at: string, length?: number): unknown[] {
  if (!Array.isArray(value) || (length !== undefined && value.length !== length)) {
    throw malformed(at, length === undefined ? 'an array' : `an array of ${length}`);
  }
  return value;
}

export function uint(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw malformed(at, 'a non-negative integer');
  return value;
}

/**
 * A list of model ids: at most `max` (counted before any id is read), each from 1 to `max`, none
 * in `seen` (the ids of the message's lists so far, which it grows): no id twice in one message.
 */
export function modelIds(value: unknown, at: string, max: number, seen: Set<number>): number[] {
  const items = array(value, at);
  if (items.length > max) throw malformed(at, `at most ${max} model ids`);
  return items.map((item, index) => {
    const id = uint(item, `${at}[${index}]`);
    if (id < 1 || id > max) throw malformed(`${at}[${index}]`, `a model id from 1 to ${max}`);
    if (seen.has(id)) throw malformed(`${at}[${index}]`, 'a model id not listed before');
    seen.add(id);
    return id;
  });
}

/** Records per model: `[[model, count]...]`, at most `max` pairs (counted first), each model from 1 to `max`, none twice. */
export function modelCounts(value: unknown, at: string, max: number): Map<number, number> {
  const items = array(value, at);
  if (items.length > max) throw malformed(at, `at most ${max} models`);
  const counts = new Map<number, number>();
  items.forEach((item, index) => {
    const [model, count] = array(item, `${at}[${index}]`, 2);
    const id = uint(model, `${at}[${index}].model`);
    if (id < 1 || id > max || counts.has(id)) throw malformed(`${at}[${index}].model`, `a model id from 1 to ${max}, not listed before`);
    counts.set(id, uint(count, `${at}[${index}].count`));
  });
  return counts;
}

export function fixedBytes(value: unknown, at: string, length: number): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) throw malformed(at, `${length} bytes`);
  return Buffer.from(value);
}

/** `length` bytes, as lower-case hex. */
export function hexBytes(value: unknown, at: string, length: number): string {
  if (!(value instanceof Uint8Array) || value.length !== length) throw malformed(at, `${length} bytes`);
  return Buffer.from(value.buffer, value.byteOffset, value.length).toString('hex');
}

export function uuid(value: unknown, at: string): string {
  if (!(value instanceof Uint8Array) || value.length !== 16) throw malformed(at, '16 bytes');
  // Read in place: the id is kept as text, the bytes are not.
  return uuidFromBytes(value);
}

/** A map of column values: strings, finite numbers, null or bytes, by field name. */
export function values(value: unknown, at: string): Record<string, SqlValue> {
  const result: Record<string, SqlValue> = {};
  const map = plainMap(value, at);
  for (const key in map) {
    const item = map[key];
    if (item === null || typeof item === 'string' || (typeof item === 'number' && Number.isFinite(item))) result[key] = item;
    else if (item instanceof Uint8Array) result[key] = Buffer.from(item);
    else throw malformed(`${at}.${untrustedText(key)}`, 'a string, a finite number, null or bytes');
  }
  return result;
}

export function clockMap(value: unknown, at: string): Record<string, Uint8Array> {
  const result: Record<string, Uint8Array> = {};
  const map = plainMap(value, at);
  for (const key in map) {
    const item = map[key];
    if (!(item instanceof Uint8Array) || item.length !== HLC_BYTES) throw malformed(`${at}.${untrustedText(key)}`, `${HLC_BYTES} bytes`);
    result[key] = Buffer.from(item);
  }
  return result;
}

/** A plain object (whose prototype has no enumerable keys, so `for...in` sees its own keys only). */
function plainMap(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array || Object.getPrototypeOf(value) !== Object.prototype) {
    throw malformed(at, 'a map');
  }
  return value as Record<string, unknown>;
}
