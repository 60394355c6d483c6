/**
 * The first check of every connection, as soon as TLS is up and before this side says anything:
 * is the key the peer proved it holds a member's? The certificate's CN names the device id; the
 * library's membership (`MemberDirectory`) says whether that id is a member with that key.
 *
 * - a member with its key: go on to the hellos;
 * - a new device, redeeming an invite: on the dialing side, the peer must be the inviter with the
 *   key the invite names; on the listening side, an unknown key may only send its invite's token,
 *   and only while an invite is open;
 * - anything else is refused, and learns nothing of the library.
 */
import { describeError } from '../../protocol/untrusted.js';
import { isUuid } from '../../core/uuid.js';
import { SyncError } from '../../core/errors.js';
import type { MemberDirectory } from '../transport.js';
import type { Refusal } from './handshake.js';

/** What a new device redeeming an invite expects of the inviter's connection. */
export interface Pairing {
  readonly inviter: string;
  readonly fingerprint: string;
  readonly token: Uint8Array;
}

export interface GateInput {
  readonly deviceId: string;
  readonly fingerprint: string;
  readonly members: MemberDirectory;
  readonly role: 'dialer' | 'listener';
  /** The subject of the peer's certificate (`CN=<device id>`). */
  readonly peerSubject: string;
  readonly peerFingerprint: string;
  /** Set when this side dialed to redeem an invite. */
  readonly pairing: Pairing | null;
}

/** Where the handshake goes next: the peer's device id, and whether it must first redeem an invite. */
export type GateVerdict = { readonly peer: string; readonly next: 'hello' | 'redeem' } | Refusal;

const short = (fingerprint: string) => `${fingerprint.slice(0, 16)}…`;

/** The device id a certificate's subject names (`CN=<uuid>`), or null. */
export function deviceIdOf(subject: string): string | null {
  const id = /^CN=([0-9a-f-]{36})$/.exec(subject)?.[1];
  return id !== undefined && isUuid(id) ? id : null;
}

export function admitKey(input: GateInput): GateVerdict {
  const peer = deviceIdOf(input.peerSubject);
  if (peer === null) {
    return { code: 'invalid-device-id', reason: `the peer's certificate does not name a device (subject ${JSON.stringify(input.peerSubject.slice(0, 100))})` };
  }
  if (peer === input.deviceId) return ownId(peer, input);
  if (input.pairing) return inviter(peer, input, input.pairing);
  let status: ReturnType<MemberDirectory['statusOf']>;
  let canRedeem = false;
  try {
    status = input.members.statusOf(peer, input.peerFingerprint);
    canRedeem = status === 'unknown' && input.role === 'listener' && input.members.hasOpenInvites();
  } catch (error) {
    // The membership could not be read (a library closed under a running transport): refused, with its code.
    return {
      code: error instanceof SyncError ? error.code : 'unreachable',
      reason: `the membership of device ${peer} could not be checked: ${describeError(error)}`,
    };
  }
  switch (status) {
    case 'member':
      return { peer, next: 'hello' };
    case 'unknown':
      if (canRedeem) return { peer, next: 'redeem' };
      return { code: 'not-a-member', reason: `device ${peer} (key ${short(input.peerFingerprint)}) is not a member of this library: pair it with an invite` };
    case 'removed':
      return { code: 'device-removed', reason: `device ${peer} was removed from this library` };
    case 'other-key':
      return {
        code: 'device-key-changed',
        reason:
          `device ${peer} presented key ${short(input.peerFingerprint)}, not the key the library's membership binds to it: ` +
          'someone is claiming its id, or it made a new key (its directory was reset: pair it again under a new device id)',
      };
  }
}

/**
 * Why an open connection's peer is no longer a member with the key it presented (checked with the
 * fingerprint the TLS session saw: the socket may no longer say, once it is closing), or null.
 */
export function membershipLapse(members: MemberDirectory, peer: string, fingerprint: string): Refusal | null {
  const status = members.statusOf(peer, fingerprint);
  if (status === 'member') return null;
  const code = status === 'removed' ? 'device-removed' : status === 'other-key' ? 'device-key-changed' : 'not-a-member';
  return { code, reason: `device ${peer} is no longer a member with this key (${status})` };
}

/** A peer with this device's own id. */
function ownId(peer: string, input: GateInput): Refusal {
  return input.peerFingerprint === input.fingerprint
    ? {
        code: 'invalid-device-id',
        reason: `the peer is this device (${peer}) with this device's key: a copy of this device's directory runs elsewhere; give each device its own directory and device id`,
      }
    : { code: 'device-key-changed', reason: `a peer claims this device's own id ${peer} with another key (${short(input.peerFingerprint)})` };
}

/** The listener a new device dialed to redeem its invite: the inviter, with the key the invite names. */
function inviter(peer: string, input: GateInput, pairing: Pairing): GateVerdict {
  if (peer === pairing.inviter && input.peerFingerprint === pairing.fingerprint) return { peer, next: 'hello' };
  return {
    code: 'invite-invalid',
    reason: `the invite names device ${pairing.inviter} with key ${short(pairing.fingerprint)}, but ${peer} with key ${short(input.peerFingerprint)} answered: not the inviter`,
  };
}
