/**
 * The TCP transport (`syncgen/transports/tcp`): TLS 1.3 with the device's own key and certificate
 * (`library.credentials`); only the library's members, by their keys, may connect
 * (`library.members`), and a new device joins by redeeming an invite (`transport.redeem(code)`);
 * length-prefixed frames, limits on what a connection may cost (`DEFAULT_TCP_LIMITS`), its
 * counters (`transport.stats()`), and redialing with backoff.
 *
 * @example
 * // host 0.0.0.0: other machines on the LAN may connect (the default, 127.0.0.1, is this machine only)
 * const transport = createTcpTransport({ library, listen: { host: '0.0.0.0', port: 4100 }, peers: ['192.168.1.20:4100'] });
 * const sync = await startSync(library, { transport });
 */
export { DEFAULT_TCP_LIMITS, type TcpLimits } from './limits.js';
export type { TcpStats } from './stats.js';
export type { TcpEvent, TcpLibrary, TcpTransportOptions } from './options.js';
export { createTcpTransport, TcpTransport } from './tcp-transport.js';
