/**
 * Each peer's connection as the status shows it, from the transport's reports: peers up and down,
 * and attempts to connect (`ConnectionEvent`: connecting, refused, failed, retrying). Keyed by the
 * peer's device id, or by the address dialed while no event has said which device is there (a
 * first dial, a program that is not a syncgen peer); once one has, the address's entry goes, and
 * later events of the address alone (a redial) are the device's.
 *
 * A refusal stays until a connection opens (the attempts after it keep the refusal, with when the
 * next one comes), unless an attempt fails another way: the status says why the peer does not
 * sync, not that a redial is under way. Attempts to a connected peer (a duplicate dial) do not
 * change it. Entries for keys that are not the engine's peers (strangers refused) are bounded.
 */
import type { SyncErrorCode } from '../core/errors.js';
import type { ConnectionEvent } from '../transports/transport.js';

/**
 * A peer's connection.
 *
 * - `connected`: a connection is open;
 * - `connecting`: an attempt is under way;
 * - `backing-off`: the transport tries again at `nextAttemptAt`;
 * - `refused`: the handshake refused it, by this device (`by: 'self'`) or the peer, with the code
 *   (`not-a-member`, `schema-mismatch`, `device-removed`, `wrong-library`, `device-key-changed`,
 *   `unsupported-version`, ...); `nextAttemptAt` when the transport will try again (null: unknown);
 * - `disconnected`: no connection and none under way (lost, failed, or never made).
 */
export type PeerConnection =
  | { readonly state: 'connected'; readonly since: number }
  | { readonly state: 'connecting'; readonly since: number }
  | { readonly state: 'backing-off'; readonly since: number; readonly nextAttemptAt: number }
  | {
      readonly state: 'refused';
      readonly since: number;
      readonly code: SyncErrorCode;
      readonly reason: string;
      readonly by: 'self' | 'peer';
      readonly nextAttemptAt: number | null;
    }
  | { readonly state: 'disconnected'; readonly since: number; readonly reason: string };

export interface ConnectionEntry {
  readonly connection: PeerConnection;
  /** The address the transport dials for it, when it does. */
  readonly address: string | null;
}

/** Entries kept for keys that are not the engine's peers (strangers, addresses that never led to a member). */
const MAX_OTHERS = 64;

export class ConnectionStatuses {
  readonly #entries = new Map<string, ConnectionEntry>();
  /** The device each dialed address led to, as events said. */
  readonly #peerAt = new Map<string, string>();
  readonly #isPeer: (key: string) => boolean;

  /** `isPeer`: whether a key is one of the engine's peers (kept whatever the bound). */
  constructor(isPeer: (key: string) => boolean) {
    this.#isPeer = isPeer;
  }

  get(key: string): ConnectionEntry | undefined {
    return this.#entries.get(key);
  }

  keys(): IterableIterator<string> {
    return this.#entries.keys();
  }

  up(peer: string, now: number): void {
    this.#set(peer, { state: 'connected', since: now }, undefined);
  }

  down(peer: string, reason: string, now: number): void {
    if (this.#entries.get(peer)?.connection.state === 'refused') return;
    this.#set(peer, { state: 'disconnected', since: now, reason }, undefined);
  }

  /** Returns whether the status changed. */
  event(event: ConnectionEvent, now: number): boolean {
    const { peer, address } = event;
    const key = peer ?? (address === null ? null : (this.#peerAt.get(address) ?? address));
    if (key === null) return false;
    // The address's attempts were this peer's: the peer's entry takes over.
    const merged = peer !== null && address !== null && this.#learn(address, peer);
    const current = this.#entries.get(key)?.connection;
    if (current?.state === 'connected' && event.kind !== 'refused') return merged;
    const refused = current?.state === 'refused' ? current : null;
    let next: PeerConnection;
    switch (event.kind) {
      case 'connecting':
        next = refused ? { ...refused, nextAttemptAt: null } : { state: 'connecting', since: now };
        break;
      case 'refused':
        next = { state: 'refused', since: now, code: event.code, reason: event.reason, by: event.by, nextAttemptAt: null };
        break;
      case 'failed':
        next = { state: 'disconnected', since: now, reason: event.reason };
        break;
      case 'retrying':
        next = refused ? { ...refused, nextAttemptAt: now + event.delayMs } : { state: 'backing-off', since: now, nextAttemptAt: now + event.delayMs };
        break;
    }
    this.#set(key, next, event.address);
    return true;
  }

  /** `address` leads to `peer`; returns whether an entry of the address went. */
  #learn(address: string, peer: string): boolean {
    this.#peerAt.delete(address);
    this.#peerAt.set(address, peer);
    // Bounded as the entries are: addresses no longer dialed are forgotten, oldest first.
    for (const old of this.#peerAt.keys()) {
      if (this.#peerAt.size <= MAX_OTHERS) break;
      this.#peerAt.delete(old);
    }
    return this.#entries.delete(address);
  }

  #set(key: string, connection: PeerConnection, address: string | null | undefined): void {
    const before = this.#entries.get(key);
    this.#entries.delete(key);
    this.#entries.set(key, { connection, address: address ?? before?.address ?? null });
    if (before || this.#isPeer(key)) return;
    // Oldest first: Map keeps insertion order, and every update re-inserts.
    let others = 0;
    for (const other of this.#entries.keys()) if (!this.#isPeer(other)) others += 1;
    for (const other of this.#entries.keys()) {
      if (others <= MAX_OTHERS) break;
      if (this.#isPeer(other)) continue;
      this.#entries.delete(other);
      others -= 1;
    }
  }
}
