/**
 * The durability policy of a library's commits. With `full` (the default) a commit is on disk
 * before it returns. Some commits may skip the wait, because nothing relies on them until a later
 * FULL commit (which, in WAL mode, syncs every commit before it): received changes that are
 * acknowledged only after `makeDurable`, acks, and snapshot pages merged before their claim. A
 * power loss may take those back, never corrupt the file.
 */
import type Database from 'better-sqlite3';

export class Durability {
  readonly #db: Database.Database;
  readonly #full: boolean;
  /** An empty FULL commit: it makes every commit before it durable. */
  readonly #sync: Database.Transaction<() => void>;

  constructor(db: Database.Database, mode: 'full' | 'normal', syncCommit: () => void) {
    this.#db = db;
    this.#full = mode === 'full';
    this.#sync = db.transaction(syncCommit);
  }

  /** Runs `fn` with commits that do not wait for the disk. */
  relaxed<T>(fn: () => T): T {
    if (!this.#full) return fn();
    this.#db.pragma('synchronous = NORMAL');
    try {
      return fn();
    } finally {
      this.#db.pragma('synchronous = FULL');
    }
  }

  /** Makes every commit so far durable (nothing to do with `normal` durability). */
  makeDurable(): void {
    if (this.#full) this.#sync.immediate();
  }
}
