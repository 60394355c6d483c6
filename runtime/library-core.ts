/**
 * The parts of an open library that the write path and the apply path share: the connection, one
 * `ModelStore` per model (with the references between them), tombstones, parked changes, the
 * sync log and the clock. Plus the small rules both paths follow: encoding a field, resolving a
 * reference, deleting a record with its children.
 */
import type Database from 'better-sqlite3';
import { ValueError } from './column-codecs.js';
import { FieldValueError, UnknownModelError } from './errors.js';
import type { LibraryClock } from './library-clock.js';
import type { FieldDescriptor, SqlValue } from './model-adapter.js';
import { ModelStore } from './model-store.js';
import type { MissingRecord, ParkedChanges } from './parked-changes.js';
import type { Registry } from './registry.js';
import type { SyncLog } from './sync-log.js';
import type { Tombstones } from './tombstones.js';

export interface LibraryCore {
  readonly db: Database.Database;
  readonly deviceId: string;
  readonly registry: Registry;
  readonly stores: ReadonlyMap<number, ModelStore>;
  readonly storesByName: ReadonlyMap<string, ModelStore>;
  readonly tombstones: Tombstones;
  readonly parked: ParkedChanges;
  readonly log: SyncLog;
  readonly clock: LibraryClock;
}

/** One store per model, each knowing the references of other models to it. */
export function createStores(db: Database.Database, registry: Registry): Map<number, ModelStore> {
  const stores = new Map(registry.dependencyOrder.map((adapter) => [adapter.id, new ModelStore(db, adapter)]));
  const byName = new Map([...stores.values()].map((store) => [store.name, store]));
  for (const child of stores.values()) {
    for (const reference of child.adapter.references) {
      byName.get(reference.model)!.children.push({
        child,
        reference,
        selectChildren: db.prepare(reference.selectChildren).pluck(),
        clearReference: reference.clearReference === null ? null : db.prepare(reference.clearReference),
      });
    }
  }
  return stores;
}

export function storeById(core: LibraryCore, model: number): ModelStore {
  const store = core.stores.get(model);
  if (!store) throw new UnknownModelError(model);
  return store;
}

/**
 * Why an untrusted column value from a peer is refused, or null: it is accepted only when its
 * field's codec stores it unchanged (decoded and encoded again), so every device holds the same
 * bytes. Callers on hot paths build their error's context only when there is a problem.
 */
export function valueProblem(field: FieldDescriptor, value: SqlValue): string | null {
  let again: SqlValue;
  try {
    again = field.codec.encode(field.codec.decode(value));
  } catch (error) {
    return (error as Error).message;
  }
  return again === value ? null : `${JSON.stringify(value)} is not a value the field stores`;
}

/** A field's column value, or a `FieldValueError` naming the model and field. */
export function encodeField(store: ModelStore, field: FieldDescriptor, value: unknown): SqlValue {
  try {
    return field.codec.encode(value);
  } catch (error) {
    if (error instanceof ValueError) throw new FieldValueError(store.name, field.name, error.expected, value, error.message);
    throw error;
  }
}

export type ReferenceState = { readonly state: 'present' } | { readonly state: 'deleted' } | { readonly state: 'missing'; readonly missing: MissingRecord };

/** Whether the record a reference points to is here, was deleted, or has not arrived. */
export function referenceState(core: LibraryCore, targetModel: string, id: string): ReferenceState {
  const target = core.storesByName.get(targetModel)!;
  if (target.exists(id)) return { state: 'present' };
  if (core.tombstones.has(target.adapter.id, id)) return { state: 'deleted' };
  return { state: 'missing', missing: { model: target.adapter.id, record: id } };
}

/**
 * Deletes a record: its tombstone, its rows, and what references it, on every device alike:
 * `cascade` children are deleted (tombstoned without a clock), `setNull` references cleared.
 * `hlc` is the record's own delete clock, or null when a cascade deletes it. Returns every record
 * tombstoned, so that changes parked on them can be released.
 *
 * Cascade references never change after a record's create (see `transaction.ts`), so whether a
 * record is deleted depends only on which deletes a device holds, never on their order.
 */
export function deleteWithChildren(core: LibraryCore, store: ModelStore, id: string, hlc: Buffer | null): MissingRecord[] {
  const removed: MissingRecord[] = [];
  const pending: [ModelStore, string, Buffer | null][] = [[store, id, hlc]];
  while (pending.length > 0) {
    const [current, record, clock] = pending.pop()!;
    core.tombstones.add(current.adapter.id, record, clock);
    current.delete(record);
    removed.push({ model: current.adapter.id, record });
    for (const { child, reference, selectChildren, clearReference } of current.children) {
      if (reference.onDelete === 'cascade') {
        for (const childId of selectChildren.all(record) as string[]) pending.push([child, childId, null]);
      } else {
        clearReference!.run(record);
      }
    }
  }
  return removed;
}

/** A record as the app sees it: decoded fields, and for a hybrid model this device's perDevice values. */
export function readRecord(core: LibraryCore, store: ModelStore, id: string): Record<string, unknown> | undefined {
  const row = store.row(id);
  if (!row) return undefined;
  const record: Record<string, unknown> = { [store.key.name]: row[store.key.name] };
  for (const field of store.values) record[field.name] = field.codec.decode(row[field.name] ?? null);
  if (store.deviceFields.length > 0) {
    const own = store.deviceRow(id, core.deviceId);
    for (const field of store.deviceFields) {
      record[field.name] = own ? field.codec.decode(own[field.name] ?? null) : (field.defaultValue ?? null);
    }
  }
  return record;
}
