/**
 * Framing: frames come out whole however the stream is cut into chunks; a length over the limit is
 * reported as soon as its four bytes are in, without waiting for (or buffering) its body; the limit
 * applies per frame, so two frames of one chunk can be held to different limits; after `clear`
 * nothing more is buffered.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameReader, framed, OversizedFrame } from '../../runtime/transports/tcp/framing.js';

const SEED = Number(process.env.FRAMING_SEED ?? 20261202);

function drain(reader: FrameReader, limit: number): (Buffer | OversizedFrame)[] {
  const out: (Buffer | OversizedFrame)[] = [];
  for (let next = reader.next(limit); next !== null; next = reader.next(limit)) {
    out.push(next);
    if (next instanceof OversizedFrame) break;
  }
  return out;
}

test('frames survive any cutting of the stream into chunks', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), (frames, cuts) => {
      const stream = Buffer.concat(frames.map(framed));
      const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
      const reader = new FrameReader();
      const out: Buffer[] = [];
      let from = 0;
      for (const to of [...points, stream.length]) {
        reader.push(stream.subarray(from, to));
        from = to;
        for (const frame of drain(reader, 1024)) out.push(frame as Buffer);
      }
      assert.equal(
        out.map((frame) => frame.toString('hex')),
        frames.map((frame) => Buffer.from(frame).toString('hex')),
      );
    }),
    { seed: SEED, numRuns: 300 },
  );
});

test('a length over the limit is reported from its four bytes alone', () => {
  const reader = new FrameReader();
  reader.push(Buffer.from([0x00, 0x00, 0x10]));
  assert.is(reader.next(4096), null);
  reader.push(Buffer.from([0x01]));
  const over = reader.next(4096);
  assert.instance(over, OversizedFrame);
  assert.is((over as OversizedFrame).message, 'frame of 4097 bytes exceeds the limit of 4096');
});

test('each frame is held to the limit given when it is taken; clear drops everything after', () => {
  const reader = new FrameReader();
  reader.push(Buffer.concat([framed(Buffer.alloc(10)), framed(Buffer.alloc(5000))]));
  assert.is((reader.next(16) as Buffer).length, 10);
  assert.is((reader.next(8192) as Buffer).length, 5000, 'the second frame, under the limit of its own phase');
  reader.push(framed(Buffer.alloc(20)));
  assert.instance(reader.next(16), OversizedFrame);
  reader.clear();
  reader.push(framed(Buffer.alloc(1)));
  assert.is(reader.next(16), null);
});

test.run();
