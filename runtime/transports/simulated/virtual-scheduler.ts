/**
 * Virtual time for the simulated network: timers run in order of due time, then of scheduling,
 * only when the test runs them, so a whole run is determined by its seed.
 */
import type { Scheduler, TimerHandle } from '../transport.js';

interface Timer {
  readonly at: number;
  readonly order: number;
  readonly callback: () => void;
  cancelled: boolean;
}

export class VirtualScheduler implements Scheduler {
  #now: number;
  #order = 0;
  readonly #timers: Timer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const timer: Timer = { at: this.#now + Math.max(0, delayMs), order: this.#order++, callback, cancelled: false };
    let low = 0;
    let high = this.#timers.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      const other = this.#timers[middle]!;
      if (other.at < timer.at || (other.at === timer.at && other.order < timer.order)) low = middle + 1;
      else high = middle;
    }
    this.#timers.splice(low, 0, timer);
    return { cancel: () => (timer.cancelled = true) };
  }

  /**
   * Runs timers until `done()` holds (checked after each), or virtual time reaches `now + maxMs`.
   * Returns whether `done()` held. Promise callbacks settle between timers.
   */
  async runUntil(done: () => boolean, maxMs: number): Promise<boolean> {
    const limit = this.#now + maxMs;
    await settle();
    while (!done()) {
      const timer = this.#timers[0];
      if (!timer || timer.at > limit) {
        this.#now = Math.max(this.#now, limit);
        return done();
      }
      this.#timers.shift();
      if (timer.cancelled) continue;
      this.#now = timer.at;
      timer.callback();
      await settle();
    }
    return true;
  }

  /** Runs every timer due within the next `ms`. */
  async advance(ms: number): Promise<void> {
    await this.runUntil(() => false, ms);
  }
}

/** Lets pending promise callbacks (sends, their timeouts) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
