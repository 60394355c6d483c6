/**
 * TCP transport (`syncgen/transports/tcp`): TLS 1.3 over TCP (node:tls), each side with its
 * device's key and self-signed certificate (`library.credentials`). This file holds the
 * connections' lifecycle: listening and dialing, reading frames, the deadlines, closing. The
 * handshake is `handshake-driver.ts` (its frames `handshake.ts`, the key check
 * `membership-gate.ts`), a new device's invite `pairing.ts`, the framing `framing.ts`, what a
 * connection may cost `limits.ts`, the counters `stats.ts` and the addresses to dial `dialer.ts`.
 *
 * TLS encrypts the connection (forward secrecy) and proves each side holds the key of the
 * certificate it presents. No certificate authority decides anything: the library's membership
 * does (`library.members`), before either side says a word of the library. Only after the
 * handshake is the peer up, and its device id (its key's) is the sender of every frame on the
 * connection. Two devices that dial each other keep the connection dialed by the smaller device id.
 * Refusals carry a code of the runtime's error table and a reason.
 *
 * Every byte is a stranger's until the handshake ends: before it, frames are small, accepted
 * connections in their handshake are capped and the handshake has a deadline; after it, a silent
 * peer is closed, and so is a peer that stops being a member. Every socket event runs guarded:
 * whatever throws ends that connection (an 'error' event with code 'unreachable'), never the process.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { InvalidArgumentError, SYNC_ERROR_CODES, SyncError, type SyncErrorCode } from '../../core/errors.js';
import { PROTOCOL_VERSION } from '../../protocol/messages.js';
import { describeError } from '../../protocol/untrusted.js';
import { certificateFingerprint, TransportError, type MemberDirectory, type Transport, type TransportHandlers } from '../transport.js';
import { Connection } from './connection.js';
import { Dialer } from './dialer.js';
import { framed, OversizedFrame } from './framing.js';
import { refusalFrame, type HandshakeIdentity, type Refusal } from './handshake.js';
import { receiveHandshake, secured, type HandshakeHost } from './handshake-driver.js';
import { resolveLimits, type TcpLimits } from './limits.js';
import type { Pairing } from './membership-gate.js';
import { Pairings } from './pairing.js';
import { TcpCounters, type TcpStats } from './stats.js';

/** What the transport needs of the library it syncs: an open `Library` has all of it. */
export interface TcpLibrary {
  readonly deviceId: string;
  readonly libraryId: string;
  readonly registry: { readonly schemaHash: string };
  /** This device's private key and certificate (PEM), for TLS. */
  readonly credentials: { readonly key: string; readonly cert: string };
  /** Which devices, by which keys, may connect; and the open invites. */
  readonly members: MemberDirectory;
}

/** The limits' defaults and reasons are in `limits.ts`. */
export interface TcpTransportOptions {
  /** The library to sync (`openLibrary`'s): its ids, schema hash, device key and membership. */
  readonly library: TcpLibrary;
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
   * authenticated connection ('idle-timeout', 'oversized', 'device-removed', or at the engine's
   * request, with its code); 'closed': the socket closed; 'error': a socket error, or a handler
   * that threw ('unreachable').
   */
  readonly kind: 'refused' | 'refused-by-peer' | 'connected' | 'disconnected' | 'closed' | 'error';
  readonly address: string;
  readonly peer: string | null;
  /** For refusals and disconnections, the code (of the runtime's error table; a peer's as it sent it). */
  readonly code?: string;
  readonly reason: string;
}

export class TcpTransport implements Transport {
  readonly deviceId: string;
  readonly #options: TcpTransportOptions;
  readonly #limits: TcpLimits;
  readonly #dialer: Dialer;
  readonly #pairings = new Pairings();
  readonly #counters = new TcpCounters();
  readonly #context: tls.SecureContext;
  readonly #host: HandshakeHost;
  #handlers: TransportHandlers | null = null;
  #server: net.Server | null = null;
  #unsubscribe: (() => void) | null = null;
  readonly #open = new Map<string, Connection>();
  readonly #all = new Set<Connection>();
  /** Accepted connections in their handshake. */
  #pending = 0;
  #closed = false;

