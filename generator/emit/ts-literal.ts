/**
 * Prints JSON-like values as TypeScript source: single-quoted strings, bare identifier keys.
 * Deterministic: keys keep their insertion order.
 */
import { tsStringLiteral as tsString } from 'syncgen/contract';

export { tsString };

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function tsLiteral(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return tsString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(tsLiteral).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    if (entries.length === 0) return '{}';
    return `{ ${entries.map(([key, item]) => `${IDENTIFIER.test(key) ? key : tsString(key)}: ${tsLiteral(item)}`).join(', ')} }`;
  }
  throw new TypeError(`cannot print ${typeof value} as a TypeScript literal`);
}

/** `'a' | 'b'`, or `never` for none. */
export function tsUnion(names: readonly string[]): string {
  return names.length === 0 ? 'never' : names.map(tsString).join(' | ');
}
