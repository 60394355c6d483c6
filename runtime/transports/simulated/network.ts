/**
 * A simulated network, for tests of faults beside the real TCP transport (`syncgen/transports/simulated`).
 *
 * In process, on a virtual clock, and deterministic from a seed: every delay, drop and duplicate is
 * drawn from one seeded PRNG, and events run in (virtual time, order of scheduling). Devices in the
 * same partition group are all connected to each other. Faults: drop and duplicate probabilities,
 * a delay range (frames overtake each other: reordering), partitions and heal, and devices leaving
 * (crash: close the transport) and coming back (a new transport for the same device). A device may
 * refuse another (`refuse`: a handshake refusal, as TCP's, with its code): they do not connect, and
 * both ends are told, as they are of the delay before a link cut by `disconnect` comes back.
 */
import type { SyncErrorCode } from '../../core/errors.js';
import { TransportError, type Transport, type TransportHandlers } from '../transport.js';
import { seededRandom } from './seeded-random.js';
import { VirtualScheduler } from './virtual-scheduler.js';

export interface SimulatedFaults {
  /** Probability that a frame is lost. */
  readonly drop?: number;
  /** Probability that a frame is delivered twice. */
  readonly duplicate?: number;
  /** Each frame takes a delay drawn uniformly from this range (ms); different delays reorder frames. */
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
}

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

export class SimulatedNetwork {
  readonly scheduler: VirtualScheduler;
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
  readonly #random: () => number;
  #faults: Required<SimulatedFaults>;
  readonly #nodes = new Map<string, SimulatedTransport>();
  #groups: string[][] | null = null;
  readonly #links = new Set<string>();
  /** Each link's connection number: a link that goes down and up again is a new connection. */
  readonly #generations = new Map<string, number>();
  #nextGeneration = 0;
  /** Links dropped by `disconnect`, down until this virtual time. */
  readonly #cut = new Map<string, number>();
  readonly #observers: ((from: string, to: string, frame: Uint8Array) => void)[] = [];
  /** Per `refuser|refused` pair, why the first refuses the second. */
  readonly #refusals = new Map<string, { readonly code: SyncErrorCode; readonly reason: string }>();
  /** The refused pairs (`linkKey`) whose ends were told since they last came up or were refused anew. */
  readonly #toldRefused = new Set<string>();

  constructor(options: { seed: number; faults?: SimulatedFaults; scheduler?: VirtualScheduler }) {
    this.#random = seededRandom(options.seed);
    this.scheduler = options.scheduler ?? new VirtualScheduler();
    this.#faults = withDefaults(options.faults ?? {});
  }

  /** The random numbers of this network (for jitter in the devices' sync engines too). */
  random(): number {
    return this.#random();
  }

  /** Calls `observer` with every frame delivered (tests inspect what was sent). */
  observe(observer: (from: string, to: string, frame: Uint8Array) => void): void {
    this.#observers.push(observer);
  }

  setFaults(faults: SimulatedFaults): void {
    this.#faults = withDefaults(faults);
  }

