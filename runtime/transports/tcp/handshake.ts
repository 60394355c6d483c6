/**
 * The TCP handshake, before any sync frame. Each side sends:
 *
 * | frame | content (MessagePack array) |
 * | ----- | ------- |
 * | hello | `['syncgen-hello', protocolVersion, libraryId, deviceId, schemaHash, nonce (32 random bytes)]` |
 * | auth  | `['syncgen-auth', HMAC-SHA256(secret, 'syncgen-auth-v1' \| peer's nonce \| own device id \| peer's device id \| libraryId)]` |
 * | refused | `['syncgen-refused', reason, code]`, then the connection closes |
 *
 * A hello of another protocol version, library or schema is refused with a reason that says which.
 * The auth proves the library's shared secret without sending it (each side signs the other's fresh
 * nonce), so a device without the secret is refused, and a recorded auth cannot be replayed.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Packr, Unpackr } from 'msgpackr';
import type { SyncErrorCode } from '../../core/errors.js';
import { isUuid } from '../../core/uuid.js';
import { PROTOCOL_VERSION } from '../../protocol/messages.js';

export interface HandshakeIdentity {
  readonly deviceId: string;
  readonly libraryId: string;
  readonly schemaHash: string;
  /** The library's shared secret. */
  readonly secret: Buffer;
  /** The protocol version this side announces (tests play a newer device with it). */
  readonly protocolVersion: number;
}

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
const AUTH_CONTEXT = Buffer.from('syncgen-auth-v1');

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
  if (Array.isArray(message) && message[0] === 'syncgen-refused')
    return { kind: 'refused', reason: String(message[1]), code: String(message[2] ?? 'refused-by-peer') };
  return { kind: 'message', message };
}

/** The peer's device and nonce from its hello, or why it is refused. */
export function checkHello(identity: HandshakeIdentity, message: unknown): { peer: string; nonce: Buffer } | Refusal {
  if (!Array.isArray(message) || message.length !== 6 || message[0] !== 'syncgen-hello') {
    return { code: 'not-a-peer', reason: 'not a syncgen hello: not a syncgen peer' };
  }
  const [, version, libraryId, deviceId, schemaHash, nonce] = message as unknown[];
  if (version !== PROTOCOL_VERSION) {
    return {
      code: 'unsupported-version',
      reason: `protocol version ${String(version)} is not supported (this device speaks ${PROTOCOL_VERSION}); upgrade the older device`,
    };
  }
  if (libraryId !== identity.libraryId) return { code: 'wrong-library', reason: `wrong library: ${String(libraryId)} is not ${identity.libraryId}` };
  if (schemaHash !== identity.schemaHash) {
    return {
      code: 'schema-mismatch',
      reason: `schema mismatch: ${String(schemaHash).slice(0, 12)} is not ${identity.schemaHash.slice(0, 12)}; upgrade both devices to the same schemas`,
    };
  }
  if (!isUuid(deviceId) || deviceId === identity.deviceId) return { code: 'invalid-device-id', reason: `invalid device id ${JSON.stringify(deviceId)}` };
  if (!(nonce instanceof Uint8Array) || nonce.length !== 32) return { code: 'not-a-peer', reason: 'invalid handshake nonce' };
  return { peer: deviceId, nonce: Buffer.from(nonce) };
}

/** This side's answer to the peer's nonce. */
export function authFrame(identity: HandshakeIdentity, peer: string, peerNonce: Buffer): Buffer {
  return packr.pack(['syncgen-auth', proof(identity, peerNonce, identity.deviceId, peer)]);
}

/** Whether the peer's auth proves the secret over this side's nonce. */
export function checkAuth(identity: HandshakeIdentity, peer: string, nonce: Buffer, message: unknown): Refusal | null {
  const received = Array.isArray(message) && message[0] === 'syncgen-auth' ? message[1] : undefined;
  const expected = proof(identity, nonce, peer, identity.deviceId);
  if (!(received instanceof Uint8Array) || received.length !== expected.length || !timingSafeEqual(Buffer.from(received), expected)) {
    return { code: 'authentication-failed', reason: "authentication failed: the peer does not hold this library's secret" };
  }
  return null;
}

function proof(identity: HandshakeIdentity, nonce: Buffer, from: string, to: string): Buffer {
  return createHmac('sha256', identity.secret).update(AUTH_CONTEXT).update(nonce).update(from).update(to).update(identity.libraryId).digest();
}
