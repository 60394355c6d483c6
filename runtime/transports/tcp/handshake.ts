/**
 * The TCP handshake, inside the TLS 1.3 session and before any sync frame. Each side sends:
 *
 * | frame | content (MessagePack array) |
 * | ----- | ------- |
 * | hello | `['syncgen-hello', protocolVersion, libraryId, deviceId, schemaHash, nonce (32 random bytes)]` |
 * | auth  | `['syncgen-auth', proof]`, proof = HMAC-SHA256(secret, transcript) |
 * | ready | `['syncgen-ready']`: this side checked the peer's proof and key, and accepts it |
 * | refused | `['syncgen-refused', reason, code]`, then the connection closes |
 *
 * Each side sends hello at once, auth once it has the peer's hello, ready once the peer's auth
 * verifies and its key is the one pinned for its device id (or is pinned now), and is open once it
 * has sent ready and received the peer's: neither side sends a sync frame to a peer that has not
 * accepted it, and a side refused after its own check passed hears why.
 *
 * A hello of another protocol version, library or schema is refused with a reason that says which.
 * The auth proves the library's shared secret without sending it. Its transcript (a MessagePack
 * array) binds it to this TLS session and to both sides:
 *
 * `['syncgen-auth-v3', prover's role, exporter, dialer's nonce, listener's nonce, dialer's device id,
 *   listener's device id, libraryId, dialer's key fingerprint, listener's key fingerprint]`
 *
 * - the exporter, `exportKeyingMaterial(32, 'EXPORTER-syncgen-auth')` of the TLS session, is the
 *   same on both ends of one session and unknown elsewhere: a proof relayed into another session,
 *   by someone who terminates TLS with both devices, does not verify there;
 * - the fingerprints are the two certificates' keys as this session saw them: a proof made for a
 *   session with another key does not verify;
 * - the prover's role (`dialer`, `listener`) tells the two proofs of one session apart, so a side's
 *   own proof cannot be reflected back to it; both fresh nonces make a recorded proof useless later.
 *
 * Everything here reads frames from a stranger: each field's type is checked before it is used,
 * and a field is never turned into text by its own methods (`describeUntrusted`), so no frame can
 * make these functions throw.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Packr, Unpackr } from 'msgpackr';
import type { SyncErrorCode } from '../../core/errors.js';
import { isUuid } from '../../core/uuid.js';
import { PROTOCOL_VERSION } from '../../protocol/messages.js';
import { describeUntrusted, untrustedText } from '../../protocol/untrusted.js';

export interface HandshakeIdentity {
  readonly deviceId: string;
  readonly libraryId: string;
  readonly schemaHash: string;
  /** The library's shared secret. */
  readonly secret: Buffer;
  /** The protocol version this side announces (tests play a newer device with it). */
  readonly protocolVersion: number;
}

/** What the TLS session says about one connection, which every proof covers. */
export interface ChannelBinding {
  /** This side's role in the connection. */
  readonly role: 'dialer' | 'listener';
  /** `exportKeyingMaterial(32, EXPORTER_LABEL)` of the TLS session. */
  readonly exporter: Buffer;
  /** This device's key fingerprint (`certificateFingerprint`). */
  readonly fingerprint: string;
  /** The peer's key fingerprint, from the certificate it presented in this session. */
  readonly peerFingerprint: string;
}

/** One connection's handshake as this side sees it: the two hellos' devices and nonces, and the TLS session. */
export interface Exchange {
  readonly peer: string;
  readonly nonce: Buffer;
  readonly peerNonce: Buffer;
  readonly binding: ChannelBinding;
}

/** The TLS exporter label of the proof (RFC 8446 section 7.5). */
export const EXPORTER_LABEL = 'EXPORTER-syncgen-auth';

/** A handshake refused: a code from the runtime's error table and a reason for people. */
export interface Refusal {
  readonly code: SyncErrorCode;
  readonly reason: string;
}

/** A handshake frame as received. */
export type HandshakeMessage =
  | { readonly kind: 'refused'; readonly reason: string; readonly code: string }
  | { readonly kind: 'message'; readonly message: unknown }
  | { readonly kind: 'garbage' };

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false });
const AUTH_CONTEXT = 'syncgen-auth-v3';
/** Characters of a peer's refusal reason kept (it goes to events and logs). */
const MAX_REASON = 300;
const NOT_A_HELLO: Refusal = { code: 'not-a-peer', reason: 'not a syncgen hello: not a syncgen peer' };
const AUTHENTICATION_FAILED: Refusal = { code: 'authentication-failed', reason: "authentication failed: the peer does not hold this library's secret" };

export function newNonce(): Buffer {
  return randomBytes(32);
}

export function helloFrame(identity: HandshakeIdentity, nonce: Buffer): Buffer {
  return packr.pack(['syncgen-hello', identity.protocolVersion, identity.libraryId, identity.deviceId, identity.schemaHash, nonce]);
}