  /** A device's transport; a device that crashed comes back with a new one. */
  transport(deviceId: string): SimulatedTransport {
    const transport = new SimulatedTransport(this, deviceId);
    this.#nodes.set(deviceId, transport);
    // A new transport hears of its refusals again.
    for (const key of [...this.#toldRefused]) if (key.split('|').includes(deviceId)) this.#toldRefused.delete(key);
    return transport;
  }

  /**
   * `device` refuses `peer`, as a TCP handshake would (`not-a-member`, `schema-mismatch`,
   * `device-removed`, ...): they disconnect and stay so until `allow`; both are told (a connection
   * event: `refused`, by 'self' on `device`, by 'peer' on `peer`).
   */
  refuse(device: string, peer: string, code: SyncErrorCode, reason: string): void {
    this.#refusals.set(`${device}|${peer}`, { code, reason });
    this.#toldRefused.delete(linkKey(device, peer));
    this.reconcile();
  }

  /** Lifts `device`'s refusal of `peer`. */
  allow(device: string, peer: string): void {
    this.#refusals.delete(`${device}|${peer}`);
    this.#toldRefused.delete(linkKey(device, peer));
    this.reconcile();
  }

  /** Splits the devices into groups that reach only each other (a device in no group is alone). */
  partition(...groups: string[][]): void {
    this.#groups = groups;
    this.reconcile();
  }

  heal(): void {
    this.#groups = null;
    this.reconcile();
  }

  /** The devices connected to `device` now. */
  peersOf(device: string): string[] {
    return [...this.#links].flatMap((key) => {
      const [a, b] = key.split('|') as [string, string];
      return a === device ? [b] : b === device ? [a] : [];
    });
  }

  /** Whether two devices are connected now. */
  linked(a: string, b: string): boolean {
    return this.#links.has(linkKey(a, b));
  }

  /** Recomputes the links after a change of partition or membership, and tells both ends. */
  reconcile(): void {
    const live = [...this.#nodes.values()].filter((node) => node.started && !node.closed).map((node) => node.deviceId);
    const wanted = new Set<string>();
    for (const a of live) {
      for (const b of live) {
        if (a < b && this.#reachable(a, b) && !this.#refused(a, b)) wanted.add(linkKey(a, b));
      }
    }
    for (const key of [...this.#links]) {
      if (wanted.has(key)) continue;
      this.#links.delete(key);
      const [a, b] = key.split('|') as [string, string];
      this.#notify(a, (handlers, node) => {
        node.connections.delete(b);
        handlers.peerDown(b, 'network link down');
      });
      this.#notify(b, (handlers, node) => {
        node.connections.delete(a);
        handlers.peerDown(a, 'network link down');
      });
    }
    for (const key of wanted) {
      if (this.#links.has(key)) continue;
      this.#links.add(key);
      const generation = ++this.#nextGeneration;
      this.#generations.set(key, generation);
      const [a, b] = key.split('|') as [string, string];
      this.#notify(a, (handlers, node) => {
        node.connections.set(b, generation);
        handlers.connection?.({ kind: 'connecting', peer: b, address: null });
        handlers.peerUp(b);
      });
      this.#notify(b, (handlers, node) => {
        node.connections.set(a, generation);
        handlers.connection?.({ kind: 'connecting', peer: a, address: null });
        handlers.peerUp(a);
      });
    }
  }

  /** Whether either of two devices refuses the other; the first time, both are told. */
  #refused(a: string, b: string): boolean {
    const refusal = this.#refusals.get(`${a}|${b}`) ?? this.#refusals.get(`${b}|${a}`);
    if (!refusal) return false;
    if (!this.#toldRefused.has(linkKey(a, b)) && this.#reachable(a, b)) {
      this.#toldRefused.add(linkKey(a, b));
      const [refuser, refused] = this.#refusals.has(`${a}|${b}`) ? [a, b] : [b, a];
      this.#notify(refuser, (handlers) => handlers.connection?.({ kind: 'refused', by: 'self', peer: refused, address: null, ...refusal }));
      this.#notify(refused, (handlers) => handlers.connection?.({ kind: 'refused', by: 'peer', peer: refuser, address: null, ...refusal }));
    }
    return true;
  }

  /** @internal A frame from `from` to `to`: maybe dropped, maybe duplicated, delayed. */
  transmit(from: string, to: string, frame: Uint8Array): void {
    this.stats.sent += 1;
    if (this.#random() < this.#faults.drop) {
      this.stats.dropped += 1;
      return;
    }
    const copies = this.#random() < this.#faults.duplicate ? 2 : 1;
    if (copies === 2) this.stats.duplicated += 1;
    for (let copy = 0; copy < copies; copy += 1) {
      const { minDelayMs, maxDelayMs } = this.#faults;
      const delay = minDelayMs + Math.floor(this.#random() * (maxDelayMs - minDelayMs + 1));
      const bytes = Uint8Array.from(frame);
      // The two ends as they are now (a device that crashes and comes back is a new transport), and
      // the connection the sender was told of: it may not know yet that the link went down and up.
      const sender = this.#nodes.get(from);
      const receiver = this.#nodes.get(to);
      const key = linkKey(from, to);
      const generation = sender?.connections.get(to) ?? this.#generations.get(key);
      this.scheduler.setTimer(() => {
        // A frame in flight when its connection ended, or either end crashed (even if it is back), is lost with it.
        const current = this.linked(from, to) && this.#generations.get(key) === generation;
        if (!current || this.#nodes.get(from) !== sender || this.#nodes.get(to) !== receiver) {
          this.stats.dropped += 1;
          return;
        }
        this.stats.delivered += 1;
        for (const observer of this.#observers) observer(from, to, bytes);
        this.#nodes.get(to)?.handlers?.frame(from, bytes);
      }, delay);
    }
  }

  /** @internal Drops a link for a while (a transport hanging up on a misbehaving peer). */
  cut(a: string, b: string, forMs: number): void {
    this.#cut.set(linkKey(a, b), this.scheduler.now() + forMs);
    this.reconcile();
    this.#notify(a, (handlers) => handlers.connection?.({ kind: 'retrying', peer: b, address: null, delayMs: forMs }));
    this.#notify(b, (handlers) => handlers.connection?.({ kind: 'retrying', peer: a, address: null, delayMs: forMs }));
    this.scheduler.setTimer(() => this.reconcile(), forMs);
  }

  #reachable(a: string, b: string): boolean {
    if ((this.#cut.get(linkKey(a, b)) ?? 0) > this.scheduler.now()) return false;
    if (!this.#groups) return true;
    return this.#groups.some((group) => group.includes(a) && group.includes(b));
  }

  #notify(device: string, event: (handlers: TransportHandlers, node: SimulatedTransport) => void): void {
    const node = this.#nodes.get(device);
    this.scheduler.setTimer(() => {
      if (node && !node.closed && node.handlers) event(node.handlers, node);
    }, 0);
  }
}

export class SimulatedTransport implements Transport {
  readonly deviceId: string;
  readonly #network: SimulatedNetwork;
  handlers: TransportHandlers | null = null;
  /** @internal Per peer, the connection (the link's number) this transport was told of. */
  readonly connections = new Map<string, number>();
  started = false;
  closed = false;

  constructor(network: SimulatedNetwork, deviceId: string) {
    this.#network = network;
    this.deviceId = deviceId;
  }

  setHandlers(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }

  async start(): Promise<void> {
    this.started = true;
    this.#network.reconcile();
  }

  /** Devices in the same partition group are always connected; there is nothing to dial. */
  connectedPeers(): string[] {
    return this.closed ? [] : this.#network.peersOf(this.deviceId);
  }

  async send(peer: string, frame: Uint8Array): Promise<void> {
    if (this.closed || !this.#network.linked(this.deviceId, peer)) throw new TransportError('not-connected', `not connected to ${peer}`);
    this.#network.transmit(this.deviceId, peer, frame);
  }

  disconnect(peer: string): void {
    this.#network.cut(this.deviceId, peer, 1000);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.#network.reconcile();
  }
}

function linkKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

function withDefaults(faults: SimulatedFaults): Required<SimulatedFaults> {
  return {
    drop: faults.drop ?? 0,
    duplicate: faults.duplicate ?? 0,
    minDelayMs: faults.minDelayMs ?? 1,
    maxDelayMs: faults.maxDelayMs ?? faults.minDelayMs ?? 1,
  };
}
