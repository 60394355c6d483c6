/**
 * TCP transport (`syncgen/transports/tcp`): TLS 1.3 over TCP (node:tls), each side with its
 * device's key and self-signed certificate; connections, their handshake (`handshake.ts`), their
 * framing (`framing.ts`), what each may cost (`limits.ts`), the counters (`stats.ts`) and the
 * addresses to dial (`dialer.ts`).
 *
 * TLS encrypts the connection (forward secrecy) and proves each side holds the key of the
 * certificate it presents. No certificate authority decides anything: trust comes from the
 * handshake inside TLS, whose proof of the library's secret is bound to the TLS session and to
 * both keys, and from the keys pinned per device (`PeerKeyStore`): a known device that presents
 * another key is refused (`device-key-changed`).
 *
 * Only after the handshake is the peer up, and its authenticated device id is the sender of every
 * frame on the connection. Two devices that dial each other keep the connection dialed by the
 * smaller device id. Refusals carry a code of the runtime's error table and a reason.
 *
 * Every byte is a stranger's until the handshake ends: before it, frames are small, accepted
 * connections in their handshake are capped and the handshake has a deadline; after it, a silent
 * peer is closed. Every socket event runs guarded: whatever throws ends that connection (an
 * 'error' event with code 'unreachable'), never the process.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { InvalidArgumentError, SyncError, type SyncErrorCode } from '../../core/errors.js';
import { PROTOCOL_VERSION } from '../../protocol/messages.js';
import { describeError } from '../../protocol/untrusted.js';
import { certificateFingerprint, MemoryPeerKeyStore, TransportError, type PeerKeyStore, type Transport, type TransportHandlers } from '../transport.js';
import { Dialer } from './dialer.js';
import { FrameReader, framed, OversizedFrame } from './framing.js';
import {
  authFrame,
  checkAuth,
  checkHello,
  EXPORTER_LABEL,
  helloFrame,
  isReady,
  newNonce,
  readHandshake,
  readyFrame,
  refusalFrame,
  type ChannelBinding,
  type Exchange,
  type HandshakeIdentity,
  type Refusal,
} from './handshake.js';
import { resolveLimits, type TcpLimits } from './limits.js';
import { TcpCounters, type TcpStats } from './stats.js';

/** The limits' defaults and reasons are in `limits.ts`. */
export interface TcpTransportOptions {
  readonly deviceId: string;
  readonly libraryId: string;
  readonly schemaHash: string;
  /** The library's shared secret; every device of the library has it. */
  readonly secret: string | Uint8Array;
  /** This device's private key and certificate (PEM), for TLS: `library.credentials`. */
  readonly credentials: { readonly key: string; readonly cert: string };
  /**
   * The key fingerprint pinned per peer device: `library.peerKeys` keeps them in the library file.
   * By default, pins held in memory and forgotten when the transport is dropped.
   */
  readonly peerKeys?: PeerKeyStore;
  /** Where to accept connections (port 0: any free port; see `address()`). */
  readonly listen?: { readonly host?: string; readonly port: number };
  /** `host:port` addresses to dial, and redial after a loss. */
  readonly peers?: readonly string[];
  readonly reconnectBaseMs?: number;
  readonly reconnectMaxMs?: number;
  /** Largest frame after authentication (default 16 MiB). */
  readonly maxFrameBytes?: number;
  /** Largest frame before authentication (default 4 KiB). */
  readonly maxHandshakeFrameBytes?: number;
  /** Accepted connections that may be in their handshake at once; one more is closed at once (default 32). */
  readonly maxUnauthenticated?: number;
  /** From a connection's start to authenticated, at most (default 10 s). */
  readonly handshakeTimeoutMs?: number;
  /** An authenticated peer from which nothing arrives this long is disconnected (default 30 s; keep it several times the engine's `heartbeatMs`). */
  readonly idleTimeoutMs?: number;
  /** The protocol version this side announces (tests use it to play a newer device). */
  readonly protocolVersion?: number;
  /** Handshake refusals and connection events, for logs and tests. An exception it throws is ignored. */
  readonly onEvent?: (event: TcpEvent) => void;
}

