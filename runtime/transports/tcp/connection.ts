/**
 * One TLS connection of the TCP transport, and where its handshake stands:
 *
 * `tls` (until the TLS session is up and the peer's key checked) → `redeem` (a new device's
 * invite token, on the inviter's side only) → `hello` → `ready` (until the peer accepts this side
 * too) → `open` → `closed`.
 */
import { performance } from 'node:perf_hooks';
import type tls from 'node:tls';
import { TransportError } from '../transport.js';
import { FrameReader, framed } from './framing.js';
import type { Pairing } from './membership-gate.js';

export type Phase = 'tls' | 'redeem' | 'hello' | 'ready' | 'open' | 'closed';

export class Connection {
  phase: Phase = 'tls';
  /** The peer's device id, once its key was checked. */
  peer: string | null = null;
  /** The fingerprint of the key the peer presented in this TLS session, once it is up (what membership changes are checked against). */
  peerFingerprint = '';
  /** This side's role. */
  readonly role: 'dialer' | 'listener';
  readonly reader = new FrameReader();
  /** The code this side refused the connection with, or the peer refused it with. */
  refusedWith: string | null = null;
  /** The connection was authenticated and opened at some point (a dial that never did failed, or was refused). */
  opened = false;
  /** The last socket error, for the report of a dial that failed. */
  lastError: string | null = null;
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
    /** Set when this side dialed to redeem an invite. */
    readonly pairing: Pairing | null = null,
  ) {
    this.role = dialer === null ? 'listener' : 'dialer';
  }

  /** Before authentication: TLS, redeem, hello, ready. */
  isUnauthenticated(): boolean {
    return this.phase !== 'open' && this.phase !== 'closed';
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
