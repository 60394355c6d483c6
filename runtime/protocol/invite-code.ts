/**
 * The invite code: what a member hands a new device (as text to copy, or a QR code) so that it can
 * join. `syncgen-invite-1.` followed by base64url of:
 *
 * | bytes | field |
 * | ----- | ----- |
 * | 16 | library id (UUID bytes) |
 * | 16 | the inviting device's id |
 * | 32 | the inviting device's key fingerprint: the new device talks to that key only |
 * | 16 | the one-time token (the inviter keeps only its SHA-256) |
 * | 8 | expiry, ms since the epoch (uint64, big-endian) |
 * | rest | how to reach the inviter, `host:port` (UTF-8) |
 *
 * The token is a capability: whoever holds the code before it expires can join. It travels only
 * inside TLS to the key the code names, so the network never sees it.
 */
import { SyncError } from '../core/errors.js';
import { uuidFromBytes, uuidToBytes, isUuid } from '../core/uuid.js';

export interface Invite {
  readonly libraryId: string;
  readonly inviter: string;
  /** The inviter's key fingerprint (hex SHA-256 of its public key). */
  readonly fingerprint: string;
  readonly token: Uint8Array;
  /** ms since the epoch. */
  readonly expiresAt: number;
  /** `host:port` of the inviter. */
  readonly address: string;
}

const PREFIX = 'syncgen-invite-1.';
const FIXED = 16 + 16 + 32 + 16 + 8;
const MAX_ADDRESS = 255;

/** An invite code that cannot be read, or that cannot be redeemed. */
export class InviteError extends SyncError {
  constructor(code: 'invite-invalid' | 'invite-expired', message: string) {
    super(code, message);
  }
}

export function encodeInvite(invite: Invite): string {
  const address = Buffer.from(invite.address, 'utf8');
  if (address.length === 0 || address.length > MAX_ADDRESS) throw new InviteError('invite-invalid', `an invite address must be 1 to ${MAX_ADDRESS} bytes`);
  const bytes = Buffer.alloc(FIXED + address.length);
  let at = 0;
  for (const part of [uuidToBytes(invite.libraryId), uuidToBytes(invite.inviter), Buffer.from(invite.fingerprint, 'hex'), invite.token]) {
    bytes.set(part, at);
    at += part.length;
  }
  bytes.writeBigUInt64BE(BigInt(invite.expiresAt), at);
  address.copy(bytes, FIXED);
  return PREFIX + bytes.toString('base64url');
}

/**
 * Reads an invite code (whitespace around it, as a copy may add, is ignored).
 *
 * @example
 * const invite = parseInvite(code); // { libraryId, inviter, address, expiresAt, ... }
 */
export function parseInvite(code: string): Invite {
  const text = typeof code === 'string' ? code.trim() : '';
  if (!text.startsWith(PREFIX)) throw new InviteError('invite-invalid', `an invite code starts with ${PREFIX}`);
  const bytes = Buffer.from(text.slice(PREFIX.length), 'base64url');
  if (bytes.length <= FIXED || bytes.length > FIXED + MAX_ADDRESS)
    throw new InviteError('invite-invalid', 'the invite code is truncated or too long: copy all of it');
  const libraryId = uuidFromBytes(bytes.subarray(0, 16));
  const inviter = uuidFromBytes(bytes.subarray(16, 32));
  const address = bytes.subarray(FIXED).toString('utf8');
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  if (!isUuid(libraryId) || !isUuid(inviter) || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new InviteError('invite-invalid', 'the invite code is damaged: copy all of it');
  }
  return {
    libraryId,
    inviter,
    fingerprint: bytes.subarray(32, 64).toString('hex'),
    token: Uint8Array.from(bytes.subarray(64, 80)),
    expiresAt: Number(bytes.readBigUInt64BE(80)),
    address,
  };
}
