/**
 * The TCP transport (`syncgen/transports/tcp`): TLS 1.3 with the device's own key and certificate
 * (`library.credentials`), a handshake inside it that proves the library's secret bound to the TLS
 * session, device keys pinned on first sight (`library.peerKeys`), length-prefixed frames, limits on
 * what a connection may cost (`DEFAULT_TCP_LIMITS`), its counters (`transport.stats()`), and
 * redialing with backoff.
 *
 * @example
 * // host 0.0.0.0: other machines on the LAN may connect (the default, 127.0.0.1, is this machine only)
 * const transport = createTcpTransport({
 *   deviceId, libraryId, schemaHash: registry.schemaHash, secret,
 *   credentials: library.credentials, peerKeys: library.peerKeys,
 *   listen: { host: '0.0.0.0', port: 4100 }, peers: ['192.168.1.20:4100'],
 * });
 * const sync = await startSync(library, { transport });
 */
export { DEFAULT_TCP_LIMITS, type TcpLimits } from './limits.js';
export type { TcpStats } from './stats.js';
export { createTcpTransport, TcpTransport, type TcpEvent, type TcpTransportOptions } from './tcp-transport.js';
