/**
 * The TCP transport's events: each one goes to `options.onEvent` (refusals and connection events,
 * typed, for apps and tests), to the logger (by level: below), and, for what an attempt to connect
 * came to, to the engine as a transport-agnostic `ConnectionEvent` (`sync.status()`). Reporting
 * never breaks what it reports on: an exception a listener throws is ignored.
 *
 * Levels: a peer refusing this device, or this device refusing a member's device (versions,
 * library, key), is a warning: they do not sync until someone acts; a stranger refused is info (any
 * program on the network may knock); connections opening and closing are info; dial failures and
 * closed sockets are debug (an unreachable peer is retried); a handler that threw is an error. The
 * same refusal again (each redial) is debug: it was said once, until the peer connects.
 */
import type { SyncErrorCode } from '../../core/errors.js';
import { debugEnabled, type Logger, type LogLevel } from '../../core/logger.js';
import { refusalCode, type ConnectionEvent, type TransportHandlers } from '../transport.js';
import type { Connection } from './connection.js';
import type { TcpEvent } from './options.js';

/** Refusals by this side that say a member's device cannot sync until someone acts (the rest refuse strangers). */
const MEMBER_REFUSALS: ReadonlySet<string> = new Set<SyncErrorCode>([
  'schema-mismatch',
  'unsupported-version',
  'wrong-library',
  'device-key-changed',
  'device-removed',
  'invalid-device-id',
]);

/** Peers or addresses whose last refusal is remembered (so that it is logged once), at most. */
const MAX_REFUSALS = 256;

/** Why an open connection was closed when its peer stopped being a member with its key (`membershipLapse`): a refusal too. */
const LAPSES: ReadonlySet<string> = new Set<SyncErrorCode>(['device-removed', 'device-key-changed', 'not-a-member']);

export class TcpEvents {
  /** The engine's handlers (`transport.setHandlers`), told of attempts to connect. */
  handlers: TransportHandlers | null = null;
  readonly #listener: ((event: TcpEvent) => void) | undefined;
  readonly #logger: Logger;
  readonly #debug: boolean;
  /** Per peer (or address), the code of its last refusal, logged already. */
  readonly #refusals = new Map<string, string>();

  constructor(listener: ((event: TcpEvent) => void) | undefined, logger: Logger) {
    this.#listener = listener;
    this.#logger = logger;
    this.#debug = debugEnabled(logger);
  }

  emit(event: TcpEvent): void {
    this.#log(event);
    try {
      this.#listener?.(event);
    } catch {
      // A failing listener must not break the connection it hears about.
    }
  }

  /**
   * An event of a connection: its address, and its peer once known (`dialed`: the peer its address
   * led to before). What it means for the attempt to connect goes to the engine.
   */
  connection(event: {
    kind: TcpEvent['kind'];
    connection: Connection;
    code?: SyncErrorCode | string | undefined;
    reason: string;
    dialed?: string | null | undefined;
  }): void {
    const { kind, connection, code, reason } = event;
    this.emit({ kind, address: connection.address, peer: connection.peer, reason, ...(code === undefined ? {} : { code }) });
    const at = { peer: connection.peer, address: connection.address };
    if (kind === 'connected') {
      connection.opened = true;
      // The device a dialed address leads to, now known: the engine files the address's attempts under it.
      if (connection.role === 'dialer') this.attempt(connection, { kind: 'connecting', ...at });
    } else if (kind === 'error') connection.lastError = reason;
    else if (kind === 'refused' || (kind === 'disconnected' && code !== undefined && LAPSES.has(code))) {
      this.attempt(connection, { kind: 'refused', by: 'self', ...at, code: refusalCode(code ?? 'unreachable'), reason });
    } else if (kind === 'refused-by-peer') {
      this.attempt(connection, { kind: 'refused', by: 'peer', ...at, code: refusalCode(code ?? 'refused-by-peer'), reason });
    } else if (kind === 'closed' && !connection.opened && connection.refusedWith === null && connection.role === 'dialer') {
      // A dial that ended before it opened, without a refusal: unreachable, reset, or TLS failed.
      this.attempt(connection, { kind: 'failed', ...at, peer: event.dialed ?? connection.peer, reason: connection.lastError ?? reason });
    }
  }

  /**
   * What an attempt to connect came to, for the engine. The accepting side knows a connection by
   * its peer only (its address is the peer's ephemeral port): one without a known device is not told.
   */
  attempt(connection: Connection | null, event: ConnectionEvent): void {
    const address = connection && connection.role === 'listener' ? null : event.address;
    if (event.peer === null && address === null) return;
    if (this.#debug && (event.kind === 'connecting' || event.kind === 'retrying' || event.kind === 'failed')) {
      const { kind, ...fields } = event;
      this.#logger.debug(
        { ...fields },
        kind === 'retrying' ? `redialing in ${event.delayMs} ms` : kind === 'connecting' ? 'dialing' : `dial failed: ${event.reason}`,
      );
    }
    try {
      this.handlers?.connection?.({ ...event, address });
    } catch {
      // The engine guards its own handlers; this is belt and braces for another consumer.
    }
  }

  /** Whether a refusal repeats the last one of its peer or address (logged once, until the peer connects). */
  #repeated(event: TcpEvent): boolean {
    const key = event.peer ?? event.address;
    if (event.kind === 'connected') this.#refusals.delete(key);
    if ((event.kind !== 'refused' && event.kind !== 'refused-by-peer') || event.code === undefined) return false;
    const code = `${event.kind} ${event.code}`;
    if (this.#refusals.get(key) === code) return true;
    this.#refusals.delete(key);
    this.#refusals.set(key, code);
    if (this.#refusals.size > MAX_REFUSALS) this.#refusals.delete(this.#refusals.keys().next().value!);
    return false;
  }

  #log(event: TcpEvent): void {
    const level = this.#repeated(event) ? 'debug' : levelOf(event);
    if (level === 'debug' && !this.#debug) return;
    const { kind, reason, ...fields } = event;
    this.#logger[level]({ event: kind, ...fields }, `${kind}: ${reason}`);
  }
}

function levelOf(event: TcpEvent): LogLevel {
  switch (event.kind) {
    case 'refused-by-peer':
      return 'warn';
    case 'refused':
      return event.code !== undefined && MEMBER_REFUSALS.has(event.code) ? 'warn' : 'info';
    case 'connected':
    case 'disconnected':
      return 'info';
    case 'error':
      return event.code === 'unreachable' ? 'error' : 'debug';
    case 'closed':
      return 'debug';
  }
}
