/**
 * Version vectors: per origin device, a seq meaning "every entry of that origin up to here".
 * Exact resume rests on them (never "the highest clock seen"), so their algebra lives in one place.
 */

/** Per origin, the highest seq up to which every entry is held. */
export type VersionVector = ReadonlyMap<string, number>;

/** Per origin, the greater seq of two vectors (what both together hold). */
export function mergeVectors(a: VersionVector, b: VersionVector): Map<string, number> {
  const result = new Map(a);
  for (const [origin, seq] of b) if (seq > (result.get(origin) ?? 0)) result.set(origin, seq);
  return result;
}

/** Per origin of `a`, the smaller seq of the two (an origin missing from `b` counts as 0). */
export function minimumVector(a: VersionVector, b: VersionVector): Map<string, number> {
  const result = new Map<string, number>();
  for (const [origin, seq] of a) result.set(origin, Math.min(seq, b.get(origin) ?? 0));
  return result;
}

/** How many entries `ahead` holds that `behind` lacks, summed over the origins of `ahead`. */
export function vectorLag(ahead: VersionVector, behind: VersionVector): number {
  let lag = 0;
  for (const [origin, seq] of ahead) lag += Math.max(0, seq - (behind.get(origin) ?? 0));
  return lag;
}

/** Raises `vector` to `seq` for `origin` (vectors only move forward). */
export function raise(vector: Map<string, number>, origin: string, seq: number): void {
  if (seq > (vector.get(origin) ?? 0)) vector.set(origin, seq);
}

/** A text key of a vector, the same for equal vectors whatever their order. */
export function vectorKey(vector: VersionVector): string {
  return [...vector]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([origin, seq]) => `${origin}:${seq}`)
    .join(' ');
}
