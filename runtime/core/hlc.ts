/**
 * Hybrid Logical Clock: pure functions, with the wall time and the drift bound passed in.
 *
 * A clock is wall milliseconds (48 bits) + a counter (16 bits) + the device id that issued it.
 * Clocks are totally ordered by (wallMs, counter, device); the 24-byte encoding
 * `wallMs (6, big-endian) | counter (2, big-endian) | device uuid (16)` sorts byte-wise exactly as
 * clocks compare, so SQLite can compare encoded clocks with `>` (memcmp on BLOBs).
 *
 * `send` and `receive` never return a clock below the last one: not when the wall clock is behind
 * it, not when a remote clock is ahead of the wall clock. A counter overflow carries into the
 * milliseconds. A remote clock more than `maxDriftMs` ahead of the wall clock is refused.
 */
import { SyncError } from './errors.js';
import { UUID_PATTERN, uuidFromBytes, uuidToBytes } from './uuid.js';

export interface Hlc {
  readonly wallMs: number;
  readonly counter: number;
  /** The issuing device's UUID, lower case. */
  readonly device: string;
}

export const HLC_BYTES = 24;
export const MAX_WALL_MS = 2 ** 48 - 1;
export const MAX_COUNTER = 0xffff;
/** The default drift bound: a remote clock at most 5 minutes ahead of ours is accepted. */
export const DEFAULT_MAX_DRIFT_MS = 5 * 60 * 1000;

/** A remote clock beyond the drift bound. The change that carried it is not applied (and not lost:
 * its sender keeps it and retries). */
export class ClockDriftError extends SyncError {
  constructor(
    readonly remote: Hlc,
    readonly wallMs: number,
    readonly maxDriftMs: number,
  ) {
    super(
      'clock-drift',
      `clock of device ${remote.device} is ${remote.wallMs - wallMs} ms ahead of this device's wall clock ` +
        `(the bound is ${maxDriftMs} ms); its change is refused until the clocks agree (check the devices' time settings)`,
    );
  }
}

/** Bytes that are not an encoded clock. */
export class HlcFormatError extends SyncError {
  constructor(reason: string) {
    super('invalid-clock', `invalid HLC: ${reason}`);
  }
}

/** The clock before any event of a device. */
export function initialHlc(device: string): Hlc {
  if (!UUID_PATTERN.test(device)) throw new HlcFormatError(`the device id ${JSON.stringify(device)} is not a lower-case UUID`);
  return { wallMs: 0, counter: 0, device };
}

/** The clock of a local event after `last`, at wall time `now`. */
export function send(last: Hlc, now: number): Hlc {
  const wall = Math.max(last.wallMs, Math.floor(now));
  return carry(wall, wall === last.wallMs ? last.counter + 1 : 0, last.device);
}

export type ReceiveResult = { readonly ok: true; readonly clock: Hlc } | { readonly ok: false; readonly error: ClockDriftError };

/**
 * Merges a remote clock into the local one at wall time `now`: the result is greater than both.
 * Refuses a remote clock more than `maxDriftMs` ahead of `now`.
 */
export function receive(last: Hlc, remote: Hlc, now: number, maxDriftMs: number = DEFAULT_MAX_DRIFT_MS): ReceiveResult {
  const wallNow = Math.floor(now);
  if (remote.wallMs - wallNow > maxDriftMs) return { ok: false, error: new ClockDriftError(remote, wallNow, maxDriftMs) };
  const wall = Math.max(last.wallMs, remote.wallMs, wallNow);
  let counter: number;
  if (wall === last.wallMs && wall === remote.wallMs) counter = Math.max(last.counter, remote.counter) + 1;
  else if (wall === last.wallMs) counter = last.counter + 1;
  else if (wall === remote.wallMs) counter = remote.counter + 1;
  else counter = 0;
  return { ok: true, clock: carry(wall, counter, last.device) };
}

function carry(wallMs: number, counter: number, device: string): Hlc {
  const clock = counter > MAX_COUNTER ? { wallMs: wallMs + 1, counter: 0, device } : { wallMs, counter, device };
  if (clock.wallMs > MAX_WALL_MS) throw new HlcFormatError('the wall clock passed the 48-bit range');
  return clock;
}

/** Total order: wall time, then counter, then device id. */
export function compareHlc(a: Hlc, b: Hlc): number {
  if (a.wallMs !== b.wallMs) return a.wallMs < b.wallMs ? -1 : 1;
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  return a.device < b.device ? -1 : a.device > b.device ? 1 : 0;
}

/** `deviceBytes`: the clock's device as 16 bytes, when the caller keeps them (a library encodes its own device's clocks again and again). */
export function encodeHlc(clock: Hlc, deviceBytes?: Uint8Array): Uint8Array {
  const bytes = Buffer.allocUnsafe(HLC_BYTES);
  bytes.writeUIntBE(clock.wallMs, 0, 6);
  bytes.writeUInt16BE(clock.counter, 6);
  if (deviceBytes) bytes.set(deviceBytes, 8);
  else bytes.set(uuidToBytes(clock.device), 8);
  return bytes;
}

export function decodeHlc(bytes: Uint8Array): Hlc {
  if (!(bytes instanceof Uint8Array) || bytes.length !== HLC_BYTES) {
    throw new HlcFormatError(`expected ${HLC_BYTES} bytes, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`);
  }
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  return { wallMs: buffer.readUIntBE(0, 6), counter: buffer.readUInt16BE(6), device: uuidFromBytes(buffer, 8) };
}

/** `1716552000000.0003@device`: for logs and error messages. */
export function formatHlc(clock: Hlc): string {
  return `${clock.wallMs}.${String(clock.counter).padStart(4, '0')}@${clock.device}`;
}
