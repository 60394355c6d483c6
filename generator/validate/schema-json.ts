/**
 * Reading parsed schema JSON: which values are objects, and JSON pointers to name the place of a
 * problem (`/properties/color/x-sync`).
 */

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One pointer segment: `~` and `/` escaped as RFC 6901 says. */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The pointer of the first `keyword` nested anywhere below `value`, or undefined. */
export function findKeyword(value: unknown, keyword: string, at: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const pointer = `${at}/${escapePointer(key)}`;
    if (key === keyword) return pointer;
    const found = findKeyword(item, keyword, pointer);
    if (found) return found;
  }
  return undefined;
}
