/**
 * The change feed: after each commit that changed synced data, one notice of what changed, typed
 * by the generated adapters: per model, the records created, updated (with the fields whose values
 * changed) and deleted, and where the commit came from. What changed is captured by SQLite itself
 * (`store/change-capture.ts`), so every path notifies: local writes, a peer's entries (and the
 * parked ones they release), snapshot pages, fetched records, cascades, the replay at an upgrade.
 *
 * Listeners run synchronously after the commit, in the order they subscribed; one that throws is
 * reported (the library's `onError`) and the others still run: the commit stands either way.
 */
import { UnknownModelError } from '../core/errors.js';
import { Listeners } from '../core/listeners.js';
import type { AnyModelAdapter, RecordOf } from '../contract/model-adapter.js';
import type { Registry } from '../contract/registry.js';
import type { ModelsOf } from '../merge/transaction-manager.js';
import type { CommitChanges } from '../store/change-capture.js';
import type { Store } from '../store/store.js';

/**
 * Where a commit's changes came from. `peer` is the device that sent them (null when the app passed
 * them itself, to `applyChanges`): `entries` are its change entries (with the parked entries they
 * released), `snapshot` a page of a snapshot pulled from it, `fetch` records it sent because
 * parked entries waited for them. `migration`: what was held for a newer schema, merged when this
 * device upgraded (`openLibrary`'s `onChange` hears it).
 */
export type ChangeSource =
  | { readonly kind: 'local' }
  | { readonly kind: 'entries'; readonly peer: string | null }
  | { readonly kind: 'snapshot'; readonly peer: string | null }
  | { readonly kind: 'fetch'; readonly peer: string | null }
  | { readonly kind: 'migration' };

/** A field of a model's records. */
export type FieldOf<A extends AnyModelAdapter> = keyof RecordOf<A> & string;

/** What one commit changed in one model. Every list is in record id order. */
export interface ModelChanges<A extends AnyModelAdapter> {
  readonly created: readonly string[];
  /** Records whose fields changed: only the fields whose values differ from before the commit. */
  readonly updated: readonly { readonly id: string; readonly fields: readonly FieldOf<A>[]; readonly cascade: boolean }[];
  /** `cascade`: deleted because a record it references with `onDelete: cascade` was deleted. */
  readonly deleted: readonly { readonly id: string; readonly cascade: boolean }[];
}

/** One commit's notice: where it came from, and per model (by accessor) what changed; unchanged models are absent. */
export interface LibraryChange<R extends Registry<any, any>> {
  readonly source: ChangeSource;
  readonly models: { readonly [K in keyof ModelsOf<R>]?: ModelChanges<ModelsOf<R>[K]> };
}

/** A notice for one model's listener. */
export type ModelChangeNotice<A extends AnyModelAdapter> = ModelChanges<A> & { readonly source: ChangeSource };

type AnyListener = (change: LibraryChange<any>) => void;

/** @internal The library's feed; `committed` runs after every commit that may have changed synced tables. */
export class ChangeFeed {
  readonly #store: Store;
  readonly #reportError: (error: unknown, context: string) => void;
  readonly #listeners = new Listeners<LibraryChange<any>>();
  /** Hears of every commit, with the model ids it changed (live queries). */
  readonly #tableListeners = new Listeners<ReadonlySet<number>>();

  constructor(store: Store, reportError: (error: unknown, context: string) => void) {
    this.#store = store;
    this.#reportError = reportError;
  }

  /** Every model's changes. */
  subscribe(listener: AnyListener): () => void {
    this.#store.changes.watch(this.#store.stores.values());
    return this.#listeners.add(listener);
  }

  /** One model's changes: only that model's table is watched. */
  subscribeModel(accessor: string, listener: (change: ModelChangeNotice<AnyModelAdapter>) => void): () => void {
    const model = this.#modelOf(accessor);
    this.#store.changes.watch([model]);
    return this.#listeners.add((change) => {
      const changes = (change.models as Record<string, ModelChanges<AnyModelAdapter>>)[accessor];
      if (changes) listener({ source: change.source, ...changes });
    });
  }

  /** Calls `listener` with the ids of the models each commit changed, among `models` (which become watched). */
  subscribeModels(models: readonly number[], listener: (models: ReadonlySet<number>) => void): () => void {
    this.#store.changes.watch(models.map((id) => this.#store.stores.get(id)!));
    return this.#tableListeners.add(listener);
  }

  /** After a commit: the notice of what it changed, if anything, to every listener. */
  committed(source: ChangeSource): void {
    const changes = this.#store.changes.take();
    if (changes === null) return;
    if (this.#listeners.size > 0) this.#listeners.emit(this.#notice(source, changes), (error) => this.#reportError(error, 'change listener'));
    if (this.#tableListeners.size > 0) this.#tableListeners.emit(new Set(changes.keys()), (error) => this.#reportError(error, 'live query'));
  }

  #notice(source: ChangeSource, changes: CommitChanges): LibraryChange<any> {
    const models: Record<string, ModelChanges<AnyModelAdapter>> = {};
    for (const [modelId, records] of changes) {
      const created: string[] = [];
      const updated: { id: string; fields: string[]; cascade: boolean }[] = [];
      const deleted: { id: string; cascade: boolean }[] = [];
      for (const id of [...records.keys()].sort()) {
        const change = records.get(id)!;
        if (change.kind === 'created') created.push(id);
        else if (change.kind === 'deleted') deleted.push({ id, cascade: change.cascade });
        else updated.push({ id, fields: [...change.fields], cascade: change.cascade });
      }
      models[this.#store.stores.get(modelId)!.adapter.accessor] = { created, updated, deleted };
    }
    return { source, models };
  }

  #modelOf(accessor: string) {
    for (const model of this.#store.stores.values()) if (model.adapter.accessor === accessor) return model;
    throw new UnknownModelError(accessor);
  }
}