export interface TcpEvent {
  /**
   * 'refused': this side refused a connection before authentication; 'refused-by-peer': the peer
   * refused this side; 'connected': authenticated; 'disconnected': this side closed an
   * authenticated connection ('idle-timeout', 'oversized', or at the engine's request, with its
   * code); 'closed': the socket closed; 'error': a socket error, or a handler that threw ('unreachable').
   */
  readonly kind: 'refused' | 'refused-by-peer' | 'connected' | 'disconnected' | 'closed' | 'error';
  readonly address: string;
  readonly peer: string | null;
  /** For refusals and disconnections, the code (of the runtime's error table; a peer's as it sent it). */
  readonly code?: string;
  readonly reason: string;
}

/** 'hello' until the peer's hello, 'auth' until its proof, 'ready' until it accepts this side too. */
type Phase = 'hello' | 'auth' | 'ready' | 'open' | 'closed';

class Connection {
  phase: Phase = 'hello';
  peer: string | null = null;
  peerNonce: Buffer | null = null;
  /** What the TLS session says about the connection, once it is established. */
  binding: ChannelBinding | null = null;
  /** The subject of the peer's certificate (`CN=<device id>`). */
  peerSubject = '';
  /** This side's role. */
  readonly role: 'dialer' | 'listener';
  readonly nonce = newNonce();
  readonly reader = new FrameReader();
  /** Accepted by this side and not yet authenticated: it counts against `maxUnauthenticated`. */
  pending = false;
  /** When bytes last arrived (`performance.now()`), for the idle deadline. */
  lastReadAt = performance.now();
  /** The handshake deadline, then the idle deadline. */
  timer: NodeJS.Timeout | null = null;

  constructor(
    readonly socket: tls.TLSSocket,
    readonly address: string,
    /** The device that dialed this connection. */
    public dialer: string | null,
  ) {
    this.role = dialer === null ? 'listener' : 'dialer';
  }

  /** Before authentication: TLS, hello, auth, ready. */
  isUnauthenticated(): boolean {
    return this.phase === 'hello' || this.phase === 'auth' || this.phase === 'ready';
  }

  exchange(): Exchange {
    return { peer: this.peer!, nonce: this.nonce, peerNonce: this.peerNonce!, binding: this.binding! };
  }

  /** A method, so that TypeScript does not narrow `phase` across a handler call that may close the connection. */
  isClosed(): boolean {
    return this.phase === 'closed';
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
  readonly #limits: TcpLimits;
  readonly #dialer: Dialer;
  readonly #counters = new TcpCounters();
  readonly #context: tls.SecureContext;
  readonly #fingerprint: string;
  readonly #peerKeys: PeerKeyStore;
  #handlers: TransportHandlers | null = null;
  #server: net.Server | null = null;
  readonly #open = new Map<string, Connection>();
  readonly #all = new Set<Connection>();
  /** Accepted connections in their handshake. */
  #pending = 0;
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
    this.#limits = resolveLimits(options);
    const { credentials } = options;
    try {
      this.#context = tls.createSecureContext({ key: credentials.key, cert: credentials.cert, minVersion: 'TLSv1.3' });
      this.#fingerprint = certificateFingerprint(credentials.cert);
    } catch (error) {
      throw new InvalidArgumentError('credentials', '(PEM texts)', `this device's key and certificate, \`library.credentials\` (${describeError(error)})`);
    }
    this.#peerKeys = options.peerKeys ?? new MemoryPeerKeyStore();
    this.#dialer = new Dialer({ baseMs: options.reconnectBaseMs ?? 100, maxMs: options.reconnectMaxMs ?? 5000 }, (address) => this.#dial(address));
  }

  setHandlers(handlers: TransportHandlers): void {
    this.#handlers = handlers;
  }