export function refusalFrame(refusal: Refusal): Buffer {
  return packr.pack(['syncgen-refused', refusal.reason, refusal.code]);
}

export function readHandshake(frame: Buffer): HandshakeMessage {
  let message: unknown;
  try {
    message = unpackr.unpack(frame);
  } catch {
    return { kind: 'garbage' };
  }
  if (Array.isArray(message) && message[0] === 'syncgen-refused') {
    const [, reason, code] = message as unknown[];
    return { kind: 'refused', reason: untrustedText(reason, MAX_REASON), code: typeof code === 'string' ? untrustedText(code) : 'refused-by-peer' };
  }
  return { kind: 'message', message };
}

/** The peer's device and nonce from its hello, or why it is refused. */
export function checkHello(identity: HandshakeIdentity, message: unknown): { peer: string; nonce: Buffer } | Refusal {
  try {
    return helloOf(identity, message);
  } catch {
    // Decoded MessagePack cannot run code, but a caller's value might (a Proxy): still a refusal.
    return NOT_A_HELLO;
  }
}

function helloOf(identity: HandshakeIdentity, message: unknown): { peer: string; nonce: Buffer } | Refusal {
  if (!Array.isArray(message) || message.length !== 6 || message[0] !== 'syncgen-hello') return NOT_A_HELLO;
  const [, version, libraryId, deviceId, schemaHash, nonce] = message as unknown[];
  if (version !== PROTOCOL_VERSION) {
    return {
      code: 'unsupported-version',
      reason: `protocol version ${describeUntrusted(version)} is not supported (this device speaks ${PROTOCOL_VERSION}); upgrade the older device`,
    };
  }
  if (libraryId !== identity.libraryId) {
    return { code: 'wrong-library', reason: `wrong library: ${isUuid(libraryId) ? libraryId : describeUntrusted(libraryId)} is not ${identity.libraryId}` };
  }
  if (schemaHash !== identity.schemaHash) {
    const theirs = typeof schemaHash === 'string' ? untrustedText(schemaHash.slice(0, 12)) : describeUntrusted(schemaHash);
    return {
      code: 'schema-mismatch',
      reason: `schema mismatch: ${theirs} is not ${identity.schemaHash.slice(0, 12)}; upgrade both devices to the same schemas`,
    };
  }
  // This device's own id passes here; after the proof the transport refuses it ('device-key-changed', or a copy of this device's directory).
  if (!isUuid(deviceId)) return { code: 'invalid-device-id', reason: `invalid device id ${describeUntrusted(deviceId)}` };
  if (!(nonce instanceof Uint8Array) || nonce.length !== 32) return { code: 'not-a-peer', reason: 'invalid handshake nonce' };
  return { peer: deviceId, nonce: Buffer.from(nonce) };
}

export function readyFrame(): Buffer {
  return packr.pack(['syncgen-ready']);
}

export function isReady(message: unknown): boolean {
  return Array.isArray(message) && message.length === 1 && message[0] === 'syncgen-ready';
}

/** This side's proof, once it has the peer's hello. */
export function authFrame(identity: HandshakeIdentity, exchange: Exchange): Buffer {
  return packr.pack(['syncgen-auth', proof(identity, exchange, exchange.binding.role)]);
}

/** Whether the peer's auth proves the secret over this session, both hellos and the peer's role. */
export function checkAuth(identity: HandshakeIdentity, exchange: Exchange, message: unknown): Refusal | null {
  const expected = proof(identity, exchange, exchange.binding.role === 'dialer' ? 'listener' : 'dialer');
  try {
    const received = Array.isArray(message) && message.length === 2 && message[0] === 'syncgen-auth' ? (message[1] as unknown) : undefined;
    if (received instanceof Uint8Array && received.length === expected.length && timingSafeEqual(Buffer.from(received), expected)) return null;
  } catch {
    // As in checkHello: a value that runs code is refused like any wrong proof.
  }
  return AUTHENTICATION_FAILED;
}

/** HMAC-SHA256 with the library's secret over the transcript of the module comment, proved by `prover`. */
function proof(identity: HandshakeIdentity, exchange: Exchange, prover: 'dialer' | 'listener'): Buffer {
  const { binding } = exchange;
  const own = { device: identity.deviceId, nonce: exchange.nonce, fingerprint: binding.fingerprint };
  const peer = { device: exchange.peer, nonce: exchange.peerNonce, fingerprint: binding.peerFingerprint };
  const [dialer, listener] = binding.role === 'dialer' ? [own, peer] : [peer, own];
  const transcript = packr.pack([
    AUTH_CONTEXT,
    prover,
    binding.exporter,
    dialer.nonce,
    listener.nonce,
    dialer.device,
    listener.device,
    identity.libraryId,
    dialer.fingerprint,
    listener.fingerprint,
  ]);
  return createHmac('sha256', identity.secret).update(transcript).digest();
}
