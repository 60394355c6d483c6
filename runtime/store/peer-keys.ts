/**
 * The key each peer device used when this device first saw it (`_sync_peer_key`): a fingerprint
 * per device id, pinned once the peer proved it is a member, and never replaced here. The
 * library's `peerKeys` (a transport's `PeerKeyStore`).
 */
import type Database from 'better-sqlite3';

export class PeerKeyTable {
  readonly #select: Database.Statement;
  readonly #insert: Database.Statement;
  readonly #delete: Database.Statement;

  constructor(db: Database.Database) {
    this.#select = db.prepare('SELECT fingerprint FROM _sync_peer_key WHERE device = ?').pluck();
    this.#insert = db.prepare('INSERT INTO _sync_peer_key (device, fingerprint) VALUES (?, ?) ON CONFLICT (device) DO NOTHING');
    this.#delete = db.prepare('DELETE FROM _sync_peer_key WHERE device = ?');
  }

  fingerprintOf(deviceId: string): string | undefined {
    return this.#select.get(deviceId) as string | undefined;
  }

  /** Pins a device's fingerprint; a device already pinned keeps its first one. */
  pin(deviceId: string, fingerprint: string): void {
    this.#insert.run(deviceId, fingerprint);
  }

  /** Forgets a device's key, so that the next key it presents is pinned (after it made a new one). */
  forget(deviceId: string): void {
    this.#delete.run(deviceId);
  }
}
