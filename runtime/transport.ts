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

export interface TransportHandlers {
  peerUp(peer: string): void;
  peerDown(peer: string, reason: string): void;
  frame(peer: string, frame: Uint8Array): void;
}

export interface Transport {
  readonly deviceId: string;
  /** Sets the one consumer of the transport's events (the sync engine). */
  setHandlers(handlers: TransportHandlers): void;
  /** Starts listening and dialing what it was configured with. */
  start(): Promise<void>;
  /** Dials a peer at an address (`host:port` over TCP, a device id on the simulated network). */
  connect(address: string): void;
  /** Authenticated peers with an open connection. */
  connectedPeers(): string[];
  /** Sends a frame; resolves once it is handed to the network, rejects when it cannot be. */
  send(peer: string, frame: Uint8Array): Promise<void>;
  /** Drops the connection to a peer (for instance one that keeps sending garbage). */
  disconnect(peer: string, reason: string): void;
  close(): Promise<void>;
}

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
