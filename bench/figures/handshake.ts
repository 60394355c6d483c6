/**
 * Figure 8: a connection's handshake on loopback, from the dial to both sides open: TCP, TLS 1.3
 * with both device certificates, the key check against the membership, hello, ready. Beside it,
 * in the same run, a bare TLS 1.3 connection with the same certificates (until both sides are
 * secure): what syncgen adds over TLS itself. Reported, no target.
 */
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { registry } from '../../generated/index.js';
import { openLibrary } from 'syncgen';
import { createTcpTransport, type TcpTransport } from 'syncgen/transports/tcp';
import { summarize, type Figure } from '../measure.js';

const LIBRARY = '00000000-0000-4000-8000-000000000001';
const LISTENER = '00000000-0000-4000-8000-00000000000a';
const DIALER = '00000000-0000-4000-8000-00000000000b';
const temporary = (name: string) => mkdtempSync(path.join(tmpdir(), `syncgen-bench-handshake-${name}-`));

/** Milliseconds from calling `connect` until what it returns resolves. */
async function timed(connect: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await connect();
  return performance.now() - started;
}

export async function handshakeFigure(options: { connections: number }): Promise<Figure> {
  const listenerLibrary = await openLibrary({ dir: temporary('listener'), libraryId: LIBRARY, deviceId: LISTENER, registry, durability: 'normal' });
  const dialerLibrary = await openLibrary({ dir: temporary('dialer'), libraryId: LIBRARY, deviceId: DIALER, registry, durability: 'normal' });
  listenerLibrary.members.add(DIALER, dialerLibrary.credentials.fingerprint);
  dialerLibrary.members.add(LISTENER, listenerLibrary.credentials.fingerprint);
  const listener = createTcpTransport({ library: listenerLibrary, listen: { host: '127.0.0.1', port: 0 } });
  let listenerOpened: () => void = () => {};
  listener.setHandlers({ peerUp: () => listenerOpened(), peerDown: () => {}, frame: () => {} });
  await listener.start();
  const address = `127.0.0.1:${listener.address().port}`;

  const syncgen: number[] = [];
  for (let index = 0; index <= options.connections; index += 1) {
    const dialer: TcpTransport = createTcpTransport({ library: dialerLibrary });
    const both = Promise.all([
      new Promise<void>((resolve) => dialer.setHandlers({ peerUp: () => resolve(), peerDown: () => {}, frame: () => {} })),
      new Promise<void>((resolve) => {
        listenerOpened = resolve;
      }),
    ]);
    const elapsed = await timed(() => {
      dialer.connect(address);
      return both;
    });
    if (index > 0) syncgen.push(elapsed); // the first warms up
    await dialer.close();
    await new Promise((resolve) => setTimeout(resolve, 5)); // the listener hears the close
  }
  await listener.close();

  const bare = await bareTls(listenerLibrary.credentials, dialerLibrary.credentials, options.connections);
  listenerLibrary.close();
  dialerLibrary.close();
  const handshake = summarize(syncgen);
  return {
    id: 8,
    name: `connection handshake on loopback (${options.connections} connections)`,
    target: 'reported',
    met: null,
    rows: [
      { label: 'syncgen: dial to both sides open (TLS 1.3, key check, hello, ready)', unit: 'ms', sample: handshake },
      { label: 'bare TLS 1.3, same certificates: dial to both sides secure', unit: 'ms', sample: bare },
    ],
    note: `syncgen adds ${(handshake.median - bare.median).toFixed(2)} ms over TLS itself (median).`,
  };
}

async function bareTls(server: { key: string; cert: string }, client: { key: string; cert: string }, connections: number) {
  const context = { key: server.key, cert: server.cert, minVersion: 'TLSv1.3' as const, requestCert: true, rejectUnauthorized: false };
  let serverSecure: () => void = () => {};
  const tlsServer = tls.createServer(context, (socket) => {
    socket.on('error', () => {});
    serverSecure();
  });
  tlsServer.listen(0, '127.0.0.1');
  await once(tlsServer, 'listening');
  const { port } = tlsServer.address() as { port: number };
  const durations: number[] = [];
  for (let index = 0; index <= connections; index += 1) {
    let socket: tls.TLSSocket | undefined;
    const serverSide = new Promise<void>((resolve) => {
      serverSecure = resolve;
    });
    const elapsed = await timed(() => {
      socket = tls.connect({
        host: '127.0.0.1',
        port,
        key: client.key,
        cert: client.cert,
        minVersion: 'TLSv1.3',
        rejectUnauthorized: false,
        checkServerIdentity: () => undefined,
      });
      return Promise.all([once(socket, 'secureConnect'), serverSide]);
    });
    if (index > 0) durations.push(elapsed);
    socket?.destroy();
  }
  tlsServer.close();
  return summarize(durations);
}
