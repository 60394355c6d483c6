/**
 * Protocol dispatch: decodes each incoming frame, checks that it belongs to this library and
 * schema, and routes its message to the `ProtocolHandlers` the sync engine gives it. It knows
 * nothing of the engine beyond that interface.
 *
 * Invalid or unexpected input (garbage, another protocol version, another library or schema, a
 * request for an unknown model) goes to `invalid`, which answers with an `Error` reply and counts
 * it; the connection stays usable. A peer that sends `MAX_CONSECUTIVE_INVALID` invalid frames in a
 * row is disconnected. Dispatch never throws into the transport.
 */
import { assertNever } from '../core/assert-never.js';
import type { ChangeEntry } from '../core/change-entry.js';
import type { SyncErrorCode } from '../core/errors.js';
import type { SnapshotRecord } from '../core/snapshot-record.js';
import type { VersionVector } from '../core/version-vector.js';
import type { Envelope } from './messages.js';
import { decodeEnvelope, WireError } from './wire-codec.js';

export const MAX_CONSECUTIVE_INVALID = 16;

/** What the engine does with each message; the sender is the authenticated peer of the connection. */
export interface ProtocolHandlers {
  /** StateChange, StateBatch, SharedChange, SharedChangeBatch, SharedChangeResponse. */
  entries(peer: string, entries: readonly ChangeEntry[]): void;
  ack(peer: string, upTo: VersionVector): void;
  heartbeat(peer: string, watermark: VersionVector, floor: VersionVector): void;
  changeRequest(peer: string, after: VersionVector, limit: number): void;
  stateRequest(peer: string, model: number, after: string | null, limit: number): void;
  stateResponse(peer: string, model: number, records: readonly SnapshotRecord[], next: string | null, reflects: VersionVector): void;
  recordRequest(peer: string, records: readonly { model: number; record: string }[]): void;
  recordResponse(peer: string, records: readonly SnapshotRecord[]): void;
  /** The peer reported an error of ours. */
  error(peer: string, code: string, message: string): void;
  /** A frame or message refused: count it and tell the peer why. */
  invalid(peer: string, code: SyncErrorCode, detail: string): void;
  /** The peer's connection should be dropped. */
  disconnect(peer: string, code: SyncErrorCode, reason: string): void;
}

/** What dispatch checks every frame against. */
export interface DispatchIdentity {
  readonly libraryId: string;
  readonly schemaHash: string;
  /** Whether a model id is one of this device's models. */
  knowsModel(model: number): boolean;
}

export class ProtocolDispatcher {
  readonly #identity: DispatchIdentity;
  readonly #handlers: ProtocolHandlers;
  readonly #invalid = new Map<string, number>();

  constructor(identity: DispatchIdentity, handlers: ProtocolHandlers) {
    this.#identity = identity;
    this.#handlers = handlers;
  }

  dispatch(peer: string, frame: Uint8Array): void {
    const identity = this.#identity;
    const handlers = this.#handlers;
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(frame);
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      this.#invalidFrame(peer, error.code, error.message);
      return;
    }
    if (envelope.libraryId !== identity.libraryId) {
      this.#invalidFrame(peer, 'wrong-library', `message for library ${envelope.libraryId}; this is library ${identity.libraryId}`);
      return;
    }
    if (envelope.schemaHash !== identity.schemaHash) {
      this.#invalidFrame(
        peer,
        'schema-mismatch',
        `message for schema ${envelope.schemaHash.slice(0, 12)}; this device has ${identity.schemaHash.slice(0, 12)} (upgrade both to the same schemas)`,
      );
      return;
    }
    this.#invalid.delete(peer);
    const { message } = envelope;
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
        if (identity.knowsModel(message.model)) handlers.stateRequest(peer, message.model, message.after, message.limit);
        else handlers.invalid(peer, 'unknown-model', `StateRequest for unknown model ${message.model}`);
        break;
      case 'StateResponse':
        handlers.stateResponse(peer, message.model, message.records, message.next, message.reflects);
        break;
      case 'RecordRequest':
        handlers.recordRequest(peer, message.records);
        break;
      case 'RecordResponse':
        handlers.recordResponse(peer, message.records);
        break;
      case 'Error':
        handlers.error(peer, message.code, message.message);
        break;
      default:
        assertNever(message, 'message type');
    }
  }

  #invalidFrame(peer: string, code: SyncErrorCode, detail: string): void {
    const count = (this.#invalid.get(peer) ?? 0) + 1;
    this.#invalid.set(peer, count);
    this.#handlers.invalid(peer, code, detail);
    if (count >= MAX_CONSECUTIVE_INVALID) {
      this.#invalid.delete(peer);
      this.#handlers.disconnect(peer, 'too-many-invalid', `${count} invalid frames in a row`);
    }
  }
}
