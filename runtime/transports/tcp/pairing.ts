/**
 * A new device's side of pairing: `transport.redeem(code)` dials the inviter the invite names,
 * sends its token once the inviter's key is the one the code names, and settles when the inviter
 * admits it (the connection opens) or refuses (its code: 'invite-invalid', 'invite-expired', ...).
 */
import { InvalidArgumentError, SYNC_ERROR_CODES, SyncError, type SyncErrorCode } from '../../core/errors.js';
import { InviteError, parseInvite, type Invite } from '../../protocol/invite-code.js';
import { TransportError } from '../transport.js';
import type { Pairing } from './membership-gate.js';

interface Pending {
  readonly invite: Invite;
  readonly resolve: (inviter: string) => void;
  readonly reject: (error: SyncError) => void;
  readonly timer: NodeJS.Timeout;
}

export class Pairings {
  /** Redemptions under way, by the inviter's address. */
  readonly #pending = new Map<string, Pending>();

  /** Starts redeeming `code` for a library; `dial` makes the connection. */
  async redeem(code: string, libraryId: string, timeoutMs: number, now: number, dial: (address: string, pairing: Pairing) => void): Promise<string> {
    const invite = parseInvite(code);
    if (invite.libraryId !== libraryId) {
      throw new InviteError('invite-invalid', `the invite is for library ${invite.libraryId}; open that library to redeem it (this one is ${libraryId})`);
    }
    if (invite.expiresAt <= now)
      throw new InviteError('invite-expired', `the invite expired at ${new Date(invite.expiresAt).toISOString()}; ask for a new one`);
    if (this.#pending.has(invite.address)) {
      throw new InvalidArgumentError('code', '(an invite)', `an invite whose inviter (${invite.address}) is not being redeemed already`);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.settle(invite.address, new SyncError('handshake-timeout', `the inviter at ${invite.address} did not admit this device within ${timeoutMs} ms`)),
        timeoutMs,
      );
      timer.unref();
      this.#pending.set(invite.address, { invite, resolve, reject, timer });
      dial(invite.address, { inviter: invite.inviter, fingerprint: invite.fingerprint, token: invite.token });
    });
  }

  /** Whether a redemption of the inviter at `address` is under way. */
  has(address: string): boolean {
    return this.#pending.has(address);
  }

  /** Ends the redemption at `address`: admitted (the inviter's device id) or failed (why). */
  settle(address: string, outcome: string | SyncError): void {
    const pending = this.#pending.get(address);
    if (!pending) return;
    this.#pending.delete(address);
    clearTimeout(pending.timer);
    if (typeof outcome === 'string') pending.resolve(outcome);
    else pending.reject(outcome);
  }

  /** The inviter refused this device (its code and reason, as it sent them). */
  refusedByInviter(address: string, code: string, reason: string): void {
    this.settle(address, inviterRefusal(code, reason));
  }

  /** The connection to the inviter closed while the redemption was under way. */
  closedBeforeAdmitted(address: string): void {
    this.settle(address, new TransportError('unreachable', `the connection to the inviter at ${address} closed before it admitted this device`));
  }

  close(): void {
    for (const address of [...this.#pending.keys()])
      this.settle(address, new SyncError('not-connected', 'the transport was closed before the invite was redeemed'));
  }
}

/** Why an inviter refused a new device: with no invite open, it took the new device for a stranger. */
function inviterRefusal(code: string, reason: string): SyncError {
  if (code === 'not-a-member')
    return new SyncError('invite-invalid', 'the inviter holds no open invite: this one was used already, or it is not from that device');
  const known = Object.hasOwn(SYNC_ERROR_CODES, code) ? (code as SyncErrorCode) : 'refused-by-peer';
  return new SyncError(known, `the inviter refused this device: ${reason}`);
}
