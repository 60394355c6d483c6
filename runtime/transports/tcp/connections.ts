/**
 * The TCP transport's connections, from attached to closed: reading frames with each phase's
 * limit, refusing before authentication, opening (one connection per peer), ending, socket errors,
 * the membership recheck, counters (`stats.ts`) and events (`events.ts`); deadlines are
 * `deadlines.ts`, the handshake's steps `handshake-driver.ts`. Every socket event runs guarded
 * (`#safely`): whatever throws ends that connection ('error', 'unreachable'), never the process.
 */
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { SyncError, type SyncErrorCode } from '../../core/errors.js';
import { describeError } from '../../protocol/untrusted.js';
import type { TransportHandlers } from '../transport.js';
import type { Connection } from './connection.js';
import { Deadlines } from './deadlines.js';
import type { Dialer } from './dialer.js';
import { framed, OversizedFrame } from './framing.js';
import { refusalFrame, type Refusal } from './handshake.js';
import { receiveHandshake, secured, tlsRefusal, type HandshakeHost } from './handshake-driver.js';
import { membershipLapse } from './membership-gate.js';
import type { TcpLimits } from './limits.js';
import type { TcpEvents } from './events.js';
import type { Pairings } from './pairing.js';
import { TcpCounters, type TcpStats } from './stats.js';

export interface ConnectionsOptions {
  /** Who this side is, its key's fingerprint and the membership that judges peers' keys. */
  readonly handshake: Pick<HandshakeHost, 'identity' | 'fingerprint' | 'members'>;
  readonly limits: TcpLimits;
  /** The transport's addresses to dial: told when a dial reached its peer, redials after a loss. */
  readonly dialer: Dialer;
  /** The redemptions under way: settled when the inviter admits or refuses this device. */
  readonly pairings: Pairings;
  readonly events: TcpEvents;
}

export class Connections {
  /** The engine's handlers (`transport.setHandlers`). */
  handlers: TransportHandlers | null = null;
  readonly #deviceId: string;
  readonly #limits: TcpLimits;
  readonly #dialer: Dialer;
  readonly #pairings: Pairings;
  readonly #events: TcpEvents;
  readonly #host: HandshakeHost;
  readonly #deadlines: Deadlines;
  readonly #counters = new TcpCounters();
  readonly #open = new Map<string, Connection>();
  readonly #all = new Set<Connection>();
  /** Accepted connections in their handshake. */
  #pending = 0;

