/**
 * TCP transport (`syncgen/transports/tcp`): TLS 1.3 over TCP (node:tls), each side with its
 * device's key and self-signed certificate (`library.credentials`). This file holds the transport
 * itself: listening and accepting, dialing, redeeming an invite, sending, closing. Its options are
 * `options.ts`; the connections' lifecycle (reading frames, refusing, opening, ending) is
 * `connections.ts`, their deadlines `deadlines.ts` and their events `events.ts`. The handshake is
 * `handshake-driver.ts` (its frames `handshake.ts`, the key check `membership-gate.ts`), a new
 * device's invite `pairing.ts`, the framing `framing.ts`, what a connection may cost `limits.ts`,
 * the counters `stats.ts` and the addresses to dial `dialer.ts`.
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
import tls from 'node:tls';
import { defaultLogger } from '../../core/console-logger.js';
import { InvalidArgumentError, type SyncErrorCode } from '../../core/errors.js';
import { componentLogger } from '../../core/logger.js';
import { PROTOCOL_VERSION } from '../../protocol/messages.js';
import { describeError } from '../../protocol/untrusted.js';
import { certificateFingerprint, TransportError, type Transport, type TransportHandlers } from '../transport.js';
import { Connection } from './connection.js';
import { Connections } from './connections.js';
import { Dialer } from './dialer.js';
import type { HandshakeIdentity } from './handshake.js';
import { TcpEvents } from './events.js';
import { resolveLimits, type TcpLimits } from './limits.js';
import type { Pairing } from './membership-gate.js';
import type { TcpTransportOptions } from './options.js';
import { Pairings } from './pairing.js';
import type { TcpStats } from './stats.js';

export type { TcpEvent, TcpLibrary, TcpTransportOptions } from './options.js';

export class TcpTransport implements Transport {
  readonly deviceId: string;
  readonly #options: TcpTransportOptions;
  readonly #limits: TcpLimits;
  readonly #dialer: Dialer;
  readonly #pairings = new Pairings();
  readonly #events: TcpEvents;
  readonly #connections: Connections;
  readonly #context: tls.SecureContext;
  #server: net.Server | null = null;
  #unsubscribe: (() => void) | null = null;
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
      throw new InvalidArgumentError(
        'library.credentials',
        '(PEM texts)',
        `this device's key and certificate, \`library.credentials\` (${describeError(error)})`,
      );
    }
    const identity: HandshakeIdentity = {
      deviceId: library.deviceId,
      libraryId: library.libraryId,
      schema: { schemaVersion: library.registry.schemaVersion, compatibleFrom: library.registry.compatibleFrom },
      protocolVersion: options.protocolVersion ?? PROTOCOL_VERSION,
    };
    this.#events = new TcpEvents(options.onEvent, componentLogger(options.logger ?? library.logger ?? defaultLogger(), 'tcp'));
    this.#dialer = new Dialer(
      { baseMs: options.reconnectBaseMs ?? 100, maxMs: options.reconnectMaxMs ?? 5000 },
      (address) => this.#dial(address, null),
      (address, peer, delayMs) => this.#events.attempt(null, { kind: 'retrying', peer, address, delayMs }),
    );
    this.#connections = new Connections({
      handshake: { identity, fingerprint, members: library.members },
      limits: this.#limits,
      dialer: this.#dialer,
      pairings: this.#pairings,
      events: this.#events,
    });
  }

  setHandlers(handlers: TransportHandlers): void {
    this.#connections.handlers = handlers;
    this.#events.handlers = handlers;
  }

  async start(): Promise<void> {
    const { listen } = this.#options;
    // A device removed (or re-keyed) while connected is dropped at once, not at its next dial.
    this.#unsubscribe = this.#options.library.members.onChange(() => this.#connections.recheckMembers());
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
      server.on('error', (error) => this.#events.emit({ kind: 'error', address, peer: null, reason: describeError(error) }));
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
    return this.#pairings.redeem(code, this.#options.library.libraryId, timeoutMs, Date.now(), (address, pairing) => this.#dial(address, pairing));
  }

  /** Authenticated peers with an open connection. */
  connectedPeers(): string[] {
    return this.#connections.peers();
  }

  /** What was refused before authentication, and which authenticated connections this side closed (see `TcpStats`). */
  stats(): TcpStats {
    return this.#connections.stats();
  }

  async send(peer: string, frame: Uint8Array): Promise<void> {
    const connection = this.#connections.get(peer);
    if (!connection) throw new TransportError('not-connected', `not connected to ${peer}`);
    await connection.write(frame);
  }

  disconnect(peer: string, reason: string, code?: SyncErrorCode): void {
    this.#connections.disconnect(peer, reason, code);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe?.();
    this.#dialer.close();
    this.#pairings.close();
    this.#connections.endAll('transport closed');
    const server = this.#server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #dial(address: string, pairing: Pairing | null): void {
    if (this.#closed) return;
    const { host, port } = splitAddress(address);
    this.#events.attempt(null, { kind: 'connecting', peer: this.#dialer.peerAt(address) ?? pairing?.inviter ?? null, address });
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
      this.#events.emit({ kind: 'error', address, peer: null, reason: describeError(error) });
      this.#events.attempt(null, { kind: 'failed', peer: this.#dialer.peerAt(address) ?? null, address, reason: describeError(error) });
      this.#pairings.settle(address, new TransportError('unreachable', `the inviter at ${address} cannot be dialed: ${describeError(error)}`));
      return;
    }
    this.#connections.attach(new Connection(socket, address, this.deviceId, pairing));
  }

  #accept(socket: net.Socket): void {
    const address = `${socket.remoteAddress}:${socket.remotePort}`;
    if (this.#closed) {
      socket.destroy();
      return;
    }
    // Closed at once, before any handshake work: strangers cannot hold more than the cap.
    if (this.#connections.refuseIfFull(socket, address)) return;
    try {
      socket.setNoDelay(true);
      // TLS on the accepted socket: every peer presents its device certificate. Self-signed, so no CA
      // judges it (the membership does); the session's errors and close come from this socket.
      const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: this.#context, requestCert: true, rejectUnauthorized: false });
      // Accepted: it counts against `maxUnauthenticated` until authenticated.
      this.#connections.attach(new Connection(secure, address, null));
    } catch (error) {
      socket.destroy();
      this.#events.emit({ kind: 'error', address, peer: null, code: 'unreachable', reason: describeError(error) });
    }
  }
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
