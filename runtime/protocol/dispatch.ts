/**
 * Protocol dispatch: decodes each incoming frame, checks that it belongs to this library and
 * schema, and routes its message to the `ProtocolHandlers` the sync engine gives it. It knows
 * nothing of the engine beyond that interface. A message from a peer of an older schema version
 * is routed in this device's field names (`field-names.ts`).
 *
 * Invalid or unexpected input (garbage, another protocol version, another library or schema, a
 * request for an unknown model from a peer whose schema is not newer) goes to `invalid`, which
 * answers with an `Error` reply and counts it. A newer peer's request for a model this schema
 * lacks is not invalid: its snapshot pull asks for every model of its own, and this device answers
 * with what it holds of that model for newer schemas, or an empty last page. An honest peer sends none (the handshake agreed on version, library and schema), so a peer's
 * invalid frames are counted without a valid frame ever wiping the count: at the
 * `MAX_INVALID_FRAMES`th it is disconnected, whatever it sent in between, and its count starts
 * over. Dispatch never throws into the transport.
 */
import { incompatibility, type SchemaCompatibility } from './compatibility.js';
import { assertNever } from '../core/assert-never.js';
import type { ChangeEntry } from '../core/change-entry.js';
import type { SyncErrorCode } from '../core/errors.js';
import type { MemberRecord } from '../core/member-record.js';
import type { SnapshotRecord } from '../core/snapshot-record.js';
import type { VersionVector } from '../core/version-vector.js';
import { FieldNames, type WireRename } from './field-names.js';
import type { Envelope } from './messages.js';
import { untrustedText } from './untrusted.js';
import { decodeEnvelope, WireError } from './wire-codec.js';

/**
 * Invalid frames that disconnect a peer. Counted per authenticated peer since it was last
 * disconnected for them: valid frames in between do not reset the count, nor does reconnecting
 * (dispatch sees peers, not connections, so the rule is the same over every transport). Not 1: a
 * single bad frame costs an `Error` reply, not the connection and the resend of everything
 * unacknowledged on it. Not more: each invalid frame costs a decode and a reply, and a peer that
 * sent three has a bug or an intent that more frames will not mend.
 */
export const MAX_INVALID_FRAMES = 3;
/** Characters of a peer's `Error` kept: its text is logged and kept in metrics. */
const MAX_PEER_ERROR_TEXT = 500;

/** What the engine does with each message; the sender is the authenticated peer of the connection. */
export interface ProtocolHandlers {
  /** StateChange, StateBatch, SharedChange, SharedChangeBatch, SharedChangeResponse. */
  entries(peer: string, entries: readonly ChangeEntry[]): void;
  ack(peer: string, upTo: VersionVector): void;
  heartbeat(peer: string, watermark: VersionVector, floor: VersionVector): void;
  changeRequest(peer: string, after: VersionVector, limit: number): void;
  /** `counts`: the peer asks for the records per model this device serves, in the answer. */
  stateRequest(peer: string, model: number, after: string | null, limit: number, counts: boolean): void;
  /** `counts`: the records per model the peer serves, when this device asked (else null). */
  stateResponse(
    peer: string,
    model: number,
    records: readonly SnapshotRecord[],
    next: string | null,
    reflects: VersionVector,
    counts: ReadonlyMap<number, number> | null,
  ): void;
  recordRequest(peer: string, records: readonly { model: number; record: string }[]): void;
  recordResponse(peer: string, records: readonly SnapshotRecord[]): void;
  /** The peer's whole membership (Members). */
  members(peer: string, members: readonly MemberRecord[]): void;
  /** The peer's models (Models): its schema's, parents first, and those of newer schemas it holds records of; `request`: it wants this device's. */
  models(peer: string, known: readonly number[], held: readonly number[], request: boolean): void;
  /** The peer reported an error of ours. */
  error(peer: string, code: string, message: string): void;
  /** A frame or message refused: count it and tell the peer why. */
  invalid(peer: string, code: SyncErrorCode, detail: string): void;
  /** The peer's connection should be dropped. */
  disconnect(peer: string, code: SyncErrorCode, reason: string): void;
  /** The schema version and oldest compatible version of the peer, from each frame it sends that is routed. */
  peerSchema?(peer: string, schema: SchemaCompatibility): void;
}

