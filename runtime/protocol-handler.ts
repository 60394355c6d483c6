/**
 * SyncProtocolHandler: decodes each incoming frame, checks that it belongs to this library and
 * schema, and routes its message to PeerSync, which answers requests.
 *
 * Invalid or unexpected input (garbage, another protocol version, another library or schema, an
 * unknown model, a clock beyond the drift bound) gets an `Error` reply and a metric; the connection
 * stays usable. A peer that sends `MAX_CONSECUTIVE_INVALID` invalid frames in a row is disconnected.
 * The handler never throws into the transport.
 */
import type { PeerSync } from './peer-sync.js';
import { decodeEnvelope, WireError } from './wire-codec.js';

export const MAX_CONSECUTIVE_INVALID = 16;

export class SyncProtocolHandler {
  readonly #sync: PeerSync<any>;
  readonly #invalid = new Map<string, number>();

  constructor(sync: PeerSync<any>) {
    this.#sync = sync;
  }

  handle(peer: string, frame: Uint8Array): void {
    const sync = this.#sync;
    const { library } = sync;
    let envelope;
    try {
      envelope = decodeEnvelope(frame);
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      this.#invalidFrame(peer, error.code, error.message);
      return;
    }
    if (envelope.libraryId !== library.libraryId) {
      this.#invalidFrame(peer, 'wrong-library', `message for library ${envelope.libraryId}; this is library ${library.libraryId}`);
      return;
    }
    if (envelope.schemaHash !== library.registry.schemaHash) {
      this.#invalidFrame(peer, 'schema-mismatch', `message for schema ${envelope.schemaHash.slice(0, 12)}; this device has ${library.registry.schemaHash.slice(0, 12)} (upgrade both to the same schemas)`);
      return;
    }
    this.#invalid.delete(peer);
    const { message } = envelope;
    switch (message.type) {
      case 'StateChange':
      case 'SharedChange':
        return sync.onEntries(peer, [message.entry]);
      case 'StateBatch':
      case 'SharedChangeBatch':
      case 'SharedChangeResponse':
        return sync.onEntries(peer, message.entries);
      case 'AckSharedChanges':
        return sync.onAck(peer, message.upTo);
      case 'Heartbeat':
        return sync.onHeartbeat(peer, message.watermark, message.floor);
      case 'SharedChangeRequest':
        return sync.onChangeRequest(peer, message.after, message.limit);
      case 'StateRequest':
        if (!library.registry.byId(message.model)) return sync.refuse(peer, 'unknown-model', `StateRequest for unknown model ${message.model}`);
        return sync.onStateRequest(peer, message.model, message.after, message.limit);
      case 'StateResponse':
        return sync.onStateResponse(peer, message.model, message.records, message.next, message.reflects);
      case 'RecordRequest':
        return sync.onRecordRequest(peer, message.records);
      case 'RecordResponse':
        return sync.onRecordResponse(peer, message.records);
      case 'Error':
        return sync.onError(peer, message.code, message.message);
    }
  }

  #invalidFrame(peer: string, code: string, detail: string): void {
    const count = (this.#invalid.get(peer) ?? 0) + 1;
    this.#invalid.set(peer, count);
    this.#sync.refuse(peer, code, detail);
    if (count >= MAX_CONSECUTIVE_INVALID) {
      this.#invalid.delete(peer);
      this.#sync.disconnect(peer, `${count} invalid frames in a row`);
    }
  }
}
