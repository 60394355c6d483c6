/**
 * The library's HLC: the pure clock functions, with the wall time source, the drift bound and
 * persistence, so the clock never goes back across a restart, even when the wall clock was stepped
 * back meanwhile. A local commit persists nothing extra: the clock of its last entry is in the
 * log, and open takes the later of the stored value and this device's last log entry. The stored
 * value is written when clocks of other devices were observed and before own entries are pruned.
 * It only moves forward in memory too: a clock issued in a transaction that rolled back is simply
 * never used.
 */
import type Database from 'better-sqlite3';
import { decodeHlc, encodeHlc, initialHlc, receive, send, type Hlc, type ReceiveResult } from '../core/hlc.js';

export class LibraryClock {
  #last: Hlc;
  readonly #save: Database.Statement;
  readonly #deviceBytes: Buffer;

  constructor(
    db: Database.Database,
    device: string,
    readonly now: () => number,
    readonly maxDriftMs: number,
  ) {
    const stored = db.prepare("SELECT value FROM _sync_state WHERE key = 'clock'").pluck().get() as Buffer | undefined;
    const logged = db.prepare('SELECT hlc FROM _sync_log WHERE origin = ? ORDER BY seq DESC LIMIT 1').pluck().get(device) as Buffer | undefined;
    const latest = stored && logged ? (Buffer.compare(stored, logged) >= 0 ? stored : logged) : (stored ?? logged);
    this.#last = latest ? { ...decodeHlc(latest), device } : initialHlc(device);
    this.#deviceBytes = Buffer.from(device.replace(/-/g, ''), 'hex');
    this.#save = db.prepare("INSERT INTO _sync_state (key, value) VALUES ('clock', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  }

  /** This device's id as the 16 bytes that end each of its encoded clocks. */
  get deviceBytes(): Uint8Array {
    return this.#deviceBytes;
  }

  get last(): Hlc {
    return this.#last;
  }

  /** A new clock for a local change, encoded. */
  tick(): Uint8Array {
    this.#last = send(this.#last, this.now());
    return encodeHlc(this.#last, this.#deviceBytes);
  }

  /** Merges a remote clock; refuses one beyond the drift bound (the clock is then unchanged). */
  observe(remote: Hlc): ReceiveResult {
    const result = receive(this.#last, remote, this.now(), this.maxDriftMs);
    if (result.ok) this.#last = result.clock;
    return result;
  }

  /** Writes the last issued or observed value; call inside a transaction. */
  persist(): void {
    this.#save.run(encodeHlc(this.#last));
  }
}
