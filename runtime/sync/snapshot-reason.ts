/**
 * When to catch up from a snapshot instead of replaying a peer's log. Both sides apply the same
 * rule: the device that pulls, and the peer that expects the pull (and holds entries back meanwhile).
 */
import type { VersionVector } from '../core/version-vector.js';

/**
 * Why a device holding `held` should pull a snapshot from a peer holding `peer` (pruned up to
 * `floor`) rather than replay the peer's log, or null: it is behind the floor for some origin (the
 * log no longer has what it lacks), or it lacks more than `snapshotLag` entries and at least half
 * of the peer's (a snapshot carries every record, so it pays off only when most of the log is
 * missing: a new device).
 */
export function snapshotReason(held: VersionVector, peer: VersionVector, floor: VersionVector, snapshotLag: number): string | null {
  const behind = [...floor].filter(([origin, seq]) => (held.get(origin) ?? 0) < seq).length;
  if (behind > 0) return `behind the peer's pruned log for ${behind} origin(s)`;
  let lag = 0;
  let total = 0;
  for (const [origin, seq] of peer) {
    lag += Math.max(0, seq - (held.get(origin) ?? 0));
    total += seq;
  }
  return lag > snapshotLag && 2 * lag >= total ? `${lag} of the peer's ${total} entries missing` : null;
}
