/**
 * The sync log: every change entry this device holds, by (origin, seq), and the version vector of
 * contiguous cursors. Append-only (entries leave only by pruning, a later concern of the sync
 * engine). Entries past a gap are kept and applied; the cursor waits at the gap until it fills,
 * so a cursor always means "everything up to here is held". Every origin ever seen has a cursor
 * row (0 while its first entry is missing), so the cursor table is also the list of origins.
 *
 * This device's own cursor is the exception that keeps local commits cheap: a local commit writes
 * its entries only, and the own cursor moves in memory. The log itself holds the truth: at open
 * (and after a rollback) the cursor is read as the stored row plus the own entries contiguous
 * after it. The row is written before own entries are pruned and whenever a remote path moves it.
 */
import type Database from 'better-sqlite3';
import { KIND_BY_CODE, KIND_CODE, packData, unpackData, type ChangeEntry } from '../core/change-entry.js';
import type { SqlValue } from '../core/sql-value.js';

/** An entry as the log stores it: `data` still packed. */
export interface LogRow {
  origin: string;
  seq: number;
  hlc: Buffer;
  model: number;
  record: string;
  kind: number;
  data: Buffer | null;
}

/** A batch of received entries being stored; see `SyncLog.receive`. */
export interface ReceivedBatch {
  /** Whether the entry is held: at or below its origin's cursor, in the log, or stored by this batch. */
  holds(origin: string, seq: number): boolean;
  /** Stores an entry; its origin's cursor moves at `finish`. */
  append(entry: ChangeEntry): void;
  /** Moves each origin's cursor over every entry now contiguous. */
  finish(): void;
}

export class SyncLog {
  readonly #append: Database.Statement;
  readonly #has: Database.Statement;
  readonly #entry: Database.Statement;
  readonly #after: Database.Statement;
  readonly #cursor: Database.Statement;
  readonly #setCursor: Database.Statement;
  readonly #cursors: Database.Statement;
  readonly #prune: Database.Statement;
  readonly #setFloor: Database.Statement;
  readonly #floor: Database.Statement;
  readonly #ownAfter: Database.Statement;
  readonly #pastCursor: Database.Statement;
  readonly #maxSeq: Database.Statement;
  readonly #firstHeld: Database.Statement;
  readonly #floorOf: Database.Statement;
  readonly #own: string;
  /** The own cursor; undefined until read (again) from the file. */
  #ownCursor: number | undefined;

