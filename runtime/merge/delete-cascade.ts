/**
 * Deleting a record, on every device alike: its tombstone, its rows, and what references it.
 * `cascade` children are deleted too (tombstoned without a clock), `setNull` references cleared.
 *
 * Cascade references never change after a record's create (see `conflict-rules.ts`), so whether a
 * record is deleted depends only on which deletes a device holds, never on their order.
 */
import type { ModelStore } from '../store/model-store.js';
import type { MissingRecord } from '../store/parked-changes.js';
import type { Store } from '../store/store.js';
import { isDeleted } from './conflict-rules.js';

/**
 * `hlc` is the record's own delete clock, or null when a cascade deletes it. Returns every record
 * tombstoned, so that changes parked on them can be released.
 */
export function deleteWithChildren(store: Store, model: ModelStore, id: string, hlc: Uint8Array | null): MissingRecord[] {
  const removed: MissingRecord[] = [];
  const pending: [ModelStore, string, Uint8Array | null][] = [[model, id, hlc]];
  const { changes } = store;
  try {
    while (pending.length > 0) {
      const [current, record, clock] = pending.pop()!;
      store.tombstones.add(current.adapter.id, record, clock);
      // A record deleted without a clock of its own goes with its parent: the change feed says so.
      changes.cascading = clock === null;
      current.delete(record);
      removed.push({ model: current.adapter.id, record });
      changes.cascading = true;
      for (const { child, reference, selectChildren, clearReference } of current.children) {
        if (reference.onDelete === 'cascade') {
          for (const childId of selectChildren.all(record) as string[]) pending.push([child, childId, null]);
        } else {
          clearReference!.run(record);
        }
      }
    }
  } finally {
    changes.cascading = false;
  }
  return removed;
}

/**
 * A delete that arrived from a peer (an entry, or a snapshot's tombstone): the record and its
 * children go, or, deleted already (by a cascade, or another delete), its tombstone keeps the
 * smallest clock of its own deletes. Returns the records tombstoned now.
 */
export function applyDelete(store: Store, model: ModelStore, id: string, hlc: Uint8Array | null): MissingRecord[] {
  if (!isDeleted(store, model.adapter.id, id)) return deleteWithChildren(store, model, id, hlc);
  store.tombstones.add(model.adapter.id, id, hlc);
  return [];
}
