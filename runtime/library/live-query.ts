/**
 * A live query (`library.watch`): a typed Kysely query over `library.db`, run now and again after
 * every commit that changed a table it reads, its rows handed to a callback when they differ from
 * the last rows it got. Runs never overlap: commits during a run make one more run after it, so a
 * burst of commits (a snapshot's pages) costs at most one run in flight and one waiting.
 */
import type { RootOperationNode } from 'kysely';

/** What `watch` takes: a query built on `library.db` (a select builder, or anything compiled and executed alike). */
export interface WatchableQuery<O> {
  compile(): { readonly query: RootOperationNode };
  execute(): Promise<O[]>;
}

export interface WatchOptions {
  /** Called when a run of the query fails (default: the library's `onError`). The watch goes on. */
  readonly onError?: (error: unknown) => void;
}

/** @internal One watch's runs. */
export class LiveQuery<O> {
  readonly #query: WatchableQuery<O>;
  readonly #callback: (rows: O[]) => void;
  readonly #onError: (error: unknown) => void;
  readonly #closed: () => boolean;
  #last: O[] | undefined;
  #running = false;
  #again = false;
  #stopped = false;

  constructor(query: WatchableQuery<O>, callback: (rows: O[]) => void, onError: (error: unknown) => void, closed: () => boolean) {
    this.#query = query;
    this.#callback = callback;
    this.#onError = onError;
    this.#closed = closed;
  }

  /** Runs the query (after the run in flight, if one is). */
  refresh(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    void this.#run();
  }

  stop(): void {
    this.#stopped = true;
  }

  async #run(): Promise<void> {
    do {
      this.#again = false;
      if (this.#stopped || this.#closed()) break;
      try {
        const rows = await this.#query.execute();
        if (this.#stopped || (this.#last !== undefined && sameValue(rows, this.#last))) continue;
        this.#last = rows;
        this.#callback(rows);
      } catch (error) {
        if (!this.#closed()) this.#onError(error);
      }
    } while (this.#again);
    this.#running = false;
  }
}

/** Whether two query results hold the same values (rows are plain objects of SQL and decoded JSON values). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((byte, index) => byte === b[index]);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(b, key) || !sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}
