/**
 * A store: one device's open SQLite file and its tables. The model tables (one `ModelStore` each,
 * knowing the references of other models to it), the tombstones, the parked changes, the sync
 * log and the clock. It knows no sync rule: `merge/` decides what to write, this writes it.
 */
import type Database from 'better-sqlite3';
import { UnknownModelError } from '../core/errors.js';
import type { Registry } from '../contract/registry.js';
import type { ChangeCapture } from './change-capture.js';
import type { LibraryClock } from './library-clock.js';
import { ModelStore } from './model-store.js';
import type { ParkedChanges } from './parked-changes.js';
import type { MemberTable } from './members.js';
import type { SyncLog } from './sync-log.js';
import type { Tombstones } from './tombstones.js';

export interface Store {
  readonly db: Database.Database;
  readonly deviceId: string;
  readonly registry: Registry;
  readonly stores: ReadonlyMap<number, ModelStore>;
  readonly storesByName: ReadonlyMap<string, ModelStore>;
  readonly tombstones: Tombstones;
  readonly parked: ParkedChanges;
  readonly log: SyncLog;
  readonly clock: LibraryClock;
  readonly members: MemberTable;
  /** What each commit changed in the model tables, for the change feed (captured only for the models listened to). */
  readonly changes: ChangeCapture;
}

/** One store per model, each knowing the references of other models to it. */
export function createModelStores(db: Database.Database, registry: Registry): Map<number, ModelStore> {
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

/** The model store of a model id, or an `UnknownModelError`. */
export function storeById(store: Store, model: number): ModelStore {
  const found = store.stores.get(model);
  if (!found) throw new UnknownModelError(model);
  return found;
}

/** Runs a transaction; after a rollback, what the store caches in memory is read again from the file. */
export function rollingBack<T>(store: Store, run: () => T): T {
  try {
    return run();
  } catch (error) {
    store.changes.discard();
    store.parked.forgetCount();
    store.log.forgetOwnCursor();
    throw error;
  }
}
