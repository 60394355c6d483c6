/**
 * What one TCP connection may cost this device, before and after authentication.
 *
 * | option | default | why |
 * | ------ | ------- | --- |
 * | `maxHandshakeFrameBytes` | 4 KiB | a hello is about 130 bytes, a redeem 30, a refusal's reason a few hundred: a stranger can make this side buffer no more than this per connection |
 * | `maxUnauthenticated` | 32 | connections this side accepted that are still in their handshake; one more is closed at once. An honest handshake takes two round trips, so 32 at a time is a crowd of strangers, not a library's devices |
 * | `handshakeTimeoutMs` | 10 s | from the connection's start (dial or accept) to authenticated, across every phase before it: connecting, TLS, redeem, hello, ready |
 * | `idleTimeoutMs` | 30 s | an authenticated peer from which nothing arrived this long is closed. The engine heartbeats every second by default; 30 s also covers a heartbeat late behind its sender's synchronous work (a page applied, a snapshot page served) or behind a 16 MiB frame on a slow link. Bytes count, not whole frames: a large frame arriving slowly is not idleness. Keep it several heartbeat periods above a raised `heartbeatMs` |
 * | `maxFrameBytes` | 16 MiB | after authentication (`DEFAULT_MAX_FRAME_BYTES`) |
 * | `incompatibleRedialMs` | 5 min | a dial refused for incompatible schema or protocol versions is tried again after this, not on the usual backoff: it stays refused until one app is upgraded |
 */
import { InvalidArgumentError } from '../../core/errors.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../../protocol/wire-codec.js';

export interface TcpLimits {
  readonly maxFrameBytes: number;
  readonly maxHandshakeFrameBytes: number;
  readonly maxUnauthenticated: number;
  readonly handshakeTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly incompatibleRedialMs: number;
}

export const DEFAULT_TCP_LIMITS: TcpLimits = {
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  maxHandshakeFrameBytes: 4 * 1024,
  maxUnauthenticated: 32,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  incompatibleRedialMs: 5 * 60_000,
};

/** The limits of `options`, with defaults for those not given; a limit that is not a positive integer is refused. */
export function resolveLimits(options: Partial<TcpLimits>): TcpLimits {
  const limits = { ...DEFAULT_TCP_LIMITS };
  for (const name of Object.keys(DEFAULT_TCP_LIMITS) as (keyof TcpLimits)[]) {
    const value = options[name];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value <= 0) throw new InvalidArgumentError(name, value, 'a positive integer');
    limits[name] = value;
  }
  return limits;
}
