/**
 * A library's membership: which device ids belong to it, by which key, and which were removed.
 *
 * Every device holds the whole set (a few records per user) and sends it to each peer it connects
 * to and after every change, so the set syncs like data but apart from the log: it is what decides
 * whether a connection or a log entry is accepted at all, so it cannot wait behind them.
 *
 * The set is a state-based CRDT: `mergeMember` is commutative, associative and idempotent, so every
 * device that has seen the same records holds the same set, whatever the order. Its rules:
 * - who added a device: the first member that admitted it (the device's own record of itself counts
 *   only when no member admitted it: the library's first device);
 * - a device id is bound to one key (`fingerprint`); two different keys for one id mean someone
 *   claimed a member's id, and the id is then removed (no key of it is accepted; `conflict`);
 * - a removal is final (a removed device that should come back pairs again under a new id), and
 *   the earliest cut wins: entries of the removed device after `removedAfterSeq` are refused.
 */

/** One device's membership. Times are ms since the epoch, as the writing device's clock read them (informational). */
export interface MemberRecord {
  /** The device id (UUID). */
  readonly device: string;
  /** SHA-256 (hex) of the device's public key (`certificateFingerprint`). */
  readonly fingerprint: string;
  /** The member that admitted it (itself for the device that created the library). */
  readonly addedBy: string;
  readonly addedAt: number;
  /** The member that removed it, or null while it is a member. */
  readonly removedBy: string | null;
  readonly removedAt: number | null;
  /**
   * Entries of this device with a greater seq are refused (what the remover held of it when it
   * removed it); null: no entry is refused (a key conflict removes the id without a cut).
   */
  readonly removedAfterSeq: number | null;
  /** Two keys were seen for this device id: both are refused. */
  readonly conflict: boolean;
}

/** Whether the record admits its device now. */
export function isMember(record: MemberRecord): boolean {
  return record.removedBy === null && !record.conflict;
}

/** The merge of two records of the same device (see the module comment for the rules). */
export function mergeMember(a: MemberRecord, b: MemberRecord): MemberRecord {
  // An admission by another member names who admitted the device, over the device's own record of
  // itself (made when it opened its library, before it joined); then the earliest, ties broken by
  // the writer's id, so the choice is the same on every device.
  const selfAdded = (record: MemberRecord) => record.addedBy === record.device;
  const added = selfAdded(a) !== selfAdded(b) ? (selfAdded(a) ? b : a) : earlier(a.addedAt, a.addedBy, b.addedAt, b.addedBy) ? a : b;
  const removal = [a, b]
    .filter((record) => record.removedBy !== null)
    .sort((x, y) => (earlier(x.removedAt!, x.removedBy!, y.removedAt!, y.removedBy!) ? -1 : 1))[0];
  const cuts = [a.removedAfterSeq, b.removedAfterSeq].filter((cut): cut is number => cut !== null);
  return {
    device: a.device,
    fingerprint: [a.fingerprint, b.fingerprint].sort()[0]!,
    addedBy: added.addedBy,
    addedAt: added.addedAt,
    removedBy: removal?.removedBy ?? null,
    removedAt: removal?.removedAt ?? null,
    removedAfterSeq: cuts.length === 0 ? null : Math.min(...cuts),
    conflict: a.conflict || b.conflict || a.fingerprint !== b.fingerprint,
  };
}

/** Whether two records say the same. */
export function sameMember(a: MemberRecord, b: MemberRecord): boolean {
  return (
    a.device === b.device &&
    a.fingerprint === b.fingerprint &&
    a.addedBy === b.addedBy &&
    a.addedAt === b.addedAt &&
    a.removedBy === b.removedBy &&
    a.removedAt === b.removedAt &&
    a.removedAfterSeq === b.removedAfterSeq &&
    a.conflict === b.conflict
  );
}

function earlier(time: number, writer: string, otherTime: number, otherWriter: string): boolean {
  return time < otherTime || (time === otherTime && writer <= otherWriter);
}
