/**
 * The outbox that the sync engine drains. It is the durable sync log itself, not a queue in
 * memory: what is committed stays there until peers acknowledge it, so a crash between commit and
 * send loses nothing. After each commit, subscribers are told which entries are new (the local
 * ones to broadcast, and received ones to relay).
 */
import type { ChangeEntry } from '../core/change-entry.js';
import { Listeners } from '../core/listeners.js';
import type { VersionVector } from '../core/version-vector.js';
import type { SyncLog } from '../store/sync-log.js';

export type CommitListener = (entries: readonly ChangeEntry[]) => void;

export class Outbox {
  readonly #log: SyncLog;
  readonly #listeners = new Listeners<readonly ChangeEntry[]>();
  readonly #reportError: (error: unknown, context: string) => void;

  /** @internal The library makes its outbox. */
  constructor(log: SyncLog, reportError: (error: unknown, context: string) => void) {
    this.#log = log;
    this.#reportError = reportError;
  }

  /**
   * The entries a peer lacks, given its version vector: per origin, those after the peer's seq; at
   * most `limit`, in HLC order across origins. HLC order is causal order (a device that created a
   * child after receiving its parent stamped it with a later clock), so parents go before their
   * children; per origin it is seq order, so what is sent of each origin is a prefix.
   */
  missingFrom(vector: VersionVector, limit: number): ChangeEntry[] {
    const entries: ChangeEntry[] = [];
    for (const origin of this.#log.origins()) entries.push(...this.#log.after(origin, vector.get(origin) ?? 0, limit));
    return entries.sort((a, b) => Buffer.compare(a.hlc, b.hlc)).slice(0, limit);
  }

  /** This device's version vector: per origin, every entry up to this seq is held. */
  cursors(): Map<string, number> {
    return this.#log.cursors();
  }

  /** Calls `listener` after each commit that added entries; returns the unsubscribe function. */
  subscribe(listener: CommitListener): () => void {
    return this.#listeners.add(listener);
  }

  /** @internal The library calls it after each commit. A listener's error cannot undo the commit, so it is reported. */
  committed(entries: readonly ChangeEntry[]): void {
    if (entries.length === 0) return;
    this.#listeners.emit(entries, (error) => this.#reportError(error, 'outbox listener'));
  }
}
