/**
 * The addresses a TCP transport dials, and redials after a loss or a failed dial, with capped
 * exponential backoff and jitter. It remembers which peer each address led to, so that losing a
 * peer redials it whichever side had dialed the lost connection.
 */

interface Dialed {
  attempts: number;
  timer: NodeJS.Timeout | null;
  /** The device this address led to, once a connection to it was authenticated. */
  peer: string | null;
}

export class Dialer {
  readonly #addresses = new Map<string, Dialed>();
  readonly #dial: (address: string) => void;
  readonly #baseMs: number;
  readonly #maxMs: number;
  #closed = false;

  readonly #retrying: (address: string, peer: string | null, delayMs: number) => void;

  /** `retrying`: told of each redial scheduled (the engine's status shows when the next attempt comes). */
  constructor(
    options: { readonly baseMs: number; readonly maxMs: number },
    dial: (address: string) => void,
    retrying: (address: string, peer: string | null, delayMs: number) => void = () => {},
  ) {
    this.#baseMs = options.baseMs;
    this.#maxMs = options.maxMs;
    this.#dial = dial;
    this.#retrying = retrying;
  }

  /** Dials an address now, and keeps redialing it. */
  add(address: string): void {
    if (this.#closed || this.#addresses.has(address)) return;
    this.#addresses.set(address, { attempts: 0, timer: null, peer: null });
    this.#dial(address);
  }

  /** An address dialed elsewhere (an invite's inviter) that reached `peer`: redialed from now on, like the others. */
  adopt(address: string, peer: string): void {
    if (this.#closed) return;
    const dialed = this.#addresses.get(address);
    if (dialed) dialed.peer = peer;
    else this.#addresses.set(address, { attempts: 0, timer: null, peer });
  }

  /** A dial of `address` reached `peer`: the backoff starts over. */
  reached(address: string, peer: string): void {
    const dialed = this.#addresses.get(address);
    if (!dialed) return;
    dialed.attempts = 0;
    dialed.peer = peer;
  }

  /** The peer an address led to, if it is dialed and reached one. */
  peerAt(address: string): string | null | undefined {
    return this.#addresses.get(address)?.peer;
  }

  /** Redials every address that led to `peer`. */
  lost(peer: string): void {
    for (const [address, dialed] of this.#addresses) if (dialed.peer === peer) this.redial(address);
  }

  /** Dials the address again after the backoff, or `atLeastMs` (once: a pending redial is not doubled). */
  redial(address: string, atLeastMs = 0): void {
    const dialed = this.#addresses.get(address);
    if (!dialed || this.#closed || dialed.timer) return;
    const delay = Math.max(atLeastMs, Math.min(this.#maxMs, this.#baseMs * 2 ** dialed.attempts) * (0.5 + Math.random()));
    dialed.attempts += 1;
    dialed.timer = setTimeout(() => {
      dialed.timer = null;
      if (!this.#closed && this.#addresses.has(address)) this.#dial(address);
    }, delay);
    this.#retrying(address, dialed.peer, Math.round(delay));
  }

  close(): void {
    this.#closed = true;
    for (const { timer } of this.#addresses.values()) if (timer) clearTimeout(timer);
    this.#addresses.clear();
  }
}
