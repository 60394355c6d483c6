/**
 * UUIDs as the runtime keeps them: lower-case text in records, ids and the log; 16 bytes on the
 * wire and inside encoded clocks. One pattern, one conversion each way.
 */

/** A lower-case UUID (8-4-4-4-12 hex digits). Keys, device and library ids are stored this way. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether a value is a lower-case UUID. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

/** The 16 bytes of a UUID's text (lower or upper case). */
export function uuidToBytes(id: string): Buffer {
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}

/** The lower-case text of 16 bytes at `offset`, read in place. */
export function uuidFromBytes(bytes: Uint8Array, offset = 0): string {
  const hex = (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)).toString('hex', offset, offset + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
