/**
 * Faults on any transport: a wrapper that drops, duplicates and delays outgoing frames (from a
 * seeded PRNG), and black-holes frames between devices in different partition groups. Used to run
 * the whole-device histories over real TCP, where the socket itself never loses a frame.
 */
import { seededRandom } from '../../runtime/transports/simulated/seeded-random.js';
import { TransportError, type Transport, type TransportHandlers } from '../../runtime/transports/transport.js';

/** A transport that dials addresses and knows its connected peers (TCP). */
export type DialingTransport = Transport & { readonly deviceId: string; connect(address: string): void; connectedPeers(): string[] };

export interface FaultSettings {
  drop: number;
  duplicate: number;
  maxDelayMs: number;
  /** Device ids this device can reach; null when not partitioned. */
  reachable: ReadonlySet<string> | null;
}

export class FaultyTransport implements Transport {
  readonly deviceId: string;
  readonly #inner: DialingTransport;
  readonly #random: () => number;
  faults: FaultSettings = { drop: 0, duplicate: 0, maxDelayMs: 0, reachable: null };
  /** Frames dropped on purpose, and delayed frames whose connection was gone when they were due. */
  lost = 0;

  constructor(inner: DialingTransport, seed: number) {
    this.#inner = inner;
    this.deviceId = inner.deviceId;
    this.#random = seededRandom(seed);
  }

  setHandlers(handlers: TransportHandlers): void {
    this.#inner.setHandlers(handlers);
  }

  start(): Promise<void> {
    return this.#inner.start();
  }

  connect(address: string): void {
    this.#inner.connect(address);
  }

  connectedPeers(): string[] {
    return this.#inner.connectedPeers();
  }

  async send(peer: string, frame: Uint8Array): Promise<void> {
    const { drop, duplicate, maxDelayMs, reachable } = this.faults;
    if (!this.#inner.connectedPeers().includes(peer)) throw new TransportError('not-connected', `not connected to ${peer}`);
    if ((reachable && !reachable.has(peer)) || this.#random() < drop) {
      this.lost += 1;
      return;
    }
    const copies = this.#random() < duplicate ? 2 : 1;
    for (let copy = 0; copy < copies; copy += 1) {
      const delay = Math.floor(this.#random() * (maxDelayMs + 1));
      if (delay === 0) await this.#inner.send(peer, frame);
      // A delayed frame whose connection closed meanwhile is lost, as on a real network.
      else setTimeout(() => this.#inner.send(peer, frame).catch(() => (this.lost += 1)), delay);
    }
  }

  disconnect(peer: string, reason: string): void {
    this.#inner.disconnect(peer, reason);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
