/**
 * The TransactionManager: the only write path. `library.transact(tx => ...)` runs one SQLite
 * transaction in which every create, update and delete writes its rows, per-field clocks or owner
 * version, tombstones and its sync-log entry; all of it commits together or none of it does.
 *
 * The callback is synchronous: better-sqlite3 transactions are, and an `await` inside one would
 * let other work interleave with it. A callback that returns a promise is refused and rolled back.
 */
import type Database from 'better-sqlite3';
import type { ChangeEntry } from '../core/change-entry.js';
import { AsyncTransactionError, TransactionClosedError } from '../core/errors.js';
import type { AnyModelAdapter } from '../contract/model-adapter.js';
import type { Registry } from '../contract/registry.js';
import type { Store } from '../store/store.js';
import { modelWriter, type ModelWriter, type WriteSession } from './model-writer.js';

export type { ModelWriter };

export type ModelsOf<R> = R extends Registry<infer M, infer _DB> ? M : never;

/** `tx.tag.create(...)`: one writer per model, by accessor. */
export type Transaction<R extends Registry<any, any>> = { readonly [K in keyof ModelsOf<R>]: ModelWriter<ModelsOf<R>[K]> };

/** @internal The library's write path (`Library.transact`). */
export class TransactionManager<R extends Registry<any, any>> {
  readonly #store: Store;
  readonly #tx: Transaction<R>;
  readonly #reportError: (error: unknown, context: string) => void;
  #session: WriteSession | null = null;
  /** The transaction around a callback and the log append of its entries. */
  readonly #commit: Database.Transaction<(fn: (tx: Transaction<R>) => unknown, session: WriteSession) => unknown>;

  constructor(store: Store, reportError: (error: unknown, context: string) => void) {
    this.#store = store;
    this.#reportError = reportError;
    const active = () => this.#active();
    const writers: Record<string, ModelWriter<AnyModelAdapter>> = {};
    for (const model of store.stores.values()) writers[model.adapter.accessor] = modelWriter(store, model, active);
    this.#tx = Object.freeze(writers) as Transaction<R>;
    // Made once: better-sqlite3 builds a wrapper on every `transaction()` call.
    this.#commit = store.db.transaction((fn: (tx: Transaction<R>) => unknown, session: WriteSession) => {
      const value = fn(this.#tx);
      if (isThenable(value)) {
        // The async callback goes on after its first await, outside the transaction; its writes
        // then fail, and that rejection is reported instead of being lost.
        Promise.resolve(value).catch((error: unknown) => this.#reportError(error, 'async transact callback'));
        throw new AsyncTransactionError();
      }
      // The log is the record of the clock too (see `library-clock.ts`): nothing else to write.
      this.#store.log.appendOwn(session.entries);
      return value;
    });
  }

  /** Runs `fn` in one transaction; returns its result and the entries it logged. */
  run<T>(fn: (tx: Transaction<R>) => T): { result: T; entries: ChangeEntry[] } {
    if (this.#session) throw new TransactionClosedError('transact was called inside another transact; use the tx you have');
    const session: WriteSession = { entries: [], nextSeq: 0 };
    this.#session = session;
    try {
      const result = this.#commit.immediate(fn, session) as T;
      return { result, entries: session.entries };
    } finally {
      this.#session = null;
    }
  }

  #active(): WriteSession {
    if (!this.#session) throw new TransactionClosedError('this tx belongs to a transact callback that has ended; write inside library.transact');
    return this.#session;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
