/**
 * Applying one held change entry to the tables, by the rules of `conflict-rules.ts`:
 * - a delete: tombstone and delete, with the schema's cascade / setNull on references to it;
 *   deletes are final, so any change to a tombstoned record, whatever its clock, is ignored;
 * - a reference to a record that has not arrived, or an update of a record whose create has not
 *   arrived: parked (the entry stays in the log, applied when that record arrives or is deleted);
 * - a reference to a deleted record: `cascade` deletes this record too, `setNull` clears the field;
 * - stateBased: the whole state, written only when its version (the owner's HLC) is newer;
 * - logBased: each field written only when its clock is newer than the stored field's clock;
 * - hybrid: shared fields as logBased, perDevice fields as the origin device's own state.
 * The entry was validated (`validate-entry.ts`) when it arrived. What is applied are its known
 * values, fields it lacks filled in (`fill-defaults.ts`): `values` when the caller has them.
 */
import type { ChangeEntry } from '../core/change-entry.js';
import type { ModelStore, Values } from '../store/model-store.js';
import type { MissingRecord } from '../store/parked-changes.js';
import type { Store } from '../store/store.js';
import { isDeleted, referenceState, resolveReferences, setsReference } from './conflict-rules.js';
import { applyDelete, deleteWithChildren } from './delete-cascade.js';
import { applicableValues } from './fill-defaults.js';

export interface EntryResult {
  /** The record this entry waits for; nothing was written. */
  readonly parkOn?: MissingRecord;
  /** Records that now exist or were deleted: changes parked on them can be applied. */
  readonly resolved: readonly MissingRecord[];
}

const NOTHING: EntryResult = { resolved: [] };

export function applyEntry(store: Store, model: ModelStore, entry: ChangeEntry, values?: Values | null): EntryResult {
  const { adapter } = model;
  const self = { model: adapter.id, record: entry.record };
  if (entry.kind === 'delete') return { resolved: applyDelete(store, model, entry.record, entry.hlc) };
  const given = values ?? applicableValues(model, entry.kind, entry.data!);
  // A logBased update that sets no reference merges into the row if there is one: a row means the
  // record is not deleted (a delete removes its row for good), so only a missing row asks the tombstones.
  const rowFirst = entry.kind === 'update' && !model.isStateBased && !setsReference(model, given);
  if (!rowFirst && isDeleted(store, adapter.id, entry.record)) return NOTHING;

  const verdict = resolveReferences(model, given, referenceState, store);
  if (verdict.verdict === 'wait') return { parkOn: verdict.missing, resolved: [] };
  if (verdict.verdict === 'delete') return { resolved: deleteWithChildren(store, model, entry.record, null) };
  const data = verdict.values;

  if (model.isStateBased) {
    model.upsert(entry.record, data, entry.hlc);
    return { resolved: [self] };
  }
  const shared: Values = {};
  const device: Values = {};
  let hasShared = false;
  let hasDevice = false;
  for (const name in data) {
    if (model.fields.get(name)!.perDevice) {
      device[name] = data[name]!;
      hasDevice = true;
    } else {
      shared[name] = data[name]!;
      hasShared = true;
    }
  }
  if (entry.kind === 'insert') {
    if (hasShared) model.upsert(entry.record, shared, entry.hlc);
  } else if (hasShared ? !model.merge(entry.record, shared, entry.hlc) : !model.exists(entry.record)) {
    // No row (the merge wrote nothing): the record was deleted, or its create has not arrived.
    if (rowFirst && isDeleted(store, adapter.id, entry.record)) return NOTHING;
    return { parkOn: self, resolved: [] };
  }
  if (hasDevice) model.upsertDevice(entry.record, entry.origin, device, entry.hlc);
  return { resolved: entry.kind === 'insert' ? [self] : [] };
}
