/**
 * TCP transport (`syncgen/transports/tcp`), over node:net: connections, their handshake
 * (`handshake.ts`), their framing (`framing.ts`) and the addresses to dial (`dialer.ts`).
 *
 * Only after the handshake is the peer up, and its authenticated device id is the sender of every
 * frame on the connection. Two devices that dial each other keep the connection dialed by the
 * smaller device id. Refusals carry a code of the runtime's error table and a reason.
 */
import net from 'node:net';
import type { SyncErrorCode } from '../../core/errors.js';
import { PROTOCOL_VERSION } from '../../protocol/messages.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../../protocol/wire-codec.js';
import { TransportError, type Transport, type TransportHandlers } from '../transport.js';
import { Dialer } from './dialer.js';
import { FrameReader, framed, OversizedFrame } from './framing.js';
import { authFrame, checkAuth, checkHello, helloFrame, newNonce, readHandshake, refusalFrame, type HandshakeIdentity, type Refusal } from './handshake.js';

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
  /** For refusals, the code (of the runtime's error table; a peer's as it sent it). */
  readonly code?: string;
  readonly reason: string;
}

type Phase = 'hello' | 'auth' | 'open' | 'closed';

class Connection {
  phase: Phase = 'hello';
  peer: string | null = null;
  peerNonce: Buffer | null = null;
  readonly nonce = newNonce();
  readonly reader: FrameReader;

  constructor(
    readonly socket: net.Socket,
    readonly address: string,
    /** The device that dialed this connection. */
    public dialer: string | null,
    maxFrameBytes: number,
  ) {
    this.reader = new FrameReader(maxFrameBytes);
  }

  write(frame: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.phase === 'closed' || this.socket.destroyed) {
        reject(new TransportError('not-connected', `connection to ${this.peer ?? this.address} is closed`));
        return;
      }
      this.socket.write(framed(frame), (error) => (error ? reject(error) : resolve()));
    });
  }
}

export class TcpTransport implements Transport {
  readonly deviceId: string;
  readonly #options: TcpTransportOptions;
  readonly #identity: HandshakeIdentity;
  readonly #maxFrameBytes: number;
  readonly #dialer: Dialer;
  #handlers: TransportHandlers | null = null;
  #server: net.Server | null = null;
  readonly #open = new Map<string, Connection>();
  readonly #all = new Set<Connection>();
  #closed = false;

