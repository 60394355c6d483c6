/**
 * What this device's snapshot pages hold, counted per model (`SyncPort.snapshotCounts`): a peer
 * pulling a snapshot asks for it with its first page, for its progress's expected total. A model of
 * this schema serves its rows and tombstones; a model of a newer schema, the whole records held of
 * it (`store/quarantine.ts`). One count per table, once per pull served.
 */
import { countRows } from '../store/model-tables.js';
import { countPerModel } from '../store/sync-table-counts.js';
import type { Store } from '../store/store.js';

export function snapshotCounts(store: Store): Map<number, number> {
  const counts = new Map<number, number>();
  for (const [id, model] of store.stores) counts.set(id, countRows(store.db, model.adapter.table));
  for (const { model, count } of countPerModel(store.db, '_sync_tombstone')) counts.set(model, (counts.get(model) ?? 0) + count);
  // A model this schema knows holds only fields of newer schemas there (not records of their own); others, whole records.
  for (const { model, count } of countPerModel(store.db, '_sync_quarantine_record')) if (!store.stores.has(model)) counts.set(model, count);
  return counts;
}
