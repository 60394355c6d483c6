/**
 * Parked changes wait for a record that has not arrived. When records arrive or are deleted, the
 * changes parked on them are applied again (transitively: what they create may release others).
 */
import type { MissingRecord } from '../store/parked-changes.js';
import { storeById, type Store } from '../store/store.js';
import { applyEntry } from './apply-entry.js';

export function releaseParked(store: Store, resolved: readonly MissingRecord[]): void {
  const queue = [...resolved];
  while (queue.length > 0) {
    for (const { origin, seq } of store.parked.release(queue.pop()!)) {
      const entry = store.log.entry(origin, seq)!;
      const result = applyEntry(store, storeById(store, entry.model), entry);
      if (result.parkOn) store.parked.park(origin, seq, result.parkOn);
      else queue.push(...result.resolved);
    }
  }
}
