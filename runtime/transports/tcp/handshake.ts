/**
 * The TCP handshake's frames, sent inside the TLS 1.3 session once each side has checked the
 * other's key against the library's membership (`membership-gate.ts`). Each side sends:
 *
 * | frame | content (MessagePack array) |
 * | ----- | ------- |
 * | redeem | `['syncgen-redeem', token (16 bytes)]`: only a new device, to the inviter its invite names, first |
 * | hello | `['syncgen-hello', protocolVersion, libraryId, deviceId, schemaVersion, compatibleFrom]` |
 * | ready | `['syncgen-ready']`: this side checked the peer's hello and accepts it |
 * | refused | `['syncgen-refused', reason, code]`, then the connection closes |
 *
 * Authentication is TLS's own: each side proves it holds the key of the certificate it presents
 * (TLS 1.3 CertificateVerify signs the session's transcript), and the membership says which device
 * id that key belongs to. Nothing here is cryptography of ours. Library id, protocol version and
 * schema hash go only to a peer whose key is a member's (or, for a new device, the inviter's key).
 *
 * Everything here reads frames from a stranger: each field's type is checked before it is used,
 * and a field is never turned into text by its own methods (`describeUntrusted`), so no frame can
 * make these functions throw.
 */
import { Packr, Unpackr } from 'msgpackr';
import type { SyncErrorCode } from '../../core/errors.js';
import { isUuid } from '../../core/uuid.js';
import { PROTOCOL_VERSION } from '../../protocol/messages.js';
import { incompatibility, isSchemaCompatibility, type SchemaCompatibility } from '../../protocol/compatibility.js';
import { describeUntrusted, untrustedText } from '../../protocol/untrusted.js';

export interface HandshakeIdentity {
  readonly deviceId: string;
  readonly libraryId: string;
  /** This device's schema version and the oldest it syncs with (`protocol/compatibility.ts`). */
  readonly schema: SchemaCompatibility;
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
/** Characters of a peer's refusal reason kept (it goes to events and logs). */
const MAX_REASON = 300;
const NOT_A_HELLO: Refusal = { code: 'not-a-peer', reason: 'not a syncgen hello: not a syncgen peer' };
const TOKEN_BYTES = 16;

export function helloFrame(identity: HandshakeIdentity): Buffer {
  const { schemaVersion, compatibleFrom } = identity.schema;
  return packr.pack(['syncgen-hello', identity.protocolVersion, identity.libraryId, identity.deviceId, schemaVersion, compatibleFrom]);
}

export function redeemFrame(token: Uint8Array): Buffer {
  return packr.pack(['syncgen-redeem', token]);
}

export function readyFrame(): Buffer {
  return packr.pack(['syncgen-ready']);
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

/** The token of a redeem frame, or null when the frame is not one (never a throw, as `checkHello`). */
export function redeemToken(message: unknown): Uint8Array | null {
  try {
    if (!Array.isArray(message) || message.length !== 2 || message[0] !== 'syncgen-redeem') return null;
    const token: unknown = message[1];
    return token instanceof Uint8Array && token.length === TOKEN_BYTES ? token : null;
  } catch {
    return null;
  }
}

/** Null when the peer's hello agrees with this side (the peer being `peer`, as its key says), or why it is refused. */
export function checkHello(identity: HandshakeIdentity, peer: string, message: unknown): Refusal | null {
  try {
    return helloRefusal(identity, peer, message);
  } catch {
    // Decoded MessagePack cannot run code, but a caller's value might (a Proxy): still a refusal.
    return NOT_A_HELLO;
  }
}

function helloRefusal(identity: HandshakeIdentity, peer: string, message: unknown): Refusal | null {
  if (!Array.isArray(message) || message[0] !== 'syncgen-hello') return NOT_A_HELLO;
  const [, version, libraryId, deviceId, schemaVersion, compatibleFrom] = message as unknown[];
  // The version first: another version's hello may have other fields, and its device must hear "upgrade".
  if (version !== PROTOCOL_VERSION) {
    return {
      code: 'unsupported-version',
      reason: `protocol version ${describeUntrusted(version)} is not supported (this device speaks ${PROTOCOL_VERSION}); upgrade the older device`,
    };
  }
  if (message.length !== 6) return NOT_A_HELLO;
  if (libraryId !== identity.libraryId) {
    return { code: 'wrong-library', reason: `wrong library: ${isUuid(libraryId) ? libraryId : describeUntrusted(libraryId)} is not ${identity.libraryId}` };
  }
  if (!isSchemaCompatibility(schemaVersion, compatibleFrom)) {
    return { code: 'not-a-peer', reason: `invalid schema versions ${describeUntrusted(schemaVersion)} and ${describeUntrusted(compatibleFrom)}` };
  }
  const incompatible = incompatibility(identity.schema, { schemaVersion: schemaVersion as number, compatibleFrom: compatibleFrom as number }, peer);
  if (incompatible !== null) return { code: 'schema-mismatch', reason: incompatible };
  if (deviceId !== peer) {
    return {
      code: 'invalid-device-id',
      reason: `the peer announced device ${isUuid(deviceId) ? deviceId : describeUntrusted(deviceId)} with the key of ${peer}`,
    };
  }
  return null;
}

export function isReady(message: unknown): boolean {
  try {
    return Array.isArray(message) && message.length === 1 && message[0] === 'syncgen-ready';
  } catch {
    return false;
  }
}
