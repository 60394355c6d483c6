/**
 * Plain values: what a device keeps of a field it does not know (a field a newer schema added).
 * It cannot check such a value against the field's type, so it checks that it is plain data that
 * MessagePack carries unchanged: a string, a finite number, a boolean, null, bytes, or an array or
 * map of those, nested at most `MAX_PLAIN_DEPTH` deep. The frame limit bounds its size. Kept as
 * received, it is relayed byte for byte and checked against its field when the device upgrades.
 */

/** A field name of the schema language (camelCase letters and digits, as `generator/validate/names.ts` checks), at most 128 characters. */
export const FIELD_NAME = /^[a-z][A-Za-z0-9]{0,127}$/;

/** How deep arrays and maps may nest in a plain value (a deeper one could exhaust the stack of whoever walks it). */
export const MAX_PLAIN_DEPTH = 32;

/** Why a value is not plain data, or null. Never calls a method of the value. */
export function plainValueProblem(value: unknown, depth = 0): string | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : 'not a finite number';
  if (typeof value !== 'object') return `a ${typeof value} is not plain data`;
  if (value instanceof Uint8Array) return null;
  if (depth >= MAX_PLAIN_DEPTH) return `nested deeper than ${MAX_PLAIN_DEPTH}`;
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = plainValueProblem(item, depth + 1);
      if (problem !== null) return problem;
    }
    return null;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return 'an object that is not a plain map';
  for (const key in value) {
    const problem = plainValueProblem((value as Record<string, unknown>)[key], depth + 1);
    if (problem !== null) return problem;
  }
  return null;
}
