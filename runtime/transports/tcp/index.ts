/**
 * The TCP transport (`syncgen/transports/tcp`): length-prefixed frames over node:net, a handshake
 * that authenticates both sides, and redialing with backoff.
 *
 * @example
 * const transport = createTcpTransport({ deviceId, libraryId, schemaHash: registry.schemaHash, secret, listen: { port: 4100 }, peers: ['192.168.1.20:4100'] });
 * const sync = await startSync(library, { transport });
 */
export { createTcpTransport, TcpTransport, type TcpEvent, type TcpTransportOptions } from './tcp-transport.js';
