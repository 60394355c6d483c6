/**
 * The conflict rules, each written once. Local writes (`local-writes.ts`), remote entries
 * (`apply-entries.ts`) and snapshot records (`snapshot-merge.ts`) all decide by these functions;
 * what differs between the paths is only what they do with a verdict (a local write throws, a
 * remote entry is refused, parked or dropped).
 *
 * | rule | here |
 * | --- | --- |
 * | device-owned data has one writer, its owner | `checkOwner`, `checkWriter` (a remote change or snapshot record, by the device whose clock it carries) |
 * | a cascade reference is fixed at create | `changedCascadeReference` |
 * | deletes win: a deleted record never comes back | `isDeleted` (and `delete-cascade.ts` for what a delete takes with it) |
 * | a record is deleted without a clock of its own only by a cascade from a deleted parent | `hasCascadeReference`, `cascadeParentDeleted` |
 * | a reference to a deleted record: `cascade` deletes the referrer, `setNull` clears the field | `resolveReferences` |
 * | a reference to a record that has not arrived waits for it | `resolveReferences` (`wait`) |
 * | last writer wins per field, by HLC; a newer owner version replaces the state | the merge and upsert SQL of each adapter (`generator/layout/adapter-sql.ts`), run by `ModelStore` |
 *
 * Why a cascade reference is fixed: a device that hears of a parent's delete must reach the same
 * verdict on the child whatever else it has heard, which a movable child would not allow.
 */
import { NotOwnerError } from '../core/errors.js';
import type { ReferenceDescriptor } from '../contract/model-adapter.js';
import type { ModelStore, Values } from '../store/model-store.js';
import type { MissingRecord } from '../store/parked-changes.js';
import type { Store } from '../store/store.js';

/** Whether a record was deleted. Deletes are final: any later or concurrent change to it is void. */
export function isDeleted(store: Store, model: number, id: string): boolean {
  return store.tombstones.has(model, id);
}

/** The device a record of a stateBased model belongs to, as `values` (its fields, or its stored row) say. */
export function ownerOf(model: ModelStore, id: string, values: Readonly<Values>): unknown {
  const { owner, primaryKey } = model.adapter;
  return owner === primaryKey ? id : values[owner!];
}

/** Device-owned data is written only by its owner: `writer` must be the device that `values` name. */
export function checkOwner(model: ModelStore, id: string, values: Readonly<Values>, writer: string): void {
  if (model.adapter.owner === null) return;
  const owner = ownerOf(model, id, values);
  if (owner !== writer) throw new NotOwnerError(model.name, id, String(owner), writer);
}

/**
 * The owner rule for a change that `writer` made (a remote entry's origin, or the device whose clock
 * a snapshot record carries): the record's owner, as its new values say and as its stored row
 * `current` says, must be `writer`. A record keyed by its owner (a Device) names it by its id
 * alone, so even a delete of one that is not held is checked.
 */
export function checkWriter(model: ModelStore, id: string, values: Readonly<Values> | null, current: Readonly<Values> | undefined, writer: string): void {
  const { owner, primaryKey } = model.adapter;
  if (owner === null) return;
  if (values) checkOwner(model, id, values, writer);
  if (current) checkOwner(model, id, current, writer);
  else if (!values && owner === primaryKey) checkOwner(model, id, {}, writer);
}

/** Whether the model has a cascade reference: only then can its records be deleted by a cascade. */
export function hasCascadeReference(model: ModelStore): boolean {
  for (const reference of model.adapter.references) if (reference.onDelete === 'cascade') return true;
  return false;
}

/** Whether a record (its stored row) points by a cascade reference to a deleted record: then a cascade deletes it. */
export function cascadeParentDeleted(store: Store, model: ModelStore, row: Readonly<Values>): boolean {
  for (const reference of model.adapter.references) {
    const parent = row[reference.field];
    if (reference.onDelete !== 'cascade' || typeof parent !== 'string') continue;
    if (isDeleted(store, store.storesByName.get(reference.model)!.adapter.id, parent)) return true;
  }
  return false;
}

/**
 * The cascade reference that `values` would change from `current` (the stored row), or null. A
 * cascade reference is fixed at create: an update may repeat it, never change it.
 */
export function changedCascadeReference(model: ModelStore, current: Readonly<Values>, values: Readonly<Values>): ReferenceDescriptor | null {
  for (const reference of model.adapter.references) {
    if (reference.onDelete === 'cascade' && reference.field in values && values[reference.field] !== current[reference.field]) return reference;
  }
  return null;
}

/** The first cascade reference that `values` carry, or null (an update may carry one only to repeat it). */
export function carriedCascadeReference(model: ModelStore, values: Readonly<Values>): ReferenceDescriptor | null {
  for (const reference of model.adapter.references) if (reference.onDelete === 'cascade' && reference.field in values) return reference;
  return null;
}

/** Whether `values` set any reference (only then can a change's references affect it). */
export function setsReference(model: ModelStore, values: Readonly<Values>): boolean {
  for (const reference of model.adapter.references) if (reference.field in values) return true;
  return false;
}

export type ReferenceState = { readonly state: 'present' } | { readonly state: 'deleted' } | { readonly state: 'missing'; readonly missing: MissingRecord };

/** Whether the record a reference points to is here, was deleted, or has not arrived. */
export function referenceState(store: Store, targetModel: string, id: string): ReferenceState {
  const target = store.storesByName.get(targetModel)!;
  if (target.exists(id)) return { state: 'present' };
  if (isDeleted(store, target.adapter.id, id)) return { state: 'deleted' };
  return { state: 'missing', missing: { model: target.adapter.id, record: id } };
}

/** What a change's references make of it. */
export type ReferenceVerdict =
  /** Write these values (a `setNull` reference to a deleted record cleared). */
  | { readonly verdict: 'write'; readonly values: Readonly<Values> }
  /** A referenced record has not arrived: wait for it. */
  | { readonly verdict: 'wait'; readonly missing: MissingRecord }
  /** A `cascade` reference points to a deleted record: the record is deleted too. */
  | { readonly verdict: 'delete' };

/**
 * Applies the rules for references to deleted and missing records. `lookup(context, model, id)`
 * says where each referenced record stands (`referenceState` for entries; a snapshot, whose pages
 * may bring a missing record later, never reports one as missing). A cleared field keeps its
 * clock, so a later write still wins over it.
 */
export function resolveReferences<C>(
  model: ModelStore,
  values: Readonly<Values>,
  lookup: (context: C, targetModel: string, id: string) => ReferenceState,
  context: C,
): ReferenceVerdict {
  let resolved = values;
  for (const reference of model.adapter.references) {
    const value = values[reference.field];
    if (value === undefined || value === null) continue;
    const target = lookup(context, reference.model, value as string);
    if (target.state === 'missing') return { verdict: 'wait', missing: target.missing };
    if (target.state === 'deleted') {
      if (reference.onDelete === 'cascade') return { verdict: 'delete' };
      if (resolved === values) resolved = { ...values };
      (resolved as Values)[reference.field] = null;
    }
  }
  return { verdict: 'write', values: resolved };
}