  constructor(db: Database.Database, ownOrigin: string) {
    this.#own = ownOrigin;
    this.#pastCursor = db.prepare('SELECT 1 FROM _sync_log WHERE origin = ? AND seq > ? LIMIT 1').pluck();
    this.#ownAfter = db.prepare('SELECT count(*) AS count, max(seq) AS last FROM _sync_log WHERE origin = ? AND seq > ?');
    this.#append = db.prepare('INSERT INTO _sync_log (origin, seq, hlc, model, record, kind, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.#maxSeq = db.prepare('SELECT max(seq) FROM _sync_log WHERE origin = ?').pluck();
    this.#has = db.prepare('SELECT 1 FROM _sync_log WHERE origin = ? AND seq = ?').pluck();
    this.#entry = db.prepare('SELECT origin, seq, hlc, model, record, kind, data FROM _sync_log WHERE origin = ? AND seq = ?');
    this.#after = db.prepare('SELECT origin, seq, hlc, model, record, kind, data FROM _sync_log WHERE origin = ? AND seq > ? ORDER BY seq LIMIT ?');
    this.#cursor = db.prepare('SELECT seq FROM _sync_cursor WHERE origin = ?').pluck();
    this.#setCursor = db.prepare('INSERT INTO _sync_cursor (origin, seq) VALUES (?, ?) ON CONFLICT (origin) DO UPDATE SET seq = excluded.seq');
    this.#cursors = db.prepare('SELECT origin, seq FROM _sync_cursor ORDER BY origin');
    // Parked and quarantined entries stay: they still have to be applied.
    this.#prune = db.prepare(
      'DELETE FROM _sync_log WHERE origin = ? AND seq <= ? AND NOT EXISTS (SELECT 1 FROM _sync_parked p WHERE p.origin = _sync_log.origin AND p.seq = _sync_log.seq) ' +
        'AND NOT EXISTS (SELECT 1 FROM _sync_quarantine q WHERE q.origin = _sync_log.origin AND q.seq = _sync_log.seq)',
    );
    this.#setFloor = db.prepare('INSERT INTO _sync_pruned (origin, seq) VALUES (?, ?) ON CONFLICT (origin) DO UPDATE SET seq = max(seq, excluded.seq)');
    this.#floor = db.prepare('SELECT origin, seq FROM _sync_pruned ORDER BY origin');
    this.#firstHeld = db.prepare('SELECT min(seq) FROM _sync_quarantine WHERE origin = ? AND seq > ?').pluck();
    this.#floorOf = db.prepare('SELECT seq FROM _sync_pruned WHERE origin = ?').pluck();
  }

  /** Whether the entry is in the log. */
  has(origin: string, seq: number): boolean {
    return this.#has.get(origin, seq) !== undefined;
  }

  /** The highest seq of an origin this device holds: its cursor, or an entry past a gap. */
  heldUpTo(origin: string): number {
    const last = this.#maxSeq.get(origin) as number | null;
    return Math.max(this.cursor(origin), last ?? 0);
  }

  cursor(origin: string): number {
    if (origin === this.#own) return this.#ownCursorNow();
    return (this.#cursor.get(origin) as number | undefined) ?? 0;
  }

  /** The version vector: per origin, everything up to this seq is held. */
  cursors(): Map<string, number> {
    const cursors = new Map((this.#cursors.all() as { origin: string; seq: number }[]).map((row) => [row.origin, row.seq]));
    const own = this.#ownCursorNow();
    if (cursors.has(this.#own)) cursors.set(this.#own, own);
    else if (own > 0) return new Map([...cursors, [this.#own, own] as const].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return cursors;
  }

  /**
   * Stores this device's own new entries (seqs right after its cursor) and moves the own cursor in
   * memory only. The caller runs it inside its transaction, and calls `forgetOwnCursor` when that
   * transaction rolls back.
   */
  appendOwn(entries: readonly ChangeEntry[]): void {
    if (entries.length === 0) return;
    for (const entry of entries) this.#store(entry);
    this.#ownCursor = entries.at(-1)!.seq;
  }

  /** Call after a rolled-back transaction: the own cursor is read again from the file. */
  forgetOwnCursor(): void {
    this.#ownCursor = undefined;
  }

  /**
   * Starts receiving a batch of entries (inside the caller's transaction): what the log holds is
   * read once per origin, entries are stored as they come, and cursors move once, at `finish`.
   */
  receive(): ReceivedBatch {
    const origins = new Map<string, { stored: number | undefined; cursor: number; pastGap: boolean; appended: Set<number> }>();
    const originState = (origin: string) => {
      let state = origins.get(origin);
      if (!state) {
        const stored = this.#storedCursor(origin);
        const cursor = stored ?? 0;
        // Entries past a gap are in the log beyond the cursor; without any, a seq above the cursor is new unless this batch brought it.
        state = { stored, cursor, pastGap: this.#pastCursor.get(origin, cursor) !== undefined, appended: new Set() };
        origins.set(origin, state);
      }
      return state;
    };
    return {
      holds: (origin, seq) => {
        const state = originState(origin);
        return seq <= state.cursor || state.appended.has(seq) || (state.pastGap && this.has(origin, seq));
      },
      append: (entry) => {
        this.#store(entry);
        originState(entry.origin).appended.add(entry.seq);
      },
      finish: () => {
        for (const [origin, { stored, cursor: start, pastGap, appended }] of origins) {
          if (appended.size === 0) continue;
          let cursor = start;
          while (appended.has(cursor + 1) || (pastGap && this.has(origin, cursor + 1))) cursor += 1;
          // A first entry past a gap still gets its origin a row (at 0): the cursor table lists the origins.
          if (cursor !== stored) this.#saveCursor(origin, cursor);
        }
      },
    };
  }

  #store(entry: ChangeEntry): void {
    this.#append.run(entry.origin, entry.seq, entry.hlc, entry.model, entry.record, KIND_CODE[entry.kind], packData(entry.data));
  }

  /** A cursor as the remote paths read it: the own one from memory, others from their row. */
  #storedCursor(origin: string): number | undefined {
    return origin === this.#own ? this.#ownCursorNow() : (this.#cursor.get(origin) as number | undefined);
  }

  /** Writes a cursor row (the own one too: remote paths are not the hot path). */
  #saveCursor(origin: string, seq: number): void {
    this.#setCursor.run(origin, seq);
    if (origin === this.#own) this.#ownCursor = seq;
  }

  /** The stored own row, then every own entry contiguous after it (one range count when no gap). */
  #ownCursorNow(): number {
    if (this.#ownCursor !== undefined) return this.#ownCursor;
    let cursor = (this.#cursor.get(this.#own) as number | undefined) ?? 0;
    const after = this.#ownAfter.get(this.#own, cursor) as { count: number; last: number | null };
    if (after.last !== null && after.count === after.last - cursor) cursor = after.last;
    else while (this.#has.get(this.#own, cursor + 1) !== undefined) cursor += 1;
    this.#ownCursor = cursor;
    return cursor;
  }

  /** Every origin this device has held an entry of (each has a cursor, 0 while its first is missing). */
  origins(): string[] {
    return [...this.cursors().keys()];
  }

  /**
   * Records that everything of `origin` up to `seq` is held without its entries (after a snapshot
   * that contains their effect), then advances over entries now contiguous.
   */
  claim(origin: string, seq: number): void {
    const stored = this.#storedCursor(origin);
    // Entries held only through the snapshot cannot be sent to others: to them they are pruned.
    if (seq > (stored ?? 0)) this.#setFloor.run(origin, seq);
    let cursor = Math.max(stored ?? 0, seq);
    while (this.#has.get(origin, cursor + 1) !== undefined) cursor += 1;
    if (cursor !== stored) this.#saveCursor(origin, cursor);
  }

  /**
   * Removes the entries of `origin` up to `seq` (never past its cursor, nor past its first
   * quarantined entry above the floor: `quarantine.ts`), but the parked and quarantined ones;
   * returns how many.
   */
  prune(origin: string, seq: number): number {
    // A snapshot this device serves reflects only what is before that entry: the puller replays the rest of the origin's log from here.
    const held = this.#firstHeld.get(origin, (this.#floorOf.get(origin) as number | undefined) ?? 0) as number | null;
    const upTo = Math.min(seq, this.cursor(origin), held === null ? Number.MAX_SAFE_INTEGER : held - 1);
    if (upTo <= 0) return 0;
    // Once its entries are gone, only the row can tell the own cursor.
    if (origin === this.#own) this.#setCursor.run(origin, this.#ownCursorNow());
    this.#setFloor.run(origin, upTo);
    return this.#prune.run(origin, upTo).changes;
  }

  /** Per origin, the seq up to which entries were pruned: a peer behind it needs a snapshot. */
  floor(): Map<string, number> {
    return new Map((this.#floor.all() as { origin: string; seq: number }[]).map((row) => [row.origin, row.seq]));
  }

  entry(origin: string, seq: number): ChangeEntry | undefined {
    const row = this.#entry.get(origin, seq) as LogRow | undefined;
    return row && toEntry(row);
  }

  /** The stored row of an entry, its data still packed (to compare a duplicate with it), or undefined once pruned. */
  stored(origin: string, seq: number): LogRow | undefined {
    return this.#entry.get(origin, seq) as LogRow | undefined;
  }

  /** Entries of one origin after `seq`, in order, at most `limit`. */
  after(origin: string, seq: number, limit: number): ChangeEntry[] {
    return (this.#after.all(origin, seq, limit) as LogRow[]).map(toEntry);
  }
}

export function toEntry(row: LogRow): ChangeEntry {
  return {
    origin: row.origin,
    seq: row.seq,
    hlc: row.hlc,
    model: row.model,
    record: row.record,
    kind: KIND_BY_CODE[row.kind]!,
    data: unpackData(row.data) as Record<string, SqlValue> | null,
  };
}
