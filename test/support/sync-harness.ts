/**
 * Whole devices for sync tests: a library on its own SQLite file, its PeerSync, and a transport,
 * either on a simulated network (virtual time, seeded faults, crash and restart from files) or on
 * real TCP sockets on loopback.
 */
import type { Registry } from '../../runtime/contract/registry.js';
import type { VersionVector } from '../../runtime/core/version-vector.js';
import { syncPortOf } from '../../runtime/library/library.js';
import type { PeerSyncOptions } from '../../runtime/sync/options.js';
import { PeerSync } from '../../runtime/sync/peer-sync.js';
import type { Transport } from '../../runtime/transports/transport.js';
import { SimulatedNetwork, type SimulatedFaults } from '../../runtime/transports/simulated/index.js';
import { createTcpTransport, type TcpEvent, type TcpLibrary, type TcpTransport } from '../../runtime/transports/tcp/index.js';
import { testCredentials } from './credentials.js';
import { closeReaders, DEVICES, LIBRARY_ID, openDevice, syncedState, temporaryDirectory, type ExampleLibrary } from './libraries.js';

export interface Device {
  readonly id: string;
  readonly dir: string;
  library: ExampleLibrary;
  sync: PeerSync;
  transport: Transport;
}

/** Sync options for tests: quick retries, frequent heartbeats, quiet logs. */
export const TEST_SYNC_OPTIONS: Partial<PeerSyncOptions> = {
  heartbeatMs: 200,
  retryBaseMs: 100,
  retryMaxMs: 2000,
  batchDelayMs: 2,
  log: () => {},
};

/** How a fleet is made: the network's seed and faults, sync options, and per device its log and a wrapper of its transport. */
export interface FleetOptions {
  readonly seed: number;
  readonly faults?: SimulatedFaults;
  readonly sync?: Partial<PeerSyncOptions>;
  /** A device's own log (default: the `log` of `sync`). */
  readonly logFor?: (device: string) => PeerSyncOptions['log'];
  /** Wraps a device's transport (each time it starts): a hostile device tampers with what it sends. */
  readonly wrapTransport?: (device: string, transport: Transport) => Transport;
}

export class SimulatedFleet {
  readonly network: SimulatedNetwork;
  readonly devices: Device[] = [];
  /** Per device, how far its wall clock is off (ms); changed by `setClockOffset`. */
  readonly clockOffsets = new Map<string, number>();
  readonly #options: Partial<PeerSyncOptions>;
  readonly #fleet: FleetOptions;
  /** The registry of each device not on the example's schema (kept across restarts). */
  readonly #registries = new Map<string, Registry<any, any>>();

  private constructor(network: SimulatedNetwork, options: FleetOptions) {
    this.network = network;
    this.#options = { ...TEST_SYNC_OPTIONS, ...options.sync };
    this.#fleet = options;
  }

  static async create(count: number, options: FleetOptions): Promise<SimulatedFleet> {
    const fleet = new SimulatedFleet(new SimulatedNetwork({ seed: options.seed, faults: options.faults }), options);
    for (const id of DEVICES.slice(0, count)) await fleet.add(id);
    return fleet;
  }

  /**
   * A new device joins (its library empty) and connects; its wall clock may be off by
   * `clockOffsetMs`; `registry` is its app's schema when not the example's (then cast its library).
   */
  async add(id: string, dir = temporaryDirectory('sim'), options: { clockOffsetMs?: number; registry?: Registry<any, any> } = {}): Promise<Device> {
    if (options.clockOffsetMs !== undefined) this.clockOffsets.set(id, options.clockOffsetMs);
    if (options.registry) this.#registries.set(id, options.registry);
    const now = () => this.network.scheduler.now() + (this.clockOffsets.get(id) ?? 0);
    const registry = this.#registries.get(id);
    const library = await openDevice(id, { dir, now, ...(registry ? { registry } : {}) });
    const simulated = this.network.transport(id);
    const transport = this.#fleet.wrapTransport?.(id, simulated) ?? simulated;
    const log = this.#fleet.logFor?.(id) ?? this.#options.log;
    const sync = new PeerSync(syncPortOf(library), {
      ...this.#options,
      ...(log ? { log } : {}),
      transport,
      scheduler: this.network.scheduler,
      random: () => this.network.random(),
    });
    const device: Device = { id, dir, library, sync, transport };
    const index = this.devices.findIndex((existing) => existing.id === id);
    if (index >= 0) this.devices[index] = device;
    else this.devices.push(device);
    await sync.start();
    return device;
  }