  constructor(options: ConnectionsOptions) {
    this.#deviceId = options.handshake.identity.deviceId;
    this.#limits = options.limits;
    this.#dialer = options.dialer;
    this.#pairings = options.pairings;
    this.#events = options.events;
    this.#host = {
      ...options.handshake,
      send: (connection, frame) => this.#sendHandshake(connection, frame),
      refuse: (connection, refusal) => this.#refuse(connection, refusal),
      refusedByPeer: (connection, code, reason) => this.#refusedByPeer(connection, code, reason),
      open: (connection) => this.#opened(connection),
    };
    this.#deadlines = new Deadlines(options.limits, {
      safely: (connection, run) => this.#safely(connection, run),
      handshakeTimedOut: (connection) => this.#refuse(connection, { code: 'handshake-timeout', reason: 'handshake timed out' }),
      idle: (connection, reason) => {
        this.#counters.closedIdle += 1;
        this.#events.connection({ kind: 'disconnected', connection, code: 'idle-timeout', reason });
        this.#end(connection, reason);
      },
    });
  }

  /** The open connection to an authenticated peer. */
  get(peer: string): Connection | undefined {
    return this.#open.get(peer);
  }

  /** Authenticated peers with an open connection. */
  peers(): string[] {
    return [...this.#open.keys()];
  }

  stats(): TcpStats {
    let unauthenticated = 0;
    for (const connection of this.#all) if (connection.isUnauthenticated()) unauthenticated += 1;
    return this.#counters.snapshot({ unauthenticated, authenticated: this.#open.size });
  }

  /** With `maxUnauthenticated` accepted connections in their handshake, one more is closed at once: counted and reported. */
  refuseIfFull(socket: net.Socket, address: string): boolean {
    if (this.#pending < this.#limits.maxUnauthenticated) return false;
    socket.destroy();
    this.#counters.refused('too-many-connections');
    const reason = `${this.#pending} connections are already in their handshake (maxUnauthenticated)`;
    this.#events.emit({ kind: 'refused', address, peer: null, code: 'too-many-connections', reason });
    return true;
  }

  /** Takes a new connection (an accepted one counts against `maxUnauthenticated` until authenticated) and listens to its socket. */
  attach(connection: Connection): void {
    if (connection.role === 'listener') {
      connection.pending = true;
      this.#pending += 1;
    }
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
    this.#deadlines.handshake(connection);
  }

  /** Closes the open connection to `peer`, at the engine's request. */
  disconnect(peer: string, reason: string, code?: SyncErrorCode): void {
    const connection = this.#open.get(peer);
    if (!connection) return;
    if (code === 'too-many-invalid') this.#counters.closedInvalidFrames += 1;
    this.#events.connection({ kind: 'disconnected', connection, code, reason });
    this.#end(connection, reason);
  }

  /** Ends every connection, open or not. */
  endAll(reason: string): void {
    for (const connection of [...this.#all]) this.#end(connection, reason);
  }

  /** The membership changed: an open connection whose peer is no longer a member with its key is closed. */
  recheckMembers(): void {
    for (const connection of [...this.#open.values()]) {
      this.#safely(connection, () => {
        const lapse = membershipLapse(this.#host.members, connection.peer!, connection.peerFingerprint);
        if (lapse === null) return;
        this.#events.connection({ kind: 'disconnected', connection, ...lapse });
        this.#end(connection, lapse.reason);
      });
    }
  }

  /** A socket error; one of the TLS handshake (a TLS 1.2 client, not TLS at all) is a refusal. */
  #socketError(connection: Connection, error: Error): void {
    const refusal = tlsRefusal(connection, error);
    if (!refusal) {
      this.#events.connection({ kind: 'error', connection, reason: describeError(error) });
      return;
    }
    connection.refusedWith = refusal.code;
    this.#counters.refused(refusal.code);
    this.#events.connection({ kind: 'refused', connection, code: refusal.code, reason: refusal.reason });
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
    this.#events.connection({ kind: 'error', connection, code: 'unreachable', reason: `a handler threw: ${describeError(error)}` });
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
          this.#events.connection({ kind: 'disconnected', connection, code: 'oversized', reason: frame.message });
          this.#end(connection, frame.message);
        } else {
          this.#refuse(connection, { code: 'oversized', reason: frame.message });
        }
        return;
      }
      if (open) this.handlers?.frame(connection.peer!, frame);
      else receiveHandshake(this.#host, connection, frame);
      if (connection.isClosed()) return;
    }
  }

  #sendHandshake(connection: Connection, frame: Buffer): void {
    void connection.write(frame).catch((error: unknown) => this.#events.connection({ kind: 'error', connection, reason: describeError(error) }));
  }

  /** The peer refused this side; a redemption under way learns why. */
  #refusedByPeer(connection: Connection, code: string, reason: string): void {
    connection.refusedWith = code;
    this.#events.connection({ kind: 'refused-by-peer', connection, code, reason });
    if (connection.pairing) this.#pairings.refusedByInviter(connection.address, code, reason);
    this.#end(connection, `refused by peer: ${reason}`);
  }

  /** Both sides accepted each other: the connection opens. */
  #opened(connection: Connection): void {
    const peer = connection.peer!;
    if (connection.dialer === null) connection.dialer = peer;
    const existing = this.#open.get(peer);
    if (existing) {
      // Both dialed: keep the connection dialed by the smaller device id, on both sides alike.
      const smaller = [peer, this.#deviceId].sort()[0];
      const keeper = [existing, connection].find((candidate) => candidate.dialer === smaller) ?? existing;
      this.#end(keeper === existing ? connection : existing, 'duplicate connection');
      if (keeper === existing) return;
    }
    connection.phase = 'open';
    this.#leavePending(connection);
    this.#deadlines.idle(connection);
    this.#open.set(peer, connection);
    if (connection.pairing) {
      // Admitted: from now on the inviter is a peer like any other, redialed after a loss.
      this.#dialer.adopt(connection.address, peer);
      this.#pairings.settle(connection.address, peer);
    } else if (connection.dialer === this.#deviceId) {
      this.#dialer.reached(connection.address, peer);
    }
    this.#events.connection({ kind: 'connected', connection, reason: 'authenticated' });
    this.handlers?.peerUp(peer);
  }

  /** Refuses a connection before authentication: counted, reported, told to the peer, closed. */
  #refuse(connection: Connection, refusal: Refusal): void {
    if (connection.phase === 'closed' || connection.phase === 'open') return;
    connection.refusedWith = refusal.code;
    this.#counters.refused(refusal.code);
    this.#events.connection({ kind: 'refused', connection, code: refusal.code, reason: refusal.reason });
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
      this.handlers?.peerDown(connection.peer!, reason);
      // Whichever side dialed the lost connection, redial the peer if this side knows its address.
      this.#dialer.lost(connection.peer!);
    }
  }

  #closedConnection(connection: Connection): void {
    this.#all.delete(connection);
    this.#end(connection, 'connection closed');
    if (connection.pairing) this.#pairings.closedBeforeAdmitted(connection.address);
    const reached = this.#dialer.peerAt(connection.address);
    this.#events.connection({ kind: 'closed', connection, reason: 'connection closed', dialed: reached });
    // A dial that failed, or lost to a duplicate while the peer stays connected: try again only in the first case.
    if (reached !== undefined && connection.dialer === this.#deviceId && !(reached && this.#open.has(reached))) {
      // Versions that cannot sync stay so until an app is upgraded: redial rarely, not on the usual backoff.
      const incompatible = connection.refusedWith === 'schema-mismatch' || connection.refusedWith === 'unsupported-version';
      this.#dialer.redial(connection.address, incompatible ? this.#limits.incompatibleRedialMs : 0);
    }
  }
}