/** What dispatch checks every frame against. */
export interface DispatchIdentity {
  readonly libraryId: string;
  /** This device's schema version and the oldest it syncs with. */
  readonly schema: SchemaCompatibility;
  /** Whether a model id is one of this device's models, or one of a newer schema it holds something of. */
  knowsModel(model: number): boolean;
  /** The fields renamed by this device's schema history, by model id (none when absent). */
  readonly renames?: readonly WireRename[];
}

export class ProtocolDispatcher {
  readonly #identity: DispatchIdentity;
  readonly #handlers: ProtocolHandlers;
  readonly #invalid = new Map<string, number>();
  /** Null without renames: then no message is translated. */
  readonly #names: FieldNames | null;

  constructor(identity: DispatchIdentity, handlers: ProtocolHandlers) {
    this.#identity = identity;
    this.#handlers = handlers;
    this.#names = FieldNames.of(identity.renames);
  }

  dispatch(peer: string, frame: Uint8Array): void {
    const identity = this.#identity;
    const handlers = this.#handlers;
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(frame);
    } catch (error) {
      // `decodeEnvelope` throws only `WireError`s; anything else is still the frame's fault.
      if (error instanceof WireError) this.#invalidFrame(peer, error.code, error.message);
      else this.#invalidFrame(peer, 'malformed', 'the frame could not be decoded');
      return;
    }
    if (envelope.libraryId !== identity.libraryId) {
      this.#invalidFrame(peer, 'wrong-library', `message for library ${envelope.libraryId}; this is library ${identity.libraryId}`);
      return;
    }
    const incompatible = incompatibility(identity.schema, envelope.schema, peer);
    if (incompatible !== null) {
      this.#invalidFrame(peer, 'schema-mismatch', incompatible);
      return;
    }
    handlers.peerSchema?.(peer, envelope.schema);
    const translation = this.#names?.inward(envelope.schema.schemaVersion) ?? null;
    const message = translation === null ? envelope.message : translation.message(envelope.message);
    switch (message.type) {
      case 'StateChange':
      case 'SharedChange':
        handlers.entries(peer, [message.entry]);
        break;
      case 'StateBatch':
      case 'SharedChangeBatch':
      case 'SharedChangeResponse':
        handlers.entries(peer, message.entries);
        break;
      case 'AckSharedChanges':
        handlers.ack(peer, message.upTo);
        break;
      case 'Heartbeat':
        handlers.heartbeat(peer, message.watermark, message.floor);
        break;
      case 'SharedChangeRequest':
        handlers.changeRequest(peer, message.after, message.limit);
        break;
      case 'StateRequest':
        // A model of a newer schema is answered with what is held of it, maybe nothing: the newer peer's pull must go on.
        if (identity.knowsModel(message.model) || envelope.schema.schemaVersion > identity.schema.schemaVersion)
          handlers.stateRequest(peer, message.model, message.after, message.limit, message.counts === true);
        else this.#invalidFrame(peer, 'unknown-model', `StateRequest for unknown model ${message.model}`);
        break;
      case 'StateResponse':
        handlers.stateResponse(peer, message.model, message.records, message.next, message.reflects, message.counts ?? null);
        break;
      case 'RecordRequest':
        handlers.recordRequest(peer, message.records);
        break;
      case 'RecordResponse':
        handlers.recordResponse(peer, message.records);
        break;
      case 'Error':
        handlers.error(peer, untrustedText(message.code), untrustedText(message.message, MAX_PEER_ERROR_TEXT));
        break;
      case 'Members':
        handlers.members(peer, message.members);
        break;
      case 'Models':
        handlers.models(peer, message.known, message.held, message.request);
        break;
      default:
        assertNever(message, 'message type');
    }
  }

  #invalidFrame(peer: string, code: SyncErrorCode, detail: string): void {
    const count = (this.#invalid.get(peer) ?? 0) + 1;
    this.#invalid.set(peer, count);
    this.#handlers.invalid(peer, code, detail);
    if (count >= MAX_INVALID_FRAMES) {
      this.#invalid.delete(peer);
      this.#handlers.disconnect(peer, 'too-many-invalid', `${count} invalid frames (the last: ${code})`);
    }
  }
}