  async start(): Promise<void> {
    const { listen } = this.#options;
    if (listen) {
      const server = net.createServer((socket) => this.#accept(socket));
      this.#server = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(listen.port, listen.host ?? '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      // An accept that fails (out of file descriptors under a flood) is an 'error' of the server: reported, never thrown.
      const address = `${listen.host ?? '127.0.0.1'}:${listen.port}`;
      server.on('error', (error) => this.#emit({ kind: 'error', address, peer: null, reason: describeError(error) }));
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
    const { port } = splitAddress(address);
    if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new InvalidArgumentError('address', address, 'host:port with a port from 1 to 65535');
    if (!this.#closed) this.#dialer.add(address);
  }

  /** Authenticated peers with an open connection. */
  connectedPeers(): string[] {
    return [...this.#open.keys()];
  }

  /** What was refused before authentication, and which authenticated connections this side closed (see `TcpStats`). */
  stats(): TcpStats {
    let unauthenticated = 0;
    for (const connection of this.#all) if (connection.isUnauthenticated()) unauthenticated += 1;
    return this.#counters.snapshot({ unauthenticated, authenticated: this.#open.size });
  }

  async send(peer: string, frame: Uint8Array): Promise<void> {
    const connection = this.#open.get(peer);
    if (!connection) throw new TransportError('not-connected', `not connected to ${peer}`);
    await connection.write(frame);
  }

  disconnect(peer: string, reason: string, code?: SyncErrorCode): void {
    const connection = this.#open.get(peer);
    if (!connection) return;
    if (code === 'too-many-invalid') this.#counters.closedInvalidFrames += 1;
    this.#event({ kind: 'disconnected', connection, code, reason });
    this.#end(connection, reason);
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
    const { host, port } = splitAddress(address);
    let socket: tls.TLSSocket;
    try {
      socket = tls.connect({
        host,
        port,
        secureContext: this.#context,
        minVersion: 'TLSv1.3',
        // A self-signed device certificate, not a CA-issued one for a host name: the handshake inside decides.
        rejectUnauthorized: false,
        checkServerIdentity: () => undefined,
      });
    } catch (error) {
      // Called from a redial timer too: a failure is reported, never thrown.
      this.#emit({ kind: 'error', address, peer: null, reason: describeError(error) });
      return;
    }
    this.#attach(socket, address, this.deviceId);
  }

  #accept(socket: net.Socket): void {
    const address = `${socket.remoteAddress}:${socket.remotePort}`;
    if (this.#closed) {
      socket.destroy();
      return;
    }
    if (this.#pending >= this.#limits.maxUnauthenticated) {
      // Closed at once, before any handshake work: strangers cannot hold more than the cap.
      socket.destroy();
      this.#counters.refused('too-many-connections');
      const reason = `${this.#pending} connections are already in their handshake (maxUnauthenticated)`;
      this.#emit({ kind: 'refused', address, peer: null, code: 'too-many-connections', reason });
      return;
    }
    try {
      socket.setNoDelay(true);
      // TLS on the accepted socket: every peer presents its device certificate. Self-signed, so no CA
      // judges it (the handshake inside does); the session's errors and close come from this socket.
      const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: this.#context, requestCert: true, rejectUnauthorized: false });
      this.#attach(secure, address, null);
    } catch (error) {
      socket.destroy();
      this.#emit({ kind: 'error', address, peer: null, code: 'unreachable', reason: describeError(error) });
    }
  }

  #attach(socket: tls.TLSSocket, address: string, dialer: string | null): void {
    const connection = new Connection(socket, address, dialer);
    this.#all.add(connection);
    if (dialer === null) {
      connection.pending = true;
      this.#pending += 1;
    }
    // Errors first: an 'error' without a listener would be thrown out of the event loop.
    socket.on('error', (error) => this.#safely(connection, () => this.#socketError(connection, error)));
    socket.on('close', () => this.#safely(connection, () => this.#closedConnection(connection)));
    socket.on('data', (chunk: Buffer) => {
      // #safely inlined: no closure per chunk on the hot path.
      try {
        this.#read(connection, chunk);
      } catch (error) {
        this.#failed(connection, error);
      }
    });
    socket.on(dialer === null ? 'secure' : 'secureConnect', () => this.#safely(connection, () => this.#secured(connection)));
    socket.setNoDelay(true);
    // From the first moment (a dial still connecting included) to authenticated: every phase before it.
    connection.timer = setTimeout(
      () => this.#safely(connection, () => this.#refuse(connection, { code: 'handshake-timeout', reason: 'handshake timed out' })),
      this.#limits.handshakeTimeoutMs,
    );
    connection.timer.unref();
  }

  /** TLS is up: note what the session says (exporter, the peer's key), and say hello. */
  #secured(connection: Connection): void {
    if (connection.isClosed()) return;
    const { socket } = connection;
    const certificate = socket.getPeerX509Certificate();
    if (!certificate) {
      this.#refuse(connection, { code: 'not-a-peer', reason: 'the peer presented no certificate: not a syncgen peer' });
      return;
    }
    connection.peerSubject = certificate.subject;
    connection.binding = {
      role: connection.role,
      exporter: socket.exportKeyingMaterial(32, EXPORTER_LABEL, Buffer.alloc(0)),
      fingerprint: this.#fingerprint,
      peerFingerprint: certificateFingerprint(certificate.raw),
    };
    this.#sendHandshake(connection, helloFrame(this.#identity, connection.nonce));
  }

  /** A socket error; one of the TLS handshake (a TLS 1.2 client, not TLS at all) is a refusal. */
  #socketError(connection: Connection, error: Error): void {
    const tlsFailure = connection.binding === null && (error as { code?: unknown }).code?.toString().startsWith('ERR_SSL_');
    if (!tlsFailure || connection.role === 'dialer' || !connection.isUnauthenticated()) {
      this.#event({ kind: 'error', connection, reason: describeError(error) });
      return;
    }
    // OpenSSL's reason ('unsupported protocol', 'http request'), not its whole error string.
    const reason = (error as { reason?: unknown }).reason;
    const refusal: Refusal = { code: 'not-a-peer', reason: `TLS handshake failed: ${typeof reason === 'string' ? reason : describeError(error)}` };
    this.#counters.refused(refusal.code);
    this.#event({ kind: 'refused', connection, code: refusal.code, reason: refusal.reason });
    this.#end(connection, refusal.reason);
  }

  /** Runs a socket event's work; whatever it throws ends this connection, not the process. */
  #safely(connection: Connection, run: () => void): void {
    try {
      run();
    } catch (error) {
      this.#failed(connection, error);
    }
  }

  #failed(connection: Connection, error: unknown): void {
    this.#counters.closedOnException += 1;
    if (connection.isUnauthenticated()) this.#counters.refused('unreachable');
    this.#event({ kind: 'error', connection, code: 'unreachable', reason: `a handler threw: ${describeError(error)}` });
    try {
      this.#end(connection, 'a handler threw');
    } catch {
      // The engine's peerDown threw too; the socket goes below all the same.
    }
    connection.socket.destroy();
  }

  #read(connection: Connection, chunk: Buffer): void {
    // A closing connection's bytes are dropped, not buffered.
    if (connection.phase === 'closed') return;
    connection.lastReadAt = performance.now();
    const reader = connection.reader;
    reader.push(chunk);
    const limits = this.#limits;
    for (;;) {
      const open = connection.phase === 'open';
      // Each frame is held to the limit of the phase it arrives in, even within one chunk.
      const frame = reader.next(open ? limits.maxFrameBytes : limits.maxHandshakeFrameBytes);
      if (frame === null) return;
      if (frame instanceof OversizedFrame) {
        if (open) {
          this.#counters.closedInvalidFrames += 1;
          this.#event({ kind: 'disconnected', connection, code: 'oversized', reason: frame.message });
          this.#end(connection, frame.message);
        } else {
          this.#refuse(connection, { code: 'oversized', reason: frame.message });
        }
        return;
      }
      if (open) this.#handlers?.frame(connection.peer!, frame);
      else this.#receiveHandshake(connection, frame);
      if (connection.isClosed()) return;
    }
  }

  #sendHandshake(connection: Connection, frame: Buffer): void {
    void connection.write(frame).catch((error: unknown) => this.#event({ kind: 'error', connection, reason: describeError(error) }));
  }

  #receiveHandshake(connection: Connection, frame: Buffer): void {
    const handshake = readHandshake(frame);
    if (handshake.kind === 'garbage') {
      this.#refuse(connection, { code: 'not-a-peer', reason: 'the handshake frame is not MessagePack: not a syncgen peer' });
    } else if (handshake.kind === 'refused') {
      this.#event({ kind: 'refused-by-peer', connection, code: handshake.code, reason: handshake.reason });
      this.#end(connection, `refused by peer: ${handshake.reason}`);
    } else if (connection.phase === 'hello') {
      this.#receiveHello(connection, handshake.message);
    } else if (connection.phase === 'auth') {
      this.#receiveAuth(connection, handshake.message);
    } else {
      this.#receiveReady(connection, handshake.message);
    }
  }

  #receiveHello(connection: Connection, message: unknown): void {
    const hello = checkHello(this.#identity, message);
    if ('code' in hello) {
      this.#refuse(connection, hello);
      return;
    }
    if (connection.binding === null) {
      this.#refuse(connection, { code: 'not-a-peer', reason: 'a hello before the TLS session was established' });
      return;
    }
    if (connection.peerSubject !== `CN=${hello.peer}`) {
      this.#refuse(connection, {
        code: 'invalid-device-id',
        reason: `the peer announced device ${hello.peer} with the certificate of ${JSON.stringify(connection.peerSubject.slice(0, 100))}`,
      });
      return;
    }
    connection.peer = hello.peer;
    connection.peerNonce = hello.nonce;
    connection.phase = 'auth';
    this.#sendHandshake(connection, authFrame(this.#identity, connection.exchange()));
  }

  #receiveAuth(connection: Connection, message: unknown): void {
    const peer = connection.peer!;
    const refusal = checkAuth(this.#identity, connection.exchange(), message) ?? this.#checkKey(peer, connection.binding!.peerFingerprint);
    if (refusal) {
      this.#refuse(connection, refusal);
      return;
    }
    connection.phase = 'ready';
    this.#sendHandshake(connection, readyFrame());
  }

  /**
   * A member (it proved the secret) presents a key: pinned on first sight, refused when it is not
   * the key pinned for its device id, or when it claims this device's own id.
   */
  #checkKey(peer: string, fingerprint: string): Refusal | null {
    const short = (value: string) => `${value.slice(0, 16)}…`;
    if (peer === this.deviceId) {
      return fingerprint === this.#fingerprint
        ? {
            code: 'invalid-device-id',
            reason: `the peer is this device (${peer}) with this device's key: a copy of this device's directory runs elsewhere; give each device its own directory and device id`,
          }
        : {
            code: 'device-key-changed',
            reason: `a peer claims this device's own id ${peer} with another key (${short(fingerprint)}): someone who holds the library's secret is impersonating this device`,
          };
    }
    let pinned: string | undefined;
    try {
      pinned = this.#peerKeys.fingerprintOf(peer);
      if (pinned === undefined) this.#peerKeys.pin(peer, fingerprint);
    } catch (error) {
      // The key store failed (a library closed under a running transport): refused, with the store's code.
      return {
        code: error instanceof SyncError ? error.code : 'unreachable',
        reason: `the key of device ${peer} could not be checked: ${describeError(error)}`,
      };
    }
    if (pinned === undefined || pinned === fingerprint) return null;
    return {
      code: 'device-key-changed',
      reason:
        `device ${peer} presented key ${short(fingerprint)}, not the key ${short(pinned)} this device pinned for it. ` +
        `If that device made a new key (its directory was lost or reset), run library.peerKeys.forget('${peer}') on this device; ` +
        "otherwise someone who holds the library's secret is claiming its id",
    };
  }

  /** The peer accepted this device too: the connection opens. */
  #receiveReady(connection: Connection, message: unknown): void {
    if (!isReady(message)) {
      this.#refuse(connection, { code: 'not-a-peer', reason: 'expected the peer to accept or refuse this device' });
      return;
    }
    const peer = connection.peer!;
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
    this.#leavePending(connection);
    this.#armIdle(connection, this.#limits.idleTimeoutMs);
    this.#open.set(peer, connection);
    if (connection.dialer === this.deviceId) this.#dialer.reached(connection.address, peer);
    this.#event({ kind: 'connected', connection, reason: 'authenticated' });
    this.#handlers?.peerUp(peer);
  }

  /** The idle deadline: checked when it fires against the last arrival, and set again for what is left (no timer work per chunk). */
  #armIdle(connection: Connection, delayMs: number): void {
    if (connection.timer) clearTimeout(connection.timer);
    connection.timer = setTimeout(() => this.#safely(connection, () => this.#checkIdle(connection, false)), delayMs);
    connection.timer.unref();
  }

  #checkIdle(connection: Connection, afterReads: boolean): void {
    if (connection.phase !== 'open') return;
    const idleTimeoutMs = this.#limits.idleTimeoutMs;
    const silentMs = performance.now() - connection.lastReadAt;
    if (silentMs < idleTimeoutMs) {
      this.#armIdle(connection, Math.ceil(idleTimeoutMs - silentMs));
      return;
    }
    if (!afterReads) {
      // Timers run before a turn's reads: after a long synchronous task of this side's, the peer's
      // bytes may be waiting in the socket. Look again once they are read.
      setImmediate(() => this.#safely(connection, () => this.#checkIdle(connection, true)));
      return;
    }
    this.#counters.closedIdle += 1;
    const reason = `nothing received for ${Math.round(silentMs)} ms (idleTimeoutMs ${idleTimeoutMs})`;
    this.#event({ kind: 'disconnected', connection, code: 'idle-timeout', reason });
    this.#end(connection, reason);
  }

  /** Refuses a connection before authentication: counted, reported, told to the peer, closed. */
  #refuse(connection: Connection, refusal: Refusal): void {
    if (connection.phase === 'closed' || connection.phase === 'open') return;
    this.#counters.refused(refusal.code);
    this.#event({ kind: 'refused', connection, code: refusal.code, reason: refusal.reason });
    if (!connection.socket.destroyed) connection.socket.end(framed(refusalFrame(refusal)));
    this.#end(connection, refusal.reason);
  }

  #leavePending(connection: Connection): void {
    if (!connection.pending) return;
    connection.pending = false;
    this.#pending -= 1;
  }

  #end(connection: Connection, reason: string): void {
    if (connection.phase === 'closed') return;
    const wasOpen = connection.phase === 'open' && this.#open.get(connection.peer!) === connection;
    connection.phase = 'closed';
    this.#leavePending(connection);
    if (connection.timer) clearTimeout(connection.timer);
    connection.reader.clear();
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

  #event(event: { kind: TcpEvent['kind']; connection: Connection; code?: SyncErrorCode | string | undefined; reason: string }): void {
    const { kind, connection, code, reason } = event;
    this.#emit({ kind, address: connection.address, peer: connection.peer, reason, ...(code === undefined ? {} : { code }) });
  }

  #emit(event: TcpEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch {
      // A failing listener must not break the connection it hears about.
    }
  }
}

function splitAddress(address: string): { host: string; port: number } {
  const index = address.lastIndexOf(':');
  return { host: address.slice(0, index), port: Number(address.slice(index + 1)) };
}

export function createTcpTransport(options: TcpTransportOptions): TcpTransport {
  return new TcpTransport(options);
}
