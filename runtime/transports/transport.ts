/**
 * What the sync engine needs from a network, and from time.
 *
 * A `Transport` moves opaque frames (encoded envelopes) between this device and authenticated
 * peers, and says when a peer comes and goes. The peer id it reports is the authenticated device
 * of the connection: a message's sender is never a field the message claims.
 *
 * A `Scheduler` is the clock and the timers; the simulated network supplies a virtual one, so a
 * test's whole run is determined by its seed.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { SYNC_ERROR_CODES, SyncError, type SyncErrorCode } from '../core/errors.js';

export interface TransportHandlers {
  peerUp(peer: string): void;
  peerDown(peer: string, reason: string): void;
  frame(peer: string, frame: Uint8Array): void;
  /**
   * How attempts to connect go, for the engine's status (`sync.status()`): optional, a transport
   * that cannot tell reports peers up and down only.
   */
  connection?(event: ConnectionEvent): void;
}

/**
 * An attempt to connect, as any transport reports it. `peer` is the device, when the transport
 * knows it (a TCP dial learns it from the peer's certificate); `address` is where the transport
 * dials, when it does (null on the accepting side). One of them is set.
 *
 * - `connecting`: an attempt started;
 * - `refused`: the handshake refused it, with a code of the runtime's error table (`not-a-member`,
 *   `schema-mismatch`, `device-removed`, `wrong-library`, ...), `by` this side or the peer; a
 *   connection closed because its peer stopped being a member is refused too;
 * - `failed`: it failed without a refusal (unreachable, reset, timed out);
 * - `retrying`: the next attempt comes in `delayMs`.
 */
export type ConnectionEvent = { readonly peer: string | null; readonly address: string | null } & (
  | { readonly kind: 'connecting' }
  | { readonly kind: 'refused'; readonly code: SyncErrorCode; readonly reason: string; readonly by: 'self' | 'peer' }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'retrying'; readonly delayMs: number }
);

/** A refusal code as a peer sent it (untrusted text): the runtime's own, or `refused-by-peer`. */
export function refusalCode(code: string): SyncErrorCode {
  return Object.hasOwn(SYNC_ERROR_CODES, code) ? (code as SyncErrorCode) : 'refused-by-peer';
}

/** What the sync engine calls on a transport, and nothing more. */
export interface Transport {
  /** Sets the one consumer of the transport's events (the sync engine). */
  setHandlers(handlers: TransportHandlers): void;
  /** Starts listening and dialing what it was configured with. */
  start(): Promise<void>;
  /** Sends a frame; resolves once it is handed to the network, rejects (with a `TransportError`) when it cannot be. */
  send(peer: string, frame: Uint8Array): Promise<void>;
  /**
   * Drops the connection to a peer (for instance one that keeps sending garbage); `code` says why,
   * for the transport's counters ('too-many-invalid' counts as closed for invalid frames).
   */
  disconnect(peer: string, reason: string, code?: SyncErrorCode): void;
  close(): Promise<void>;
}

/** What a library's membership says of a device that presents a key (`MemberDirectory.statusOf`). */
export type MemberStatus = 'member' | 'unknown' | 'removed' | 'other-key';

/**
 * The library's membership, as a transport asks it about each connection before anything else is
 * said: `library.members`. Every call may throw (a closed library); a transport then refuses.
 */
export interface MemberDirectory {
  /** Whether the device id is a member with this key (`certificateFingerprint`). */
  statusOf(deviceId: string, fingerprint: string): MemberStatus;
  /** Whether invites are outstanding (expired ones may count): only then does a connection from an unknown key wait for one. */
  hasOpenInvites(): boolean;
  /** Redeems an invite's one-time token for a device with this key: null when it is admitted (a member from now on), or why not. */
  admit(token: Uint8Array, deviceId: string, fingerprint: string): { readonly code: SyncErrorCode; readonly reason: string } | null;
  /** Calls `listener` after each change of the membership; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
}

/**
 * A device key's fingerprint: the SHA-256 (lower-case hex) of its certificate's public key
 * (SubjectPublicKeyInfo, DER). It names the key, not the certificate: a new certificate for the
 * same key keeps it.
 *
 * @param certificate PEM text, or the DER bytes of the certificate
 */
export function certificateFingerprint(certificate: string | Uint8Array): string {
  const spki = new X509Certificate(certificate).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex');
}

/** A frame that could not be sent, or a connection refused. */
export class TransportError extends SyncError {}

export type TimerHandle = { readonly cancel: () => void };

export interface Scheduler {
  now(): number;
  setTimer(callback: () => void, delayMs: number): TimerHandle;
}

/** Real time. */
export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    if (delayMs <= 0) {
      // The next turn of the event loop: `setTimeout(0)` would wait a millisecond.
      const immediate = setImmediate(callback);
      immediate.unref?.();
      return { cancel: () => clearImmediate(immediate) };
    }
    const timer = setTimeout(callback, delayMs);
    timer.unref?.();
    return { cancel: () => clearTimeout(timer) };
  },
};
