/**
 * What every part of the sync engine shares: the port to the library, the transport and the
 * scheduler, the options, the state of each peer, and how to send, refuse and report. Sends never
 * throw: a failure is counted and reported, and the entries it carried are sent again on retry.
 * What goes to a peer of an older schema version is in its field names (`protocol/field-names.ts`).
 */
import type { SyncErrorCode } from '../core/errors.js';
import { FieldNames, type Translation } from '../protocol/field-names.js';
import { PROTOCOL_VERSION, type SyncMessage } from '../protocol/messages.js';
import { encodeEnvelope } from '../protocol/wire-codec.js';
import { systemScheduler, TransportError, type Scheduler, type TimerHandle, type Transport } from '../transports/transport.js';
import { carriedPeer, carriedPeers, type CarriedPeer } from './carried.js';
import { EngineLog } from './engine-log.js';
import { resolveOptions, type PeerSyncOptions, type ResolvedOptions } from './options.js';
import { newPeerState, type PeerState } from './peer-state.js';
import type { SyncPort } from './sync-port.js';

export class SyncContext {
  readonly port: SyncPort;
  readonly transport: Transport;
  readonly scheduler: Scheduler;
  readonly options: ResolvedOptions;
  readonly peers = new Map<string, PeerState>();
  /** The registry's field renames; null without any (then nothing is translated). */
  readonly names: FieldNames | null;
  /** Per peer, what the engines on this library counted (`carried.ts`): the next engine goes on from it. */
  readonly carried: Map<string, CarriedPeer>;
  readonly log: EngineLog;
  stopped = false;

  constructor(port: SyncPort, options: PeerSyncOptions) {
    this.port = port;
    this.transport = options.transport;
    this.scheduler = options.scheduler ?? systemScheduler;
    this.options = resolveOptions(options);
    this.names = FieldNames.of(port.renames);
    this.carried = carriedPeers(port);
    this.log = new EngineLog(port.deviceId, options.logger, options.log);
  }

  /** Whether the engine still runs on an open library. */
  get live(): boolean {
    return !this.stopped && !this.port.closed;
  }

  /** The state of a peer, made on first contact (with what it acknowledged before, from the library). */
  peer(id: string): PeerState {
    let state = this.peers.get(id);
    if (!state) {
      state = newPeerState(id, this.port.peerAcks(id), this.options.retryBaseMs, carriedPeer(this.carried, id));
      this.peers.set(id, state);
    }
    return state;
  }

  connectedPeers(): PeerState[] {
    return [...this.peers.values()].filter((peer) => peer.connected);
  }

  /** Sends a message to a peer (in its field names), counting a failure. */
  send(peer: string, message: SyncMessage): void {
    const translation = this.names && this.outward(this.peer(peer));
    this.sendFrame(peer, message.type, this.encode(translation ? translation.message(message) : message));
  }

  /** From this device's field names to the peer's, when its schema version is older and renamed some since; else null. */
  outward(state: PeerState): Translation | null {
    return this.names === null || state.schemaVersion === null ? null : this.names.outward(state.schemaVersion);
  }

  encode(message: SyncMessage): Uint8Array {
    return encodeEnvelope({ version: PROTOCOL_VERSION, libraryId: this.port.libraryId, schema: this.port.schema, message });
  }

  sendFrame(peer: string, type: SyncMessage['type'], frame: Uint8Array): void {
    const state = this.peer(peer);
    let timer: TimerHandle | null = null;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.scheduler.setTimer(
        () => reject(new TransportError('send-timeout', `send timed out after ${this.options.sendTimeoutMs} ms`)),
        this.options.sendTimeoutMs,
      );
    });
    Promise.race([this.transport.send(peer, frame), timeout])
      .then(() => (timer as TimerHandle | null)?.cancel())
      .catch((error: unknown) => {
        (timer as TimerHandle | null)?.cancel();
        state.metrics.failed += 1;
        this.warn(peer, 'send failed', `${type}: ${(error as Error).message}; it will be retried`);
      });
  }

  /** Counts `count` refusals of one kind and tells the peer why, once. */
  refuse(peer: string, code: SyncErrorCode, detail: string, count = 1): void {
    this.peer(peer).metrics.refused += count;
    this.warn(peer, `refused (${code})`, detail);
    this.send(peer, { type: 'Error', code, message: detail });
  }

  /** How long to wait for the answer to a request before asking again. */
  answerTimeoutMs(): number {
    return Math.max(4 * this.options.retryBaseMs, 1000);
  }

  /**
   * Whether a response that answers no request this device is waiting for may still be an honest
   * late one: on a connection younger than an answer timeout it may answer a request made before
   * it (on the last connection, or by this device before it restarted, which it cannot remember).
   */
  mayBeLate(state: PeerState): boolean {
    return this.scheduler.now() - state.connectedAt < this.answerTimeoutMs();
  }

  /** Runs an event handler; an unexpected error is counted and reported, never thrown into the transport. */
  guard(peer: string | null, what: string, run: () => void): void {
    try {
      run();
    } catch (error) {
      if (peer) this.peer(peer).metrics.lastError = `${what}: ${(error as Error).message}`;
      this.warn(peer, `${what} failed`, (error as Error).stack ?? String(error));
    }
  }

  warn(peer: string | null, event: string, detail: string): void {
    if (peer) this.peer(peer).metrics.lastError = `${event}: ${detail}`;
    this.log.warn(peer, event, detail);
  }

  info(peer: string | null, event: string, detail: string): void {
    this.log.info(peer, event, detail);
  }
}
