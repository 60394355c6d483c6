/**
 * HLC: a fake wall clock drives send and receive through the cases that broke other systems
 * (clock behind the last value, same millisecond, counter overflow, remote clock from the future,
 * restart with the wall clock stepped back); fast-check checks the order laws.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ClockDriftError, compareHlc, decodeHlc, encodeHlc, HlcFormatError, initialHlc, MAX_COUNTER, receive, send, type Hlc } from '../../runtime/core/hlc.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const at = (wallMs: number, counter: number, device = A): Hlc => ({ wallMs, counter, device });

test('send: takes the wall clock when it is ahead, counts within one millisecond', () => {
  const first = send(initialHlc(A), 1000);
  assert.equal(first, at(1000, 0));
  assert.equal(send(first, 1000), at(1000, 1));
  assert.equal(send(at(1000, 1), 1005), at(1005, 0));
});

test('send: never goes back when the wall clock is behind the last value', () => {
  assert.equal(send(at(5000, 3), 1000), at(5000, 4), 'not now with counter 0');
});

test('send: a counter overflow carries into the milliseconds', () => {
  assert.equal(send(at(1000, MAX_COUNTER), 1000), at(1001, 0));
  assert.equal(receive(at(1000, MAX_COUNTER), at(1000, MAX_COUNTER, B), 1000, 60_000), { ok: true, clock: at(1001, 0) });
});

test('receive: the result is above both clocks, whichever is ahead', () => {
  assert.equal(receive(at(1000, 5), at(1000, 9, B), 900), { ok: true, clock: at(1000, 10) });
  assert.equal(receive(at(2000, 5), at(1000, 9, B), 900), { ok: true, clock: at(2000, 6) });
  assert.equal(receive(at(1000, 5), at(3000, 2, B), 2000), { ok: true, clock: at(3000, 3) });
  assert.equal(receive(at(1000, 5), at(900, 2, B), 4000), { ok: true, clock: at(4000, 0) });
});

test('receive: a remote clock beyond the drift bound is refused with a typed error, the clock unchanged', () => {
  const result = receive(at(1000, 0), at(1000 + 60_001, 0, B), 1000, 60_000);
  assert.is(result.ok, false);
  const error = (result as { error: ClockDriftError }).error;
  assert.instance(error, ClockDriftError);
  assert.is(error.code, 'clock-drift');
  assert.is(
    error.message,
    `clock of device ${B} is 60001 ms ahead of this device's wall clock (the bound is 60000 ms); its change is refused until the clocks agree (check the devices' time settings)`,
  );
  assert.equal(receive(at(1000, 0), at(61_000, 0, B), 1000, 60_000).ok, true, 'exactly at the bound is accepted');
});

test('encoding: 24 bytes, device id included, round trip; malformed bytes are a typed error', () => {
  const clock = at(0x0123456789ab, 0xbeef, B);
  const bytes = encodeHlc(clock);
  assert.is(Buffer.from(bytes).toString('hex'), `0123456789abbeef${B.replace(/-/g, '')}`);
  assert.equal(decodeHlc(bytes), clock);
  assert.throws(
    () => decodeHlc(Buffer.alloc(23)),
    (error: unknown) => error instanceof HlcFormatError && error.message === 'invalid HLC: expected 24 bytes, got 23',
  );
  assert.throws(
    () => initialHlc('A-DEVICE'),
    (error: unknown) => error instanceof HlcFormatError,
  );
});

const device = fc.uuid({ version: 4 }).map((id) => id.toLowerCase());
const hlc = fc.record({ wallMs: fc.integer({ min: 0, max: 2 ** 47 }), counter: fc.integer({ min: 0, max: MAX_COUNTER }), device });
const SEED = Number(process.env.HLC_SEED ?? 20261124);

test('property: the byte order of encodings is the clock order', () => {
  fc.assert(
    fc.property(hlc, hlc, (a, b) => Math.sign(Buffer.compare(encodeHlc(a), encodeHlc(b))) === Math.sign(compareHlc(a, b))),
    { seed: SEED, numRuns: 2000 },
  );
});

test('property: the order is total and antisymmetric; equal only for identical clocks', () => {
  fc.assert(
    fc.property(hlc, hlc, (a, b) => {
      const ab = compareHlc(a, b);
      return ab === -compareHlc(b, a) && (ab === 0) === (a.wallMs === b.wallMs && a.counter === b.counter && a.device === b.device);
    }),
    { seed: SEED, numRuns: 2000 },
  );
});

test('property: any sequence of sends and receives is strictly increasing, whatever the wall clock does', () => {
  const step = fc.oneof(
    fc.record({ kind: fc.constant('send' as const), now: fc.integer({ min: 0, max: 10_000 }) }),
    fc.record({
      kind: fc.constant('receive' as const),
      now: fc.integer({ min: 0, max: 10_000 }),
      remote: hlc.map((clock) => ({ ...clock, wallMs: clock.wallMs % 12_000 })),
    }),
  );
  fc.assert(
    fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
      let last = initialHlc(A);
      for (const item of steps) {
        if (item.kind === 'send') {
          const next = send(last, item.now);
          if (compareHlc(next, last) <= 0) return false;
          last = next;
          continue;
        }
        const next = receive(last, item.remote, item.now, 5_000);
        if (!next.ok) continue;
        // Above the last value, and above the remote clock's (wall, counter) whatever the device ids.
        if (compareHlc(next.clock, last) <= 0 || compareHlc(next.clock, { ...item.remote, device: A }) <= 0) return false;
        last = next.clock;
      }
      return true;
    }),
    { seed: SEED, numRuns: 500 },
  );
});

test.run();