  device(id: string): Device {
    return this.devices.find((device) => device.id === id)!;
  }

  /** Crash: the sync engine stops mid-flight and the library closes, nothing flushed. */
  async crash(id: string): Promise<void> {
    const device = this.device(id);
    await device.sync.stop();
    closeReaders(device.library);
    device.library.close();
  }

  /** Restart from the device's files (with `registry`: its app was upgraded, and its migrations run at open). */
  async restart(id: string, registry?: Registry<any, any>): Promise<Device> {
    return this.add(id, this.device(id).dir, registry ? { registry } : {});
  }

  /** Runs the network until every live device holds the same version vector (or `maxMs` passes). */
  async settle(maxMs = 60_000): Promise<boolean> {
    return this.network.scheduler.runUntil(() => sameVectors(this.live()), maxMs);
  }

  live(): Device[] {
    return this.devices.filter((device) => !device.library.closed);
  }

  async close(): Promise<void> {
    for (const device of this.live()) {
      await device.sync.stop();
      closeReaders(device.library);
      device.library.close();
    }
  }
}

export function sameVectors(devices: readonly Device[]): boolean {
  const [first, ...rest] = devices.map((device) => vectorKey(device.library.outbox.cursors()));
  return rest.every((vector) => vector === first) && devices.every((device) => device.library.parkedCount === 0);
}

function vectorKey(vector: VersionVector): string {
  return [...vector].map(([origin, seq]) => `${origin}:${seq}`).join(',');
}

/** Every device's synced tables equal the first's (row by row, clocks included). */
export function assertConverged(devices: readonly Device[], equal: (actual: unknown, expected: unknown, message?: string) => void): void {
  const expected = syncedState(devices[0]!.library);
  for (const device of devices.slice(1)) equal(syncedState(device.library), expected, `${device.id} differs from ${devices[0]!.id}`);
}

/** How a test's device connects over TCP on loopback. */
export interface TcpOptions {
  peers?: string[];
  protocolVersion?: number;
  events?: TcpEvent[];
}

/** A TCP transport on loopback (any free port) for a library, with quick redials. */
export function tcpTransport(library: TcpLibrary, options: TcpOptions = {}): TcpTransport {
  return createTcpTransport({
    library,
    listen: { host: '127.0.0.1', port: 0 },
    peers: options.peers ?? [],
    protocolVersion: options.protocolVersion,
    reconnectBaseMs: 50,
    reconnectMaxMs: 500,
    onEvent: (event) => options.events?.push(event),
  });
}

/** The libraries `tcpDevice` opened in this process: each new one is introduced to those still open. */
const introduced: ExampleLibrary[] = [];

/**
 * Makes libraries members of each other, as pairing would (`library.members.add` with each one's
 * key): for tests about something else than pairing.
 */
export function introduce(...libraries: ExampleLibrary[]): void {
  for (const library of libraries) {
    for (const other of libraries) if (other !== library) library.members.add(other.deviceId, other.credentials.fingerprint);
  }
}

/** Admits a device played by the test (`testCredentials`) to a library: a raw or hostile peer that is a member. */
export async function admitTestDevice(library: ExampleLibrary, deviceId: string): Promise<void> {
  library.members.add(deviceId, (await testCredentials(deviceId)).fingerprint);
}

/**
 * A device on real TCP sockets on loopback; with `member` (the default) a member of every other
 * `tcpDevice` library open in this process, and they of it.
 */
export async function tcpDevice(
  id: string,
  options: TcpOptions & { libraryId?: string; member?: boolean; sync?: Partial<PeerSyncOptions> } = {},
): Promise<Device & { transport: TcpTransport; address: string }> {
  const library = await openDevice(id, { libraryId: options.libraryId ?? LIBRARY_ID });
  if (options.member !== false) {
    for (let index = introduced.length - 1; index >= 0; index -= 1) if (introduced[index]!.closed) introduced.splice(index, 1);
    for (const other of introduced) if (other.libraryId === library.libraryId && other.deviceId !== id) introduce(library, other);
    introduced.push(library);
  }
  const transport = tcpTransport(library, options);
  const sync = new PeerSync(syncPortOf(library), { ...TEST_SYNC_OPTIONS, ...options.sync, transport });
  await sync.start();
  const { port } = transport.address();
  return { id, dir: '', library, sync, transport, address: `127.0.0.1:${port}` };
}

/** Waits in real time until `done()` holds; false after `timeoutMs`. */
export async function waitFor(done: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}
