/**
 * The sync protocol's messages. Every frame is one MessagePack array, the envelope:
 *
 * | # | field | type | note |
 * | - | ----- | ---- | ---- |
 * | 0 | version | uint | `PROTOCOL_VERSION`; a peer refuses another |
 * | 1 | libraryId | bin 16 | the library (UUID bytes) |
 * | 2 | schema | [schemaVersion, compatibleFrom] | the sender's schema version and the oldest it syncs with (`compatibility.ts`); an incompatible one is refused |
 * | 3 | type | uint | `MESSAGE_TYPES` below |
 * | 4 | body | array | per type, below |
 *
 * The sender of a message is the authenticated peer of its connection, never a field of the message.
 *
 * | type | code | body | meaning |
 * | ---- | ---- | ---- | ------- |
 * | StateChange | 1 | entry | one change to device-owned data |
 * | StateBatch | 2 | [entry...] | several |
 * | StateRequest | 3 | [model, after: bin16 or nil, limit] | records of a model after a record cursor; `limit` + `COUNTS_FLAG` asks for `counts` too (below) |
 * | StateResponse | 4 | [model, [record...], next: bin16 or nil, reflects: vector, counts?: [[model, count]...]] | one page; `next` nil on the last; `reflects`: per origin, every entry up to this seq has its effect in the page; `counts` only when asked |
 * | SharedChange | 5 | entry | one change to shared data |
 * | SharedChangeBatch | 6 | [entry...] | several |
 * | SharedChangeRequest | 7 | [vector, limit] | log entries after the requester's version vector |
 * | SharedChangeResponse | 8 | [[entry...], complete: bool] | one page; `complete` when nothing more is behind it |
 * | AckSharedChanges | 9 | [vector] | "I hold everything from each origin up to its seq" |
 * | Heartbeat | 10 | [vector, sentAt ms, floor vector] | liveness, the sender's version vector (its watermark), and per origin the seq up to which it pruned its log |
 * | RecordRequest | 11 | [[model, bin16]...] | records that parked changes wait for |
 * | RecordResponse | 12 | [record...] | those records, as snapshot records |
 * | Error | 13 | [code, message] | a refusal or failure, for the peer's logs and metrics |
 * | Members | 14 | [[device bin16, fingerprint bin32, addedBy bin16, addedAt uint, removedBy bin16 or nil, removedAt uint or nil, removedAfterSeq uint or nil, conflict bool]...] | the sender's whole membership (`core/member-record.ts`), on connect and after each change; at most `MAX_MEMBER_RECORDS` |
 * | Models | 15 | [known: [model...], held: [model...], request: bool] | the models the sender serves snapshot pages of: `known`, its schema's, parents first (the order it pulls in); `held`, those of newer schemas it holds records of. With `request`, a snapshot puller asks for the receiver's list, after its own models' pages; the answer has `request` false. Ids from 1 to `MAX_MODEL_ID`, none twice |
 *
 * - entry: `[origin bin16, seq, hlc bin24, model, record bin16, kind (1 insert, 2 update, 3 delete), data map or nil]`
 * - vector: `[[origin bin16, seq]...]`
 * - record (a snapshot row, with its original clocks): `[model, record bin16, deleted bool, deleteClock bin24 or nil,
 *   values map or nil, clocks map or nil, version bin24 or nil, [[device bin16, values map, version bin24]...]]`
 *
 * Counts, within version 6: a snapshot puller that wants its expected total asks its first page
 * with `COUNTS_FLAG` added to the limit. Every device of version 6 clamps a StateRequest's limit to
 * its own page size, so one that predates counts answers as always (4 fields) and the puller shows
 * no total; one that knows them adds `counts` (records per model it serves, rows and tombstones).
 * A device never sends the fifth field unasked: one that predates it would refuse the frame.
 */
import type { SchemaCompatibility } from './compatibility.js';
import type { ChangeEntry } from '../core/change-entry.js';
import type { MemberRecord } from '../core/member-record.js';
import type { SnapshotRecord } from '../core/snapshot-record.js';
import type { VersionVector } from '../core/version-vector.js';

