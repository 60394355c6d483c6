/**
 * What each peer acknowledged holding, per origin, and when each peer was last connected; the
 * ground for pruning the log. Durable, so acks survive restarts: after one, the sync engine still
 * knows what a peer holds before it hears from it again.
 */
import type Database from 'better-sqlite3';

export class PeerAcks {
  readonly #ack: Database.Statement;
  readonly #acked: Database.Statement;
  readonly #seen: Database.Statement;
  readonly #peers: Database.Statement;

  constructor(db: Database.Database) {
    this.#ack = db.prepare(
      'INSERT INTO _sync_peer_ack (peer, origin, seq) VALUES (?, ?, ?) ON CONFLICT (peer, origin) DO UPDATE SET seq = max(seq, excluded.seq)',
    );
    this.#acked = db.prepare('SELECT origin, seq FROM _sync_peer_ack WHERE peer = ?');
    this.#seen = db.prepare(
      'INSERT INTO _sync_peer (peer, last_seen) VALUES (?, ?) ON CONFLICT (peer) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)',
    );
    this.#peers = db.prepare('SELECT peer, last_seen AS lastSeen FROM _sync_peer ORDER BY peer');
  }

  /** The peer holds everything up to these seqs (acks only move forward). */
  record(peer: string, vector: ReadonlyMap<string, number>, now: number): void {
    for (const [origin, seq] of vector) this.#ack.run(peer, origin, seq);
    this.#seen.run(peer, now);
  }

  acked(peer: string): Map<string, number> {
    return new Map((this.#acked.all(peer) as { origin: string; seq: number }[]).map((row) => [row.origin, row.seq]));
  }

  peers(): { peer: string; lastSeen: number }[] {
    return this.#peers.all() as { peer: string; lastSeen: number }[];
  }
}
