/**
 * The two deadlines of a connection, on its one timer (`connection.timer`): the handshake's, from
 * the connection's first moment to authenticated, then the idle deadline of an authenticated peer.
 * What happens when one passes is the owner's (`DeadlineHost`): a refusal, or a disconnection.
 */
import { performance } from 'node:perf_hooks';
import type { Connection } from './connection.js';
import type { TcpLimits } from './limits.js';

export interface DeadlineHost {
  /** Runs a timer's work guarded: whatever it throws ends this connection, not the process. */
  safely(connection: Connection, run: () => void): void;
  /** The connection was not authenticated within `handshakeTimeoutMs`. */
  handshakeTimedOut(connection: Connection): void;
  /** Nothing arrived on an open connection for `idleTimeoutMs`. */
  idle(connection: Connection, reason: string): void;
}

export class Deadlines {
  readonly #host: DeadlineHost;
  readonly #handshakeTimeoutMs: number;
  readonly #idleTimeoutMs: number;

  constructor(limits: Pick<TcpLimits, 'handshakeTimeoutMs' | 'idleTimeoutMs'>, host: DeadlineHost) {
    this.#host = host;
    this.#handshakeTimeoutMs = limits.handshakeTimeoutMs;
    this.#idleTimeoutMs = limits.idleTimeoutMs;
  }

  /** From the first moment (a dial still connecting included) to authenticated: every phase before it. */
  handshake(connection: Connection): void {
    connection.timer = setTimeout(() => this.#host.safely(connection, () => this.#host.handshakeTimedOut(connection)), this.#handshakeTimeoutMs);
    connection.timer.unref();
  }

  /** The connection opened: the handshake deadline gives way to the idle deadline. */
  idle(connection: Connection): void {
    this.#armIdle(connection, this.#idleTimeoutMs);
  }

  /** The idle deadline: checked when it fires against the last arrival, and set again for what is left (no timer work per chunk). */
  #armIdle(connection: Connection, delayMs: number): void {
    if (connection.timer) clearTimeout(connection.timer);
    connection.timer = setTimeout(() => this.#host.safely(connection, () => this.#checkIdle(connection, false)), delayMs);
    connection.timer.unref();
  }

  #checkIdle(connection: Connection, afterReads: boolean): void {
    if (connection.phase !== 'open') return;
    const idleTimeoutMs = this.#idleTimeoutMs;
    const silentMs = performance.now() - connection.lastReadAt;
    if (silentMs < idleTimeoutMs) {
      this.#armIdle(connection, Math.ceil(idleTimeoutMs - silentMs));
      return;
    }
    if (!afterReads) {
      // Timers run before a turn's reads: after a long synchronous task of this side's, the peer's
      // bytes may be waiting in the socket. Look again once they are read.
      setImmediate(() => this.#host.safely(connection, () => this.#checkIdle(connection, true)));
      return;
    }
    this.#host.idle(connection, `nothing received for ${Math.round(silentMs)} ms (idleTimeoutMs ${idleTimeoutMs})`);
  }
}
