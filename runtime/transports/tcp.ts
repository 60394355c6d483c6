/**
 * TCP transport (`syncgen/transports/tcp`), over node:net.
 *
 * Frames: a 4-byte big-endian length, then the bytes; a length above `maxFrameBytes` ends the
 * connection (its framing can no longer be trusted). Before any sync frame, both sides run a
 * handshake, each sending:
 *
 * | frame | content (MessagePack array) |
 * | ----- | ------- |
 * | hello | `['syncgen-hello', protocolVersion, libraryId, deviceId, schemaHash, nonce (32 random bytes)]` |
 * | auth  | `['syncgen-auth', HMAC-SHA256(secret, 'syncgen-auth-v1' \| peer's nonce \| own device id \| peer's device id \| libraryId)]` |
 * | refused | `['syncgen-refused', reason]`, then the connection closes |
 *
 * A hello of another protocol version, library or schema is refused with a reason that says which.
 * The auth proves the library's shared secret without sending it (each side signs the other's fresh
 * nonce), so a device without the secret is refused, and a recorded auth cannot be replayed. Only
 * then is the peer up, and its authenticated device id is the sender of every frame on the
 * connection. Two devices that dial each other keep the connection dialed by the smaller device id.
 * Dialed addresses are redialed after a loss, with capped exponential backoff and jitter.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import { Packr, Unpackr } from 'msgpackr';
import { PROTOCOL_VERSION } from '../protocol.js';
import type { Transport, TransportHandlers } from '../transport.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../wire-codec.js';

export interface TcpTransportOptions {
  readonly deviceId: string;
  readonly libraryId: string;
  readonly schemaHash: string;
  /** The library's shared secret; every device of the library has it. */
  readonly secret: string | Uint8Array;
  /** Where to accept connections (port 0: any free port; see `address()`). */
  readonly listen?: { readonly host?: string; readonly port: number };
  /** `host:port` addresses to dial, and redial after a loss. */
  readonly peers?: readonly string[];
  readonly maxFrameBytes?: number;
  readonly reconnectBaseMs?: number;
  readonly reconnectMaxMs?: number;
  readonly handshakeTimeoutMs?: number;
  /** The protocol version this side announces (tests use it to play a newer device). */
  readonly protocolVersion?: number;
  /** Handshake refusals and connection events, for logs and tests. */
  readonly onEvent?: (event: TcpEvent) => void;
}

export interface TcpEvent {
  readonly kind: 'refused' | 'refused-by-peer' | 'connected' | 'closed' | 'error';
  readonly address: string;
  readonly peer: string | null;
  readonly reason: string;
}

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false });
const AUTH_CONTEXT = Buffer.from('syncgen-auth-v1');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Phase = 'hello' | 'auth' | 'open' | 'closed';

class Connection {
  phase: Phase = 'hello';
  peer: string | null = null;
  peerNonce: Buffer | null = null;
  readonly nonce = randomBytes(32);
  #buffered: Buffer[] = [];
  #bufferedBytes = 0;
  /** Bytes needed before the next frame (or length) is complete: chunks are joined only then, not on every chunk (quadratic in a large frame). */
  #needed = 4;

  constructor(
    readonly socket: net.Socket,
    readonly address: string,
    /** The device that dialed this connection. */
    public dialer: string | null,
  ) {}

  /** Appends bytes; returns the complete frames, or an error when a length is out of bounds. */
  read(chunk: Buffer, maxFrameBytes: number): Buffer[] | Error {
    this.#buffered.push(chunk);
    this.#bufferedBytes += chunk.length;
    if (this.#bufferedBytes < this.#needed) return [];
    let data = this.#buffered.length === 1 ? this.#buffered[0]! : Buffer.concat(this.#buffered, this.#bufferedBytes);
    const frames: Buffer[] = [];
    this.#needed = 4;
    while (data.length >= 4) {
      const length = data.readUInt32BE(0);
      if (length > maxFrameBytes) return new Error(`frame of ${length} bytes exceeds the limit of ${maxFrameBytes}`);
      if (data.length < 4 + length) {
        this.#needed = 4 + length;
        break;
      }
      frames.push(data.subarray(4, 4 + length));
      data = data.subarray(4 + length);
    }
    this.#buffered = data.length > 0 ? [data] : [];
    this.#bufferedBytes = data.length;
    return frames;
  }

  write(frame: Uint8Array): Promise<void> {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(frame.length);
    return new Promise((resolve, reject) => {
      if (this.phase === 'closed' || this.socket.destroyed) {
        reject(new Error(`connection to ${this.peer ?? this.address} is closed`));
        return;
      }
      this.socket.write(Buffer.concat([header, frame]), (error) => (error ? reject(error) : resolve()));
    });
  }
}

export class TcpTransport implements Transport {
  readonly deviceId: string;
  readonly #options: TcpTransportOptions;
  readonly #secret: Buffer;
  readonly #maxFrameBytes: number;
  #handlers: TransportHandlers | null = null;
  #server: net.Server | null = null;
  readonly #open = new Map<string, Connection>();
  readonly #all = new Set<Connection>();
  readonly #dialing = new Map<string, { attempts: number; timer: NodeJS.Timeout | null; peer: string | null }>();
  #closed = false;

