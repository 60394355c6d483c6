/**
 * The TCP transport's events (`options.onEvent`: refusals and connection events, for logs and
 * tests). Reporting never breaks what it reports on: an exception the listener throws is ignored.
 */
import type { SyncErrorCode } from '../../core/errors.js';
import type { Connection } from './connection.js';
import type { TcpEvent } from './options.js';

export class TcpEvents {
  readonly #listener: ((event: TcpEvent) => void) | undefined;

  constructor(listener: ((event: TcpEvent) => void) | undefined) {
    this.#listener = listener;
  }

  emit(event: TcpEvent): void {
    try {
      this.#listener?.(event);
    } catch {
      // A failing listener must not break the connection it hears about.
    }
  }

  /** An event of a connection: its address, and its peer once known. */
  connection(event: { kind: TcpEvent['kind']; connection: Connection; code?: SyncErrorCode | string | undefined; reason: string }): void {
    const { kind, connection, code, reason } = event;
    this.emit({ kind, address: connection.address, peer: connection.peer, reason, ...(code === undefined ? {} : { code }) });
  }
}
