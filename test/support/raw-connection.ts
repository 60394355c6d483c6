/**
 * A hostile peer on real sockets: raw connections to a listening device that write whatever bytes
 * a test chooses, before the handshake or after it. `connectRaw` completes TLS (with a device
 * certificate of its own, as any peer must) and then writes raw bytes inside it; `connectPlain`
 * does not even speak TLS. `authenticate` runs the real handshake as a member device would (the
 * device must count the played device id, with its `testCredentials`, as a member), and then hands
 * over the socket.
 */
import net from 'node:net';
import tls from 'node:tls';
import { FrameReader, framed, OversizedFrame } from '../../runtime/transports/tcp/framing.js';
import { checkHello, helloFrame, isReady, readHandshake, readyFrame, type HandshakeIdentity } from '../../runtime/transports/tcp/handshake.js';
import { testCredentials } from './credentials.js';
import { DEVICE_B } from './libraries.js';

export class RawConnection {
  readonly socket: net.Socket;
  /** Resolves once the socket closed, whichever side closed it. */
  readonly closed: Promise<void>;
  /** Frames received (their bytes are not kept). */
  received = 0;
  #isClosed = false;
  readonly #reader = new FrameReader();
  #onFrame: ((frame: Buffer) => void) | null = null;
  /** Frames nobody waited for yet, kept until `discardFrames` (the handshake's). */
  readonly #queue: Buffer[] = [];
  #keep = true;

  constructor(socket: net.Socket) {
    this.socket = socket;
    // The device may reset the connection: that is an expected outcome, not a failure of the test.
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#isClosed = true;
        resolve();
      }),
    );
    socket.on('data', (chunk: Buffer) => {
      this.#reader.push(chunk);
      for (let frame = this.#reader.next(2 ** 32); frame !== null; frame = this.#reader.next(2 ** 32)) {
        if (frame instanceof OversizedFrame) return;
        this.received += 1;
        if (this.#onFrame) this.#onFrame(frame);
        else if (this.#keep) this.#queue.push(frame);
      }
    });
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Writes bytes as they are (no framing); resolves once they are handed to the OS, or when the socket is gone. */
  write(bytes: Uint8Array): Promise<void> {
    if (this.#isClosed || this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.write(bytes, () => resolve()));
  }

  /** Writes one frame: a length, then the bytes. */
  send(frame: Uint8Array): Promise<void> {
    return this.write(framed(frame));
  }

  /** Half-closes: the device reads what was written, then the end. */
  end(): void {
    if (!this.socket.destroyed) this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** From now on frames are only counted (the device's engine sends heartbeats and its log). */
  discardFrames(): void {
    this.#keep = false;
    this.#queue.length = 0;
  }

  /** The next frame received (the device's hello first). */
  nextFrame(timeoutMs = 5000): Promise<Buffer> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no frame from the device in time')), timeoutMs);
      void this.closed.then(() => reject(new Error('the device closed the connection')));
      this.#onFrame = (frame) => {
        clearTimeout(timer);
        this.#onFrame = null;
        resolve(frame);
      };
    });
  }

  /** Resolves true once the socket closed, false after `timeoutMs`. */
  async closesWithin(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const result = await Promise.race([this.closed.then(() => true), timeout]);
    clearTimeout(timer);
    return result;
  }
}

/** A plain TCP connection to `port` on loopback, once connected: not TLS, so never past the device's TLS layer. */
export function connectPlain(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const connection = new RawConnection(socket);
    socket.once('connect', () => resolve(connection));
    void connection.closed.then(() => reject(new Error('the connection closed before it was established')));
  });
}

/**
 * A TLS 1.3 connection to `port` on loopback, once TLS is up, presenting a certificate of
 * `deviceId` (the device refuses a hello of another device id): what is written then reaches the
 * device's framing and handshake.
 */
export async function connectRaw(port: number, deviceId: string = DEVICE_B): Promise<RawConnection> {
  const { key, cert } = await testCredentials(deviceId);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, key, cert, minVersion: 'TLSv1.3', rejectUnauthorized: false, checkServerIdentity: () => undefined });
    const connection = new RawConnection(socket);
    socket.once('secureConnect', () => resolve(connection));
    void connection.closed.then(() => reject(new Error('the connection closed before it was established')));
  });
}

/**
 * A connection that passed the real handshake as `identity`, towards the device `peer`: both
 * hellos checked, both ready. Frames written from now on reach the device as an authenticated
 * member's.
 */
export async function authenticate(port: number, identity: HandshakeIdentity, peer: string): Promise<RawConnection> {
  const connection = await connectRaw(port, identity.deviceId);
  const first = connection.nextFrame();
  await connection.send(helloFrame(identity));
  const hello = readHandshake(await first);
  if (hello.kind !== 'message') throw new Error(`the device did not say hello: ${JSON.stringify(hello)}`);
  const refusal = checkHello(identity, peer, hello.message);
  if (refusal) throw new Error(`the device's hello: ${refusal.reason}`);
  const second = connection.nextFrame();
  await connection.send(readyFrame());
  const ready = readHandshake(await second);
  if (ready.kind !== 'message' || !isReady(ready.message)) throw new Error(`the device did not accept this peer: ${JSON.stringify(ready)}`);
  connection.discardFrames();
  return connection;
}
