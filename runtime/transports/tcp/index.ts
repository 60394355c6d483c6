/**
 * The TCP transport (`syncgen/transports/tcp`): length-prefixed frames over node:net, a handshake
 * that authenticates both sides, and redialing with backoff.
 *
 * @example
 * // host 0.0.0.0: other machines on the LAN may connect (the default, 127.0.0.1, is this machine only)
 * const transport = createTcpTransport({ deviceId, libraryId, schemaHash: registry.schemaHash, secret, listen: { host: '0.0.0.0', port: 4100 }, peers: ['192.168.1.20:4100'] });
 * const sync = await startSync(library, { transport });
 */
export { createTcpTransport, TcpTransport, type TcpEvent, type TcpTransportOptions } from './tcp-transport.js';
