/**
 * Progress of a snapshot pull (in records) or a long catch-up (in log entries) from a peer, as
 * events an app draws as a progress bar (`sync.onProgress`): what was received of the expected
 * total, and the time left at the rate so far. One event when it starts, then at most one per
 * `statusIntervalMs`, and always a last one (`done`): a completed run ends at 100% (its total
 * becomes what was received), an abandoned one where it stopped.
 */
import { Listeners } from '../core/listeners.js';
import type { Scheduler } from '../transports/transport.js';
import type { PeerState, ProgressRun } from './peer-state.js';

/**
 * One progress event (and what `sync.status()` shows of a run under way).
 *
 * @example
 * sync.onProgress((p) => {
 *   const percent = p.total ? Math.floor((100 * p.received) / p.total) : null;
 *   draw(p.peer, p.kind, percent, p.remainingMs, p.done);
 * });
 */
export interface SyncProgress {
  /** The peer it comes from. */
  readonly peer: string;
  /** `snapshot`: a snapshot pull, counted in records; `catch-up`: replaying the peer's log, counted in entries. */
  readonly kind: 'snapshot' | 'catch-up';
  readonly received: number;
  /**
   * Expected in all: for a snapshot, the records the peer held when the pull began (null until its
   * first page, and for a peer whose runtime does not count them); for a catch-up, the entries the
   * peer held that this device lacked. Never below `received`.
   */
  readonly total: number | null;
  /** When the run began (ms, the engine's clock). */
  readonly startedAt: number;
  /** Estimated ms left at the rate so far: null before anything arrived, or without a total; 0 once complete. */
  readonly remainingMs: number | null;
  /** The run's last event. */
  readonly done: boolean;
  /** With `done`: true when it completed (then `received === total`); false when the peer went away or a record was refused. */
  readonly completed: boolean;
}

export class Progress {
  readonly #listeners = new Listeners<SyncProgress>();
  readonly #scheduler: Scheduler;
  readonly #intervalMs: number;
  readonly #failed: (error: unknown) => void;

  /** `failed`: reports a listener that threw (it never breaks the engine). */
  constructor(scheduler: Scheduler, intervalMs: number, failed: (error: unknown) => void) {
    this.#scheduler = scheduler;
    this.#intervalMs = intervalMs;
    this.#failed = failed;
  }

  on(listener: (progress: SyncProgress) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** A run begins (one per peer at a time: a run under way ends, not completed). */
  start(state: PeerState, kind: ProgressRun['kind'], total: number | null, target: ReadonlyMap<string, number> | null = null): void {
    this.finish(state, false);
    const now = this.#scheduler.now();
    state.progress = { kind, startedAt: now, received: 0, total, target, emittedAt: now };
    this.#emit(state.id, state.progress, false, false);
  }

  /** `received` so far (and the total, when it became known); an event if the last is `statusIntervalMs` old. */
  advance(state: PeerState, received: number, total?: number | null): void {
    const run = state.progress;
    if (!run) return;
    run.received = received;
    if (total !== undefined) run.total = total;
    const now = this.#scheduler.now();
    if (now - run.emittedAt < this.#intervalMs) return;
    run.emittedAt = now;
    this.#emit(state.id, run, false, false);
  }

  /** The run ends: its last event, complete (at 100%) or not. */
  finish(state: PeerState, completed: boolean): void {
    const run = state.progress;
    if (!run) return;
    state.progress = null;
    if (completed) run.total = run.received;
    this.#emit(state.id, run, true, completed);
  }

  /** A run under way, as an event would show it now. */
  view(peer: string, run: ProgressRun, done = false, completed = false): SyncProgress {
    const total = run.total === null ? null : Math.max(run.total, run.received);
    const elapsed = this.#scheduler.now() - run.startedAt;
    const remainingMs = completed
      ? 0
      : done || total === null || run.received === 0 || elapsed <= 0
        ? null
        : Math.round(((total - run.received) * elapsed) / run.received);
    return { peer, kind: run.kind, received: run.received, total, startedAt: run.startedAt, remainingMs, done, completed };
  }

  #emit(peer: string, run: ProgressRun, done: boolean, completed: boolean): void {
    if (this.#listeners.size === 0) return;
    this.#listeners.emit(this.view(peer, run, done, completed), this.#failed);
  }
}
