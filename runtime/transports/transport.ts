/**
 * What the sync engine needs from a network, and from time.
 *
 * A `Transport` moves opaque frames (encoded envelopes) between this device and authenticated
 * peers, and says when a peer comes and goes. The peer id it reports is the authenticated device
 * of the connection: a message's sender is never a field the message claims.
 *
 * A `Scheduler` is the clock and the timers; the simulated network supplies a virtual one, so a
 * test's whole run is determined by its seed.
 */
import { SyncError } from '../core/errors.js';

export interface TransportHandlers {
  peerUp(peer: string): void;
  peerDown(peer: string, reason: string): void;
  frame(peer: string, frame: Uint8Array): void;
}

/** What the sync engine calls on a transport, and nothing more. */
export interface Transport {
  /** Sets the one consumer of the transport's events (the sync engine). */
  setHandlers(handlers: TransportHandlers): void;
  /** Starts listening and dialing what it was configured with. */
  start(): Promise<void>;
  /** Sends a frame; resolves once it is handed to the network, rejects (with a `TransportError`) when it cannot be. */
  send(peer: string, frame: Uint8Array): Promise<void>;
  /** Drops the connection to a peer (for instance one that keeps sending garbage). */
  disconnect(peer: string, reason: string): void;
  close(): Promise<void>;
}

/** A frame that could not be sent, or a connection refused. */
export class TransportError extends SyncError {}

export type TimerHandle = { readonly cancel: () => void };

export interface Scheduler {
  now(): number;
  setTimer(callback: () => void, delayMs: number): TimerHandle;
}

/** Real time. */
export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    if (delayMs <= 0) {
      // The next turn of the event loop: `setTimeout(0)` would wait a millisecond.
      const immediate = setImmediate(callback);
      immediate.unref?.();
      return { cancel: () => clearImmediate(immediate) };
    }
    const timer = setTimeout(callback, delayMs);
    timer.unref?.();
    return { cancel: () => clearTimeout(timer) };
  },
};