// 2: a logBased snapshot record carries its create clock in `version` and only the clocks of fields updated since;
// a StateResponse says which vector it reflects.
// 3: the TCP transport runs in TLS 1.3 with device keys; its handshake proof is bound to the TLS session, and a ready frame ends it.
// 4: membership replaces the shared secret: only members' keys may connect, a new device redeems an invite; the Members message.
// 5: schema compatibility by version ([schemaVersion, compatibleFrom] in the envelope and the hello), not a hash of everything.
// 6: the Models message (a snapshot puller also pulls the models only its peer knows); a device of 5 would refuse it as an unknown type.
export const PROTOCOL_VERSION = 6;

/** Added to a StateRequest's limit to ask for `counts` (see the module comment): beyond any page size. */
export const COUNTS_FLAG = 2 ** 32;

export const MESSAGE_TYPES = {
  StateChange: 1,
  StateBatch: 2,
  StateRequest: 3,
  StateResponse: 4,
  SharedChange: 5,
  SharedChangeBatch: 6,
  SharedChangeRequest: 7,
  SharedChangeResponse: 8,
  AckSharedChanges: 9,
  Heartbeat: 10,
  RecordRequest: 11,
  RecordResponse: 12,
  Error: 13,
  Members: 14,
  Models: 15,
} as const;

/**
 * The most member records one Members message may carry: a few devices per user, so far more than
 * any library holds, and a bound on what one message can make a device decode and merge.
 */
export const MAX_MEMBER_RECORDS = 10_000;

/**
 * The greatest model id (the generator's range: `generator/validate/model-rules.ts`). A Models
 * message lists each id at most once, so it holds at most this many: no honest list is refused,
 * and the length is checked before any id is.
 */
export const MAX_MODEL_ID = 65_535;

export type MessageType = keyof typeof MESSAGE_TYPES;

export type SyncMessage =
  | { readonly type: 'StateChange'; readonly entry: ChangeEntry }
  | { readonly type: 'StateBatch'; readonly entries: readonly ChangeEntry[] }
  | {
      readonly type: 'StateRequest';
      readonly model: number;
      readonly after: string | null;
      readonly limit: number;
      /** Asks for the records per model in the answer (sent as `limit + COUNTS_FLAG`). */
      readonly counts?: boolean;
    }
  | {
      readonly type: 'StateResponse';
      readonly model: number;
      readonly records: readonly SnapshotRecord[];
      readonly next: string | null;
      /**
       * What the page reflects: the sender's vector when it read the page, lowered below any entry
       * it holds parked (held, not applied). A snapshot claims the minimum over its pages.
       */
      readonly reflects: VersionVector;
      /** Records per model the sender serves, when the request asked (`counts`); else absent. */
      readonly counts?: ReadonlyMap<number, number> | undefined;
    }
  | { readonly type: 'SharedChange'; readonly entry: ChangeEntry }
  | { readonly type: 'SharedChangeBatch'; readonly entries: readonly ChangeEntry[] }
  | { readonly type: 'SharedChangeRequest'; readonly after: VersionVector; readonly limit: number }
  | { readonly type: 'SharedChangeResponse'; readonly entries: readonly ChangeEntry[]; readonly complete: boolean }
  | { readonly type: 'AckSharedChanges'; readonly upTo: VersionVector }
  | { readonly type: 'Heartbeat'; readonly watermark: VersionVector; readonly sentAt: number; readonly floor: VersionVector }
  | { readonly type: 'RecordRequest'; readonly records: readonly { readonly model: number; readonly record: string }[] }
  | { readonly type: 'RecordResponse'; readonly records: readonly SnapshotRecord[] }
  | { readonly type: 'Error'; readonly code: string; readonly message: string }
  | { readonly type: 'Members'; readonly members: readonly MemberRecord[] }
  | {
      readonly type: 'Models';
      /** The sender's schema's model ids, parents first. */
      readonly known: readonly number[];
      /** Models of newer schemas it holds records of, not in `known`. */
      readonly held: readonly number[];
      /** The sender asks for the receiver's list. */
      readonly request: boolean;
    };

/** A message with the envelope's fields. */
export interface Envelope {
  readonly version: number;
  readonly libraryId: string;
  readonly schema: SchemaCompatibility;
  readonly message: SyncMessage;
}
