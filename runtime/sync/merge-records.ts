/** Merging snapshot records a peer sent (a snapshot page, or fetched records); refusals are counted and told. */
import type { SnapshotRecord } from '../core/snapshot-record.js';
import type { VersionVector } from '../core/version-vector.js';
import type { PeerState } from './peer-state.js';
import { reportRefusals } from './refusals.js';
import type { SyncContext } from './sync-context.js';

/** Merges the records (and claims `claim` with them); false when some were refused. */
export function mergeRecords(
  ctx: SyncContext,
  state: PeerState,
  records: readonly SnapshotRecord[],
  kind: 'snapshot' | 'fetch',
  claim?: VersionVector,
): boolean {
  const { refused } = ctx.port.mergeSnapshot(records, { from: state.id, kind, claim });
  // One refused record refuses them all (none is merged); each kind is reported.
  if (refused.length > 0) reportRefusals(ctx, state, refused, records.length, 'snapshot records');
  return refused.length === 0;
}