  constructor(options: TcpTransportOptions) {
    const { library } = options;
    this.deviceId = library.deviceId;
    this.#options = options;
    this.#limits = resolveLimits(options);
    let fingerprint: string;
    try {
      this.#context = tls.createSecureContext({ key: library.credentials.key, cert: library.credentials.cert, minVersion: 'TLSv1.3' });
      fingerprint = certificateFingerprint(library.credentials.cert);
    } catch (error) {
      throw new InvalidArgumentError('library.credentials', '(PEM texts)', `this device's key and certificate, \`library.credentials\` (${describeError(error)})`);
    }
    const identity: HandshakeIdentity = {
      deviceId: library.deviceId,
      libraryId: library.libraryId,
      schemaHash: library.registry.schemaHash,
      protocolVersion: options.protocolVersion ?? PROTOCOL_VERSION,
    };
    this.#host = {
      identity,
      fingerprint,
      members: library.members,
      send: (connection, frame) => this.#sendHandshake(connection, frame),
      refuse: (connection, refusal) => this.#refuse(connection, refusal),
      refusedByPeer: (connection, code, reason) => this.#refusedByPeer(connection, code, reason),
      open: (connection) => this.#opened(connection),
    };
    this.#dialer = new Dialer({ baseMs: options.reconnectBaseMs ?? 100, maxMs: options.reconnectMaxMs ?? 5000 }, (address) => this.#dial(address, null));
  }

  setHandlers(handlers: TransportHandlers): void {
    this.#handlers = handlers;
  }

  async start(): Promise<void> {
    const { listen } = this.#options;
    // A device removed (or re-keyed) while connected is dropped at once, not at its next dial.
    this.#unsubscribe = this.#host.members.onChange(() => this.#recheckMembers());
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
    checkAddress(address);
    if (!this.#closed) this.#dialer.add(address);
  }

  /**
   * Joins the library with an invite a member made (`library.members.invite`): dials the inviter,
   * proves the invite, and resolves with the inviter's device id once it admitted this device and
   * the connection is open (the inviter is then redialed like any peer). Rejects with the reason:
   * `InviteError` ('invite-invalid', 'invite-expired'), or the inviter's refusal.
   *
   * @example
   * const transport = createTcpTransport({ library, listen: { port: 4100 } });
   * const sync = await startSync(library, { transport });
   * await transport.redeem(code); // the code the inviting member showed
   */
  redeem(code: string, options: { readonly timeoutMs?: number } = {}): Promise<string> {
    if (this.#closed) return Promise.reject(new TransportError('not-connected', 'the transport is closed'));
    const timeoutMs = options.timeoutMs ?? this.#limits.handshakeTimeoutMs * 3;
    return this.#pairings.redeem(code, this.#host.identity.libraryId, timeoutMs, Date.now(), (address, pairing) => this.#dial(address, pairing));
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
    this.#unsubscribe?.();
    this.#dialer.close();
    this.#pairings.close();
    for (const connection of [...this.#all]) this.#end(connection, 'transport closed');
    const server = this.#server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #dial(address: string, pairing: Pairing | null): void {
    if (this.#closed) return;
    const { host, port } = splitAddress(address);
    let socket: tls.TLSSocket;
    try {
      socket = tls.connect({
        host,
        port,
        secureContext: this.#context,
        minVersion: 'TLSv1.3',
        // A self-signed device certificate, not a CA-issued one for a host name: the membership decides.
        rejectUnauthorized: false,
        checkServerIdentity: () => undefined,
      });
    } catch (error) {
      // Called from a redial timer too: a failure is reported, never thrown.
      this.#emit({ kind: 'error', address, peer: null, reason: describeError(error) });
      this.#pairings.settle(address, new TransportError('unreachable', `the inviter at ${address} cannot be dialed: ${describeError(error)}`));
      return;
    }
    this.#attach(new Connection(socket, address, this.deviceId, pairing));
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
      // judges it (the membership does); the session's errors and close come from this socket.
      const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: this.#context, requestCert: true, rejectUnauthorized: false });
      const connection = new Connection(secure, address, null);
      connection.pending = true;
      this.#pending += 1;
      this.#attach(connection);
    } catch (error) {
      socket.destroy();
      this.#emit({ kind: 'error', address, peer: null, code: 'unreachable', reason: describeError(error) });
    }
  }

  #attach(connection: Connection): void {
    const { socket } = connection;
    this.#all.add(connection);
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
    socket.on(connection.role === 'listener' ? 'secure' : 'secureConnect', () => this.#safely(connection, () => secured(this.#host, connection)));
    socket.setNoDelay(true);
    // From the first moment (a dial still connecting included) to authenticated: every phase before it.
    connection.timer = setTimeout(
      () => this.#safely(connection, () => this.#refuse(connection, { code: 'handshake-timeout', reason: 'handshake timed out' })),
      this.#limits.handshakeTimeoutMs,
    );
    connection.timer.unref();
  }

  /** A socket error; one of the TLS handshake (a TLS 1.2 client, not TLS at all) is a refusal. */
  #socketError(connection: Connection, error: Error): void {
    const tlsFailure = connection.phase === 'tls' && (error as { code?: unknown }).code?.toString().startsWith('ERR_SSL_');
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
      else receiveHandshake(this.#host, connection, frame);
      if (connection.isClosed()) return;
    }
  }

  #sendHandshake(connection: Connection, frame: Buffer): void {
    void connection.write(frame).catch((error: unknown) => this.#event({ kind: 'error', connection, reason: describeError(error) }));
  }

  /** The peer refused this side; a redemption under way learns why. */
  #refusedByPeer(connection: Connection, code: string, reason: string): void {
    this.#event({ kind: 'refused-by-peer', connection, code, reason });
    if (connection.pairing) this.#pairings.settle(connection.address, inviterRefusal(code, reason));
    this.#end(connection, `refused by peer: ${reason}`);
  }

  /** Both sides accepted each other: the connection opens. */
  #opened(connection: Connection): void {
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
    if (connection.pairing) {
      // Admitted: from now on the inviter is a peer like any other, redialed after a loss.
      this.#dialer.adopt(connection.address, peer);
      this.#pairings.settle(connection.address, peer);
    } else if (connection.dialer === this.deviceId) {
      this.#dialer.reached(connection.address, peer);
    }
    this.#event({ kind: 'connected', connection, reason: 'authenticated' });
    this.#handlers?.peerUp(peer);
  }

  /** The membership changed: an open connection whose peer is no longer a member with its key is closed. */
  #recheckMembers(): void {
    for (const connection of [...this.#open.values()]) {
      this.#safely(connection, () => {
        const certificate = connection.socket.getPeerX509Certificate();
        const status = certificate ? this.#host.members.statusOf(connection.peer!, certificateFingerprint(certificate.raw)) : 'unknown';
        if (status === 'member') return;
        const code = status === 'removed' ? 'device-removed' : status === 'other-key' ? 'device-key-changed' : 'not-a-member';
        this.#event({ kind: 'disconnected', connection, code, reason: `device ${connection.peer} is no longer a member with this key (${status})` });
        this.#end(connection, `no longer a member (${status})`);
      });
    }
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
    if (connection.pairing) this.#pairings.settle(connection.address, new SyncError(refusal.code, refusal.reason));
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
    if (connection.pairing) this.#pairings.settle(connection.address, new TransportError('unreachable', `the connection to the inviter at ${connection.address} closed before it admitted this device`));
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

/** Why an inviter refused a new device: with no invite open, it took the new device for a stranger. */
function inviterRefusal(code: string, reason: string): SyncError {
  if (code === 'not-a-member') return new SyncError('invite-invalid', 'the inviter holds no open invite: this one was used already, or it is not from that device');
  const known = Object.hasOwn(SYNC_ERROR_CODES, code) ? (code as SyncErrorCode) : 'refused-by-peer';
  return new SyncError(known, `the inviter refused this device: ${reason}`);
}

function checkAddress(address: string): void {
  const { port } = splitAddress(address);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new InvalidArgumentError('address', address, 'host:port with a port from 1 to 65535');
}

function splitAddress(address: string): { host: string; port: number } {
  const index = address.lastIndexOf(':');
  return { host: address.slice(0, index), port: Number(address.slice(index + 1)) };
}

export function createTcpTransport(options: TcpTransportOptions): TcpTransport {
  return new TcpTransport(options);
}
