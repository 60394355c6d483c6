/**
 * Status events (`sync.onStatus`): after something that may change the status (a connection, a
 * heartbeat, acks, received entries), the status is built on the next turn, and at most once per
 * `statusIntervalMs`, and sent to the listeners when it differs from the last one sent. `lastSyncedAt` and progress
 * alone do not make an event (a synced peer's time moves with every heartbeat; progress has its
 * own events), but an event carries their current values. Nothing is built while no one listens.
 */
import { Listeners } from '../core/listeners.js';
import type { Scheduler, TimerHandle } from '../transports/transport.js';
import type { SyncStatus } from './status.js';

export class StatusEvents {
  readonly #listeners = new Listeners<SyncStatus>();
  readonly #scheduler: Scheduler;
  readonly #intervalMs: number;
  readonly #build: () => SyncStatus | null;
  readonly #failed: (error: unknown) => void;
  #timer: TimerHandle | null = null;
  /** When the status was last built: builds too are at most one per interval. */
  #builtAt = Number.NEGATIVE_INFINITY;
  #sent: string | null = null;

  /** `build`: the status now, or null when the engine no longer runs; `failed`: reports a listener that threw. */
  constructor(scheduler: Scheduler, intervalMs: number, build: () => SyncStatus | null, failed: (error: unknown) => void) {
    this.#scheduler = scheduler;
    this.#intervalMs = intervalMs;
    this.#build = build;
    this.#failed = failed;
  }

  on(listener: (status: SyncStatus) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** The status may have changed: an event on the next turn, or once the interval since the last one passed. */
  changed(): void {
    if (this.#timer || this.#listeners.size === 0) return;
    const wait = Math.max(0, this.#builtAt + this.#intervalMs - this.#scheduler.now());
    this.#timer = this.#scheduler.setTimer(() => this.#emit(), wait);
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = null;
  }

  #emit(): void {
    this.#timer = null;
    this.#builtAt = this.#scheduler.now();
    const status = this.#build();
    if (status === null) return;
    const key = JSON.stringify(status, (name, value: unknown) => (name === 'lastSyncedAt' || name === 'progress' ? undefined : value));
    if (key === this.#sent) return;
    this.#sent = key;
    this.#listeners.emit(status, this.#failed);
  }
}
