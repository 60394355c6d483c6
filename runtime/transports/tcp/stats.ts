/**
 * Counters of a TCP transport (`transport.stats()`): what was refused before authentication and
 * why, and which authenticated connections this side closed. Each refusal or close is also an
 * `onEvent` event with its code.
 */
import type { SyncErrorCode } from '../../core/errors.js';

export interface TcpStats {
  /** Connections refused before authentication, for any reason: the sum of `refusedByCode`. */
  readonly refusedUnauthenticated: number;
  /**
   * The same by code: 'too-many-connections' (closed at once, `maxUnauthenticated` others were in
   * their handshake), 'oversized' (a frame over `maxHandshakeFrameBytes`), 'not-a-peer',
   * 'unsupported-version', 'wrong-library', 'schema-mismatch', 'invalid-device-id',
   * 'authentication-failed', 'handshake-timeout', 'unreachable' (a handler threw).
   */
  readonly refusedByCode: Readonly<Partial<Record<SyncErrorCode, number>>>;
  /** Authenticated connections closed because nothing arrived for `idleTimeoutMs`. */
  readonly closedIdle: number;
  /** Authenticated connections closed for invalid frames: a length over `maxFrameBytes`, or the engine's 'too-many-invalid'. */
  readonly closedInvalidFrames: number;
  /** Connections ended because a handler threw (a bug; each is an 'error' event with code 'unreachable'). */
  readonly closedOnException: number;
  /** Connections now in their handshake (accepted and dialed), and now authenticated. */
  readonly unauthenticated: number;
  readonly authenticated: number;
}

/** The mutable counters behind `TcpStats`. */
export class TcpCounters {
  refusedUnauthenticated = 0;
  readonly refusedByCode: Partial<Record<SyncErrorCode, number>> = {};
  closedIdle = 0;
  closedInvalidFrames = 0;
  closedOnException = 0;

  refused(code: SyncErrorCode): void {
    this.refusedUnauthenticated += 1;
    this.refusedByCode[code] = (this.refusedByCode[code] ?? 0) + 1;
  }

  snapshot(gauges: { unauthenticated: number; authenticated: number }): TcpStats {
    return {
      refusedUnauthenticated: this.refusedUnauthenticated,
      refusedByCode: { ...this.refusedByCode },
      closedIdle: this.closedIdle,
      closedInvalidFrames: this.closedInvalidFrames,
      closedOnException: this.closedOnException,
      ...gauges,
    };
  }
}
