/**
 * The library's membership (`_sync_member`, one row per device id: `core/member-record.ts`) and
 * its open invites (`_sync_invite`: the SHA-256 of each one-time token, until redeemed or expired).
 * It stores; `library/members.ts` decides.
 */
import type Database from 'better-sqlite3';
import type { MemberRecord } from '../core/member-record.js';

interface MemberRow {
  device: string;
  fingerprint: string;
  added_by: string;
  added_at: number;
  removed_by: string | null;
  removed_at: number | null;
  removed_after_seq: number | null;
  conflict: number;
}

export class MemberTable {
  readonly #all: Database.Statement;
  readonly #one: Database.Statement;
  readonly #put: Database.Statement;
  readonly #insertInvite: Database.Statement;
  readonly #takeInvite: Database.Statement;
  readonly #dropExpired: Database.Statement;
  readonly #invites: Database.Statement;
  /** Removed devices' cuts, kept in memory: the merge layer asks for every received entry. */
  readonly #cuts = new Map<string, number>();

  constructor(db: Database.Database) {
    this.#all = db.prepare('SELECT * FROM _sync_member ORDER BY device');
    this.#one = db.prepare('SELECT * FROM _sync_member WHERE device = ?');
    this.#put = db.prepare(
      `INSERT OR REPLACE INTO _sync_member (device, fingerprint, added_by, added_at, removed_by, removed_at, removed_after_seq, conflict)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#insertInvite = db.prepare('INSERT INTO _sync_invite (token_hash, expires_at) VALUES (?, ?)');
    this.#takeInvite = db.prepare('DELETE FROM _sync_invite WHERE token_hash = ? RETURNING expires_at').pluck();
    this.#dropExpired = db.prepare('DELETE FROM _sync_invite WHERE expires_at <= ?');
    this.#invites = db.prepare('SELECT count(*) FROM _sync_invite').pluck();
    for (const record of this.all()) this.#noteCut(record);
  }

  /** Whether any device was removed with a cut (the outbound path checks cuts only then). */
  get anyCut(): boolean {
    return this.#cuts.size > 0;
  }

  /** The cut of a removed device (its entries with a greater seq are refused), or undefined. */
  cutOf(device: string): number | undefined {
    return this.#cuts.get(device);
  }

  all(): MemberRecord[] {
    return (this.#all.all() as MemberRow[]).map(recordOf);
  }

  get(device: string): MemberRecord | undefined {
    const row = this.#one.get(device) as MemberRow | undefined;
    return row && recordOf(row);
  }

  put(record: MemberRecord): void {
    const { device, fingerprint, addedBy, addedAt, removedBy, removedAt, removedAfterSeq, conflict } = record;
    this.#put.run(device, fingerprint, addedBy, addedAt, removedBy, removedAt, removedAfterSeq, conflict ? 1 : 0);
    this.#noteCut(record);
  }

  #noteCut(record: MemberRecord): void {
    if (record.removedAfterSeq !== null) this.#cuts.set(record.device, record.removedAfterSeq);
  }

  addInvite(tokenHash: Buffer, expiresAt: number): void {
    this.#insertInvite.run(tokenHash, expiresAt);
  }

  /** Removes an invite and returns when it expires(d), or undefined when there is none. */
  takeInvite(tokenHash: Buffer): number | undefined {
    return this.#takeInvite.get(tokenHash) as number | undefined;
  }

  /** Drops the invites that expired before `time`. */
  dropInvitesExpiredBefore(time: number): void {
    this.#dropExpired.run(time);
  }

  /** Invites kept: open ones, and expired ones until they are dropped. */
  inviteCount(): number {
    return this.#invites.get() as number;
  }
}

function recordOf(row: MemberRow): MemberRecord {
  return {
    device: row.device,
    fingerprint: row.fingerprint,
    addedBy: row.added_by,
    addedAt: row.added_at,
    removedBy: row.removed_by,
    removedAt: row.removed_at,
    removedAfterSeq: row.removed_after_seq,
    conflict: row.conflict === 1,
  };
}
