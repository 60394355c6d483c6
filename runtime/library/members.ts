/**
 * `library.members`: who belongs to the library, pairing by invite, and removal.
 *
 * The set of members (`core/member-record.ts`) lives in the library file (`_sync_member`) and
 * syncs to every peer (the engine sends it on connect and after each change). The TCP transport
 * asks it about every connection, before anything else is said (`MemberDirectory`); the merge
 * layer asks it about every received entry (a removed device's entries after its cut are refused).
 */
import { createHash, randomBytes } from 'node:crypto';
import { InvalidArgumentError, SyncError } from '../core/errors.js';
import { isMember, mergeMember, sameMember, type MemberRecord } from '../core/member-record.js';
import { isUuid } from '../core/uuid.js';
import { encodeInvite } from '../protocol/invite-code.js';
import type { Store } from '../store/store.js';
import type { MemberDirectory, MemberStatus } from '../transports/transport.js';

/** A member as the app sees it. */
export interface Member extends MemberRecord {
  /** Whether its connections and changes are accepted. */
  readonly active: boolean;
}

export interface InviteOptions {
  /** How the new device reaches this one: `host:port` of this device's listening transport. */
  readonly address: string;
  /** How long the invite can be redeemed (default 10 minutes). */
  readonly ttlMs?: number;
}

/** A new invite: give `code` to the new device (text or QR); it works once, until `expiresAt`. */
export interface CreatedInvite {
  readonly code: string;
  readonly expiresAt: number;
}

const DEFAULT_INVITE_TTL_MS = 10 * 60 * 1000;
/** How long an expired invite is kept, so that a late new device hears 'invite-expired' rather than 'not-a-member'. */
const EXPIRED_INVITE_KEPT_MS = 24 * 60 * 60 * 1000;
const FINGERPRINT = /^[0-9a-f]{64}$/;

export class LibraryMembers implements MemberDirectory {
  readonly #store: Store;
  readonly #libraryId: string;
  readonly #fingerprint: string;
  readonly #now: () => number;
  readonly #assertOpen: () => void;
  readonly #listeners = new Set<() => void>();
  readonly #reportError: (error: unknown, context: string) => void;

  /** @internal Made by the library, which records itself as a member on its first open. */
  constructor(parts: {
    store: Store;
    libraryId: string;
    fingerprint: string;
    now: () => number;
    assertOpen: () => void;
    reportError: (error: unknown, context: string) => void;
  }) {
    this.#store = parts.store;
    this.#libraryId = parts.libraryId;
    this.#fingerprint = parts.fingerprint;
    this.#now = parts.now;
    this.#assertOpen = parts.assertOpen;
    this.#reportError = parts.reportError;
    const own = this.#store.members.get(this.#store.deviceId);
    if (own === undefined) this.#store.members.put(this.#newRecord(this.#store.deviceId, parts.fingerprint));
    else if (own.fingerprint !== parts.fingerprint) {
      // The key files were replaced (lost, reset): the membership still binds the old key, so every member refuses this device.
      parts.reportError(
        new SyncError(
          'device-key-changed',
          `this device's key is not the one the library's membership binds to device ${own.device}: members will refuse it; pair it again under a new device id`,
        ),
        'opening the library',
      );
    }
  }

  /**
   * Every device the library knows of, removed ones included.
   *
   * @example
   * for (const member of library.members.list()) console.log(member.device, member.active ? 'member' : 'removed');
   */
  list(): Member[] {
    this.#assertOpen();
    return this.#store.members.all().map((record) => ({ ...record, active: isMember(record) }));
  }

  /**
   * Creates a one-time invite for a new device, valid for `ttlMs`. The new device redeems it with
   * its transport (`transport.redeem(code)`), and this device admits it.
   *
   * @example
   * const { code } = library.members.invite({ address: '192.168.1.20:4100' });
   */
  invite(options: InviteOptions): CreatedInvite {
    this.#assertOpen();
    const ttlMs = options.ttlMs ?? DEFAULT_INVITE_TTL_MS;
    if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw new InvalidArgumentError('ttlMs', ttlMs, 'a positive number of milliseconds');
    const token = randomBytes(16);
    const expiresAt = this.#now() + ttlMs;
    const code = encodeInvite({
      libraryId: this.#libraryId,
      inviter: this.#store.deviceId,
      fingerprint: this.#fingerprint,
      token,
      expiresAt,
      address: options.address,
    });
    this.#store.members.dropInvitesExpiredBefore(this.#now() - EXPIRED_INVITE_KEPT_MS);
    this.#store.members.addInvite(hashOf(token), expiresAt);
    return { code, expiresAt };
  }