  constructor(options: TcpTransportOptions) {
    this.deviceId = options.deviceId;
    this.#options = options;
    this.#secret = Buffer.from(options.secret);
    this.#maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  setHandlers(handlers: TransportHandlers): void {
    this.#handlers = handlers;
  }

  async start(): Promise<void> {
    const { listen } = this.#options;
    if (listen) {
      const server = net.createServer((socket) => this.#attach(socket, `${socket.remoteAddress}:${socket.remotePort}`, null));
      this.#server = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(listen.port, listen.host ?? '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
    }
    for (const address of this.#options.peers ?? []) this.connect(address);
  }

  /** The address the transport listens on (after `start`). */
  address(): { host: string; port: number } {
    const address = this.#server?.address();
    if (!address || typeof address === 'string') throw new Error('the transport is not listening');
    return { host: address.address, port: address.port };
  }

  connect(address: string): void {
    if (this.#closed || this.#dialing.has(address)) return;
    this.#dialing.set(address, { attempts: 0, timer: null, peer: null });
    this.#dial(address);
  }

  connectedPeers(): string[] {
    return [...this.#open.keys()];
  }

  async send(peer: string, frame: Uint8Array): Promise<void> {
    const connection = this.#open.get(peer);
    if (!connection) throw new Error(`not connected to ${peer}`);
    await connection.write(frame);
  }

  disconnect(peer: string, reason: string): void {
    const connection = this.#open.get(peer);
    if (connection) this.#end(connection, reason);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const { timer } of this.#dialing.values()) if (timer) clearTimeout(timer);
    this.#dialing.clear();
    for (const connection of [...this.#all]) this.#end(connection, 'transport closed');
    const server = this.#server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #dial(address: string): void {
    const state = this.#dialing.get(address);
    if (!state || this.#closed) return;
    const [host, port] = splitAddress(address);
    const socket = net.connect({ host, port });
    this.#attach(socket, address, this.deviceId);
  }

  #redial(address: string): void {
    const state = this.#dialing.get(address);
    if (!state || this.#closed || state.timer) return;
    const base = this.#options.reconnectBaseMs ?? 100;
    const delay = Math.min(this.#options.reconnectMaxMs ?? 5000, base * 2 ** state.attempts) * (0.5 + Math.random());
    state.attempts += 1;
    state.timer = setTimeout(() => {
      state.timer = null;
      this.#dial(address);
    }, delay);
  }

  #attach(socket: net.Socket, address: string, dialer: string | null): void {
    const connection = new Connection(socket, address, dialer);
    this.#all.add(connection);
    socket.setNoDelay(true);
    const timeout = setTimeout(() => {
      if (connection.phase !== 'open') this.#refuse(connection, 'handshake timed out');
    }, this.#options.handshakeTimeoutMs ?? 10_000);
    socket.on('connect', () => this.#sendHello(connection));
    if (dialer === null) this.#sendHello(connection);
    socket.on('data', (chunk: Buffer) => {
      const frames = connection.read(chunk, this.#maxFrameBytes);
      if (frames instanceof Error) {
        this.#refuse(connection, frames.message);
        return;
      }
      for (const frame of frames) {
        if (connection.phase === 'closed') return;
        this.#receive(connection, frame);
      }
    });
    socket.on('error', (error) => this.#event('error', connection, error.message));
    socket.on('close', () => {
      clearTimeout(timeout);
      this.#closedConnection(connection);
    });
  }

  #sendHello(connection: Connection): void {
    const { libraryId, schemaHash, protocolVersion } = this.#options;
    void connection
      .write(packr.pack(['syncgen-hello', protocolVersion ?? PROTOCOL_VERSION, libraryId, this.deviceId, schemaHash, connection.nonce]))
      .catch((error: Error) => this.#event('error', connection, error.message));
  }

  #receive(connection: Connection, frame: Buffer): void {
    if (connection.phase === 'open') {
      this.#handlers?.frame(connection.peer!, frame);
      return;
    }
    let message: unknown;
    try {
      message = unpackr.unpack(frame);
    } catch {
      this.#refuse(connection, 'the handshake frame is not MessagePack: not a syncgen peer');
      return;
    }
    if (Array.isArray(message) && message[0] === 'syncgen-refused') {
      this.#event('refused-by-peer', connection, String(message[1]));
      this.#end(connection, `refused by peer: ${String(message[1])}`);
      return;
    }
    if (connection.phase === 'hello') this.#receiveHello(connection, message);
    else this.#receiveAuth(connection, message);
  }

  #receiveHello(connection: Connection, message: unknown): void {
    if (!Array.isArray(message) || message.length !== 6 || message[0] !== 'syncgen-hello') {
      this.#refuse(connection, 'not a syncgen hello: not a syncgen peer');
      return;
    }
    const [, version, libraryId, deviceId, schemaHash, nonce] = message as unknown[];
    if (version !== PROTOCOL_VERSION) {
      this.#refuse(connection, `protocol version ${String(version)} is not supported (this device speaks ${PROTOCOL_VERSION}); upgrade the older device`);
    } else if (libraryId !== this.#options.libraryId) {
      this.#refuse(connection, `wrong library: ${String(libraryId)} is not ${this.#options.libraryId}`);
    } else if (schemaHash !== this.#options.schemaHash) {
      this.#refuse(connection, `schema mismatch: ${String(schemaHash).slice(0, 12)} is not ${this.#options.schemaHash.slice(0, 12)}; upgrade both devices to the same schemas`);
    } else if (typeof deviceId !== 'string' || !UUID.test(deviceId) || deviceId === this.deviceId) {
      this.#refuse(connection, `invalid device id ${JSON.stringify(deviceId)}`);
    } else if (!(nonce instanceof Uint8Array) || nonce.length !== 32) {
      this.#refuse(connection, 'invalid handshake nonce');
    } else {
      connection.peer = deviceId;
      connection.peerNonce = Buffer.from(nonce);
      connection.phase = 'auth';
      void connection
        .write(packr.pack(['syncgen-auth', this.#proof(connection.peerNonce, this.deviceId, deviceId)]))
        .catch((error: Error) => this.#event('error', connection, error.message));
    }
  }

  #receiveAuth(connection: Connection, message: unknown): void {
    const proof = Array.isArray(message) && message[0] === 'syncgen-auth' ? message[1] : undefined;
    const expected = this.#proof(connection.nonce, connection.peer!, this.deviceId);
    if (!(proof instanceof Uint8Array) || proof.length !== expected.length || !timingSafeEqual(Buffer.from(proof), expected)) {
      this.#refuse(connection, 'authentication failed: the peer does not hold this library\'s secret');
      return;
    }
    const peer = connection.peer!;
    if (connection.dialer === null) connection.dialer = peer;
    const existing = this.#open.get(peer);
    if (existing) {
      // Both dialed: keep the connection dialed by the smaller device id, on both sides alike.
      const keeper = [existing, connection].find((candidate) => candidate.dialer === (peer < this.deviceId ? peer : this.deviceId)) ?? existing;
      this.#end(keeper === existing ? connection : existing, 'duplicate connection');
      if (keeper === existing) return;
    }
    connection.phase = 'open';
    this.#open.set(peer, connection);
    const dialed = this.#dialing.get(connection.address);
    if (dialed && connection.dialer === this.deviceId) {
      dialed.attempts = 0;
      dialed.peer = peer;
    }
    this.#event('connected', connection, 'authenticated');
    this.#handlers?.peerUp(peer);
  }

  #proof(nonce: Buffer, from: string, to: string): Buffer {
    return createHmac('sha256', this.#secret).update(AUTH_CONTEXT).update(nonce).update(from).update(to).update(this.#options.libraryId).digest();
  }

  #refuse(connection: Connection, reason: string): void {
    this.#event('refused', connection, reason);
    if (connection.phase !== 'closed' && !connection.socket.destroyed) {
      const refusal = packr.pack(['syncgen-refused', reason]);
      const header = Buffer.alloc(4);
      header.writeUInt32BE(refusal.length);
      connection.socket.end(Buffer.concat([header, refusal]));
    }
    this.#end(connection, reason);
  }

  #end(connection: Connection, reason: string): void {
    if (connection.phase === 'closed') return;
    const wasOpen = connection.phase === 'open' && this.#open.get(connection.peer!) === connection;
    connection.phase = 'closed';
    if (!connection.socket.destroyed) connection.socket.end();
    setTimeout(() => connection.socket.destroy(), 1000).unref();
    if (wasOpen) {
      this.#open.delete(connection.peer!);
      this.#handlers?.peerDown(connection.peer!, reason);
      // Whichever side dialed the lost connection, redial the peer if this side knows its address.
      for (const [address, dialed] of this.#dialing) if (dialed.peer === connection.peer) this.#redial(address);
    }
  }

  #closedConnection(connection: Connection): void {
    this.#all.delete(connection);
    this.#end(connection, 'connection closed');
    this.#event('closed', connection, 'connection closed');
    const dialed = this.#dialing.get(connection.address);
    // A dial that failed, or lost to a duplicate while the peer stays connected: try again only in the first case.
    if (dialed && connection.dialer === this.deviceId && !(dialed.peer && this.#open.has(dialed.peer))) this.#redial(connection.address);
  }

  #event(kind: TcpEvent['kind'], connection: Connection, reason: string): void {
    this.#options.onEvent?.({ kind, address: connection.address, peer: connection.peer, reason });
  }
}

function splitAddress(address: string): [string, number] {
  const index = address.lastIndexOf(':');
  return [address.slice(0, index), Number(address.slice(index + 1))];
}

export function createTcpTransport(options: TcpTransportOptions): TcpTransport {
  return new TcpTransport(options);
}
