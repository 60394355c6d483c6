/**
 * Retry timing per peer: when no ack covers what was sent within the retry delay, the engine sends
 * it again; the delay doubles per retry up to `retryMaxMs`, with jitter, and starts over on progress.
 */
import type { PeerState } from './peer-state.js';
import type { SyncContext } from './sync-context.js';

export class Backoff {
  readonly #ctx: SyncContext;
  readonly #timedOut: (state: PeerState) => void;

  /** `timedOut` runs when a peer's retry delay passes with no progress. */
  constructor(ctx: SyncContext, timedOut: (state: PeerState) => void) {
    this.#ctx = ctx;
    this.#timedOut = timedOut;
  }

  /** Starts the peer's retry delay, unless it runs already. */
  arm(state: PeerState): void {
    if (state.retryTimer) return;
    const jitter = 0.5 + this.#ctx.options.random();
    state.retryTimer = this.#ctx.scheduler.setTimer(
      () =>
        this.#ctx.guard(state.id, 'retry', () => {
          state.retryTimer = null;
          this.#timedOut(state);
        }),
      Math.round(state.backoffMs * jitter),
    );
  }

  /** A retry: the next delay is twice as long, up to the maximum. */
  grow(state: PeerState): void {
    state.backoffMs = Math.min(state.backoffMs * 2, this.#ctx.options.retryMaxMs);
  }

  /** Progress: the delay starts over, from now (a busy peer that keeps acking is not resent to). */
  progress(state: PeerState): void {
    state.backoffMs = this.#ctx.options.retryBaseMs;
    this.cancel(state);
  }

  cancel(state: PeerState): void {
    state.retryTimer?.cancel();
    state.retryTimer = null;
  }
}