  constructor(options: TcpTransportOptions) {
    this.deviceId = options.deviceId;
    this.#options = options;
    this.#identity = {
      deviceId: options.deviceId,
      libraryId: options.libraryId,
      schemaHash: options.schemaHash,
      secret: Buffer.from(options.secret),
      protocolVersion: options.protocolVersion ?? PROTOCOL_VERSION,
    };
    this.#maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.#dialer = new Dialer({ baseMs: options.reconnectBaseMs ?? 100, maxMs: options.reconnectMaxMs ?? 5000 }, (address) => this.#dial(address));
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
    if (!address || typeof address === 'string') throw new TransportError('not-listening', 'the transport is not listening');
    return { host: address.address, port: address.port };
  }

  /** Dials a peer at `host:port`, and redials it after a loss. */
  connect(address: string): void {
    if (!this.#closed) this.#dialer.add(address);
  }

  /** Authenticated peers with an open connection. */
  connectedPeers(): string[] {
    return [...this.#open.keys()];
  }

  async send(peer: string, frame: Uint8Array): Promise<void> {
    const connection = this.#open.get(peer);
    if (!connection) throw new TransportError('not-connected', `not connected to ${peer}`);
    await connection.write(frame);
  }

  disconnect(peer: string, reason: string): void {
    const connection = this.#open.get(peer);
    if (connection) this.#end(connection, reason);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#dialer.close();
    for (const connection of [...this.#all]) this.#end(connection, 'transport closed');
    const server = this.#server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #dial(address: string): void {
    if (this.#closed) return;
    const index = address.lastIndexOf(':');
    const socket = net.connect({ host: address.slice(0, index), port: Number(address.slice(index + 1)) });
    this.#attach(socket, address, this.deviceId);
  }

  #attach(socket: net.Socket, address: string, dialer: string | null): void {
    const connection = new Connection(socket, address, dialer, this.#maxFrameBytes);
    this.#all.add(connection);
    socket.setNoDelay(true);
    const timeout = setTimeout(() => {
      if (connection.phase !== 'open') this.#refuse(connection, { code: 'handshake-timeout', reason: 'handshake timed out' });
    }, this.#options.handshakeTimeoutMs ?? 10_000);
    socket.on('connect', () => this.#sendHandshake(connection, helloFrame(this.#identity, connection.nonce)));
    if (dialer === null) this.#sendHandshake(connection, helloFrame(this.#identity, connection.nonce));
    socket.on('data', (chunk: Buffer) => {
      const frames = connection.reader.read(chunk);
      if (frames instanceof OversizedFrame) {
        this.#refuse(connection, { code: 'oversized', reason: frames.message });
        return;
      }
      for (const frame of frames) {
        if (connection.phase === 'closed') return;
        this.#receive(connection, frame);
      }
    });
    socket.on('error', (error) => this.#event({ kind: 'error', connection, reason: error.message }));
    socket.on('close', () => {
      clearTimeout(timeout);
      this.#closedConnection(connection);
    });
  }

  #sendHandshake(connection: Connection, frame: Buffer): void {
    void connection.write(frame).catch((error: Error) => this.#event({ kind: 'error', connection, reason: error.message }));
  }

  #receive(connection: Connection, frame: Buffer): void {
    if (connection.phase === 'open') {
      this.#handlers?.frame(connection.peer!, frame);
      return;
    }
    const handshake = readHandshake(frame);
    if (handshake.kind === 'garbage') {
      this.#refuse(connection, { code: 'not-a-peer', reason: 'the handshake frame is not MessagePack: not a syncgen peer' });
    } else if (handshake.kind === 'refused') {
      this.#event({ kind: 'refused-by-peer', connection, code: handshake.code, reason: handshake.reason });
      this.#end(connection, `refused by peer: ${handshake.reason}`);
    } else if (connection.phase === 'hello') {
      this.#receiveHello(connection, handshake.message);
    } else {
      this.#receiveAuth(connection, handshake.message);
    }
  }

  #receiveHello(connection: Connection, message: unknown): void {
    const hello = checkHello(this.#identity, message);
    if ('code' in hello) {
      this.#refuse(connection, hello);
      return;
    }
    connection.peer = hello.peer;
    connection.peerNonce = hello.nonce;
    connection.phase = 'auth';
    this.#sendHandshake(connection, authFrame(this.#identity, hello.peer, hello.nonce));
  }

  #receiveAuth(connection: Connection, message: unknown): void {
    const peer = connection.peer!;
    const refusal = checkAuth(this.#identity, peer, connection.nonce, message);
    if (refusal) {
      this.#refuse(connection, refusal);
      return;
    }
    if (connection.dialer === null) connection.dialer = peer;
    const existing = this.#open.get(peer);
    if (existing) {
      // Both dialed: keep the connection dialed by the smaller device id, on both sides alike.
      const smaller = [peer, this.deviceId].sort()[0];
      const keeper = [existing, connection].find((candidate) => candidate.dialer === smaller) ?? existing;
      this.#end(keeper === existing ? connection : existing, 'duplicate connection');
      if (keeper === existing) return;
    }
    connection.phase = 'open';
    this.#open.set(peer, connection);
    if (connection.dialer === this.deviceId) this.#dialer.reached(connection.address, peer);
    this.#event({ kind: 'connected', connection, reason: 'authenticated' });
    this.#handlers?.peerUp(peer);
  }

  #refuse(connection: Connection, refusal: Refusal): void {
    this.#event({ kind: 'refused', connection, code: refusal.code, reason: refusal.reason });
    if (connection.phase !== 'closed' && !connection.socket.destroyed) connection.socket.end(framed(refusalFrame(refusal)));
    this.#end(connection, refusal.reason);
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
      this.#dialer.lost(connection.peer!);
    }
  }

  #closedConnection(connection: Connection): void {
    this.#all.delete(connection);
    this.#end(connection, 'connection closed');
    this.#event({ kind: 'closed', connection, reason: 'connection closed' });
    // A dial that failed, or lost to a duplicate while the peer stays connected: try again only in the first case.
    const reached = this.#dialer.peerAt(connection.address);
    if (reached !== undefined && connection.dialer === this.deviceId && !(reached && this.#open.has(reached))) this.#dialer.redial(connection.address);
  }

  #event(event: { kind: TcpEvent['kind']; connection: Connection; code?: SyncErrorCode | string; reason: string }): void {
    const { kind, connection, code, reason } = event;
    this.#options.onEvent?.({ kind, address: connection.address, peer: connection.peer, reason, ...(code === undefined ? {} : { code }) });
  }
}

export function createTcpTransport(options: TcpTransportOptions): TcpTransport {
  return new TcpTransport(options);
}
