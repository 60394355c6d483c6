/**
 * Words for values a peer sent, for refusals, errors and logs.
 *
 * A decoded frame holds whatever MessagePack and msgpackr's extensions can make: a BigInt, a map
 * whose `toString` key holds a number (so `String(value)` and template literals throw), an Error
 * whose name is a map, a string of megabytes with control characters. These functions never call
 * a method of the value (no `toString`, `valueOf`, `Symbol.toPrimitive` or `toJSON`), never throw,
 * and stay short; they name an object by its type only.
 */

/** Characters of a peer's text kept in a description. */
const MAX_TEXT = 64;
/** Control characters and line breaks: a peer's text must not forge lines in a log. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** A short description of an untrusted value: a primitive's value (a string quoted and cut), or an object's type. */
export function describeUntrusted(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(cut(value, MAX_TEXT));
    case 'number':
    case 'boolean':
      // A primitive's own conversion: no code of the peer's runs.
      return String(value);
    case 'bigint':
      // Not its digits: a BigInt of megabytes takes long to print.
      return 'a BigInt';
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
  }
  if (value === null) return 'null';
  try {
    // A Proxy runs code on `Array.isArray`, `instanceof` and property reads: hence the try.
    if (Array.isArray(value)) return `an array of ${value.length}`;
    if (value instanceof Uint8Array) return `${value.length} bytes`;
    return Object.getPrototypeOf(value) === Object.prototype ? 'a map' : 'an object';
  } catch {
    return 'an object';
  }
}

/** A peer's text as it may appear in a message: cut to `max` characters, control characters replaced; anything else described. */
export function untrustedText(value: unknown, max = MAX_TEXT): string {
  return typeof value === 'string' ? cut(value, max).replace(UNPRINTABLE, '?') : describeUntrusted(value);
}

/** The message of something thrown while handling untrusted input, safe to print. */
export function describeError(error: unknown): string {
  try {
    if (error instanceof Error && typeof error.message === 'string') return untrustedText(error.message, 200);
  } catch {
    // A getter on a thrown object: fall through to its type.
  }
  return `a thrown ${describeUntrusted(error)}`;
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