  /**
   * Admits a device by its id and key fingerprint, known another way (a provisioning tool, or a
   * fingerprint compared on both screens): pairing without an invite.
   */
  add(deviceId: string, fingerprint: string): void {
    this.#assertOpen();
    if (!isUuid(deviceId)) throw new InvalidArgumentError('deviceId', deviceId, 'a lower-case UUID');
    if (!FINGERPRINT.test(fingerprint))
      throw new InvalidArgumentError('fingerprint', fingerprint, "a key fingerprint: 64 lower-case hex digits (a library's credentials.fingerprint)");
    const known = this.#store.members.get(deviceId);
    if (known !== undefined && known.fingerprint !== fingerprint) {
      // A second key for an id would mark it a conflict and shut it out everywhere: never by accident.
      throw new SyncError(
        'device-key-changed',
        `device ${deviceId} is bound to another key (${known.fingerprint.slice(0, 16)}…); a device with a new key pairs again under a new device id`,
      );
    }
    this.#merge([this.#newRecord(deviceId, fingerprint)]);
  }

  /**
   * Removes a device: from now on every device refuses its connections, and the changes it writes
   * after the last one this device holds of it. Final: a device that should come back pairs again
   * under a new device id.
   *
   * @example
   * library.members.remove(lostPhoneId);
   */
  remove(deviceId: string): void {
    this.#assertOpen();
    if (deviceId === this.#store.deviceId) throw new InvalidArgumentError('deviceId', deviceId, 'another device than this one (a device cannot remove itself)');
    const record = this.#store.members.get(deviceId);
    if (record === undefined) throw new SyncError('not-a-member', `device ${deviceId} is not a member of this library`);
    if (record.removedBy !== null) return;
    const removedAfterSeq = this.#store.log.heldUpTo(deviceId);
    this.#merge([{ ...record, removedBy: this.#store.deviceId, removedAt: this.#now(), removedAfterSeq }]);
  }

  /** Calls `listener` after every change of the membership (local, or merged from a peer); returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The transport's question (`MemberDirectory`) about a device that presents a key. */
  statusOf(deviceId: string, fingerprint: string): MemberStatus {
    this.#assertOpen();
    const record = this.#store.members.get(deviceId);
    if (record === undefined) return 'unknown';
    if (!isMember(record)) return 'removed';
    return record.fingerprint === fingerprint ? 'member' : 'other-key';
  }

  /** Whether this device holds invites not yet redeemed (expired ones included, for a day): a connection from an unknown key then waits for one. */
  hasOpenInvites(): boolean {
    this.#assertOpen();
    return this.#store.members.inviteCount() > 0;
  }

  /** The transport's side of pairing (`MemberDirectory`): redeems an invite's token for a device with this key; null when it is admitted, or why not. */
  admit(token: Uint8Array, deviceId: string, fingerprint: string): { code: 'invite-invalid' | 'invite-expired' | 'device-removed'; reason: string } | null {
    this.#assertOpen();
    const expiresAt = this.#store.members.takeInvite(hashOf(token));
    if (expiresAt === undefined) return { code: 'invite-invalid', reason: 'this device has no such invite: it was never made here, or it was used already' };
    if (expiresAt <= this.#now()) return { code: 'invite-expired', reason: `the invite expired at ${new Date(expiresAt).toISOString()}; ask for a new one` };
    const known = this.#store.members.get(deviceId);
    if (known !== undefined && !isMember(known))
      return { code: 'device-removed', reason: `device ${deviceId} was removed from the library; pair it under a new device id` };
    this.#merge([this.#newRecord(deviceId, fingerprint)]);
    return null;
  }

  /** Merges member records (what the sync engine receives from peers); returns whether anything changed. */
  merge(records: readonly MemberRecord[]): boolean {
    this.#assertOpen();
    return this.#merge(records);
  }

  #merge(records: readonly MemberRecord[]): boolean {
    let changed = false;
    this.#store.db
      .transaction(() => {
        for (const record of records) {
          const held = this.#store.members.get(record.device);
          const merged = held === undefined ? record : mergeMember(held, record);
          if (held !== undefined && sameMember(held, merged)) continue;
          this.#store.members.put(merged);
          changed = true;
        }
      })
      .immediate();
    if (!changed) return false;
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (error) {
        this.#reportError(error, 'a membership listener threw');
      }
    }
    return true;
  }

  #newRecord(device: string, fingerprint: string): MemberRecord {
    return {
      device,
      fingerprint,
      addedBy: this.#store.deviceId,
      addedAt: this.#now(),
      removedBy: null,
      removedAt: null,
      removedAfterSeq: null,
      conflict: false,
    };
  }
}

function hashOf(token: Uint8Array): Buffer {
  return createHash('sha256').update(token).digest();
}
