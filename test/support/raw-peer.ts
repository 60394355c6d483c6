/**
 * A peer that speaks the protocol by hand, over any transport: it sends the messages a test makes
 * (forged ones included) as an authenticated member would, and keeps every message it receives.
 * Tests of hostile peers use it where a whole device would only send what is right.
 */
import { registry } from '../../generated/index.js';
import { PROTOCOL_VERSION, type SyncMessage } from '../../runtime/protocol/messages.js';
import { decodeEnvelope, encodeEnvelope } from '../../runtime/protocol/wire-codec.js';
import type { Transport } from '../../runtime/transports/transport.js';
import { LIBRARY_ID } from './libraries.js';

/** A message as a frame of this library and schema. */
export function frameOf(message: SyncMessage): Uint8Array {
  return encodeEnvelope({
    version: PROTOCOL_VERSION,
    libraryId: LIBRARY_ID,
    schema: { schemaVersion: registry.schemaVersion, compatibleFrom: registry.compatibleFrom },
    message,
  });
}

export class RawPeer {
  readonly received: { readonly from: string; readonly message: SyncMessage }[] = [];
  readonly connected = new Set<string>();

  constructor(
    readonly id: string,
    readonly transport: Transport,
  ) {
    transport.setHandlers({
      peerUp: (peer) => this.connected.add(peer),
      peerDown: (peer) => this.connected.delete(peer),
      frame: (from, frame) => this.received.push({ from, message: decodeEnvelope(frame).message }),
    });
  }

  start(): Promise<void> {
    return this.transport.start();
  }

  send(to: string, message: SyncMessage): Promise<void> {
    return this.transport.send(to, frameOf(message));
  }

  /** The messages of a type received so far. */
  messages<T extends SyncMessage['type']>(type: T): Extract<SyncMessage, { type: T }>[] {
    return this.received.flatMap(({ message }) => (message.type === type ? [message as Extract<SyncMessage, { type: T }>] : []));
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
