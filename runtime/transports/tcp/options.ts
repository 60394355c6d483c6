/**
 * What a TCP transport is made with (`createTcpTransport(options)`): the library it syncs, where it
 * listens, whom it dials, its limits (defaults and reasons in `limits.ts`), the events it reports
 * (`onEvent`) and where it logs (`logger`).
 */
import type { Logger } from '../../core/logger.js';
import type { MemberDirectory } from '../transport.js';

/** What the transport needs of the library it syncs: an open `Library` has all of it. */
export interface TcpLibrary {
  readonly deviceId: string;
  readonly libraryId: string;
  readonly registry: { readonly schemaVersion: number; readonly compatibleFrom: number };
  /** This device's private key and certificate (PEM), for TLS. */
  readonly credentials: { readonly key: string; readonly cert: string };
  /** Which devices, by which keys, may connect; and the open invites. */
  readonly members: MemberDirectory;
  /** The library's logger: the transport's when the options give none. */
  readonly logger?: Logger;
}

/** The limits' defaults and reasons are in `limits.ts`. */
export interface TcpTransportOptions {
  /** The library to sync (`openLibrary`'s): its ids, schema hash, device key and membership. */
  readonly library: TcpLibrary;
  /** Where to accept connections (port 0: any free port; see `address()`). */
  readonly listen?: { readonly host?: string; readonly port: number };
  /** `host:port` addresses to dial, and redial after a loss. */
  readonly peers?: readonly string[];
  readonly reconnectBaseMs?: number;
  readonly reconnectMaxMs?: number;
  /** Largest frame after authentication (default 16 MiB). */
  readonly maxFrameBytes?: number;
  /** Largest frame before authentication (default 4 KiB). */
  readonly maxHandshakeFrameBytes?: number;
  /** Accepted connections that may be in their handshake at once; one more is closed at once (default 32). */
  readonly maxUnauthenticated?: number;
  /** From a connection's start to authenticated, at most (default 10 s). */
  readonly handshakeTimeoutMs?: number;
  /** An authenticated peer from which nothing arrives this long is disconnected (default 30 s; keep it several times the engine's `heartbeatMs`). */
  readonly idleTimeoutMs?: number;
  /** After a refusal for incompatible schema or protocol versions, redial no sooner than this (default 5 minutes). */
  readonly incompatibleRedialMs?: number;
  /** The protocol version this side announces (tests use it to play a newer device). */
  readonly protocolVersion?: number;
  /** Handshake refusals and connection events, typed, for apps and tests. An exception it throws is ignored. */
  readonly onEvent?: (event: TcpEvent) => void;
  /**
   * Where the transport logs its events (refusals, connections; dials and redials at debug level;
   * `events.ts` says which level each has). Default: the library's logger (`openLibrary`'s
   * `logger`), else the default one (warnings and errors; `DEBUG=syncgen` for the rest).
   */
  readonly logger?: Logger;
}

export interface TcpEvent {
  /**
   * 'refused': this side refused a connection before authentication; 'refused-by-peer': the peer
   * refused this side; 'connected': authenticated; 'disconnected': this side closed an
   * authenticated connection ('idle-timeout', 'oversized', 'device-removed', or at the engine's
   * request, with its code); 'closed': the socket closed; 'error': a socket error, or a handler
   * that threw ('unreachable').
   */
  readonly kind: 'refused' | 'refused-by-peer' | 'connected' | 'disconnected' | 'closed' | 'error';
  readonly address: string;
  readonly peer: string | null;
  /** For refusals and disconnections, the code (of the runtime's error table; a peer's as it sent it). */
  readonly code?: string;
  readonly reason: string;
}
