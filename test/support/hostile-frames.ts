/**
 * Hostile frames for the fuzz test, as fast-check arbitraries: the exact bytes to write on a
 * connection (length prefix included, or deliberately wrong), by shape:
 *
 * | shape | what |
 * | ----- | ---- |
 * | raw-bytes | random bytes in a well-formed frame |
 * | unframed-bytes | random bytes with no length prefix (their first four read as one) |
 * | length-prefix | lengths 0 and 1, just under, at and just over the limit, 2^31, 2^32 - 1 |
 * | truncated-stream | a frame whose length promises more bytes than ever come |
 * | truncated-msgpack | a hello or an envelope cut short inside a well-formed frame |
 * | msgpack-value | any value msgpackr packs: BigInt (64-bit and larger), Map, Set, Date, typed arrays, Error, boxed values |
 * | extension | extension types of every code, fixed and variable sizes, record definitions, cycles |
 * | bigint | BigInts in each field of a hello, a redeem, a ready, a refusal and an envelope |
 * | throwing-object | maps whose `toString`, `valueOf`, `toJSON`, `constructor` or `__proto__` are not functions, and an Error whose name is such a map, in each field |
 * | deep-nesting | arrays and maps nested 100 to 100,000 deep |
 * | hello-field | a hello with one field hostile |
 * | redeem-field | an invite's redeem with one field hostile |
 * | envelope-wrong-body | a correct envelope (version, library, schema, type) whose body is hostile or another type's |
 * | envelope-wrong-header | an envelope with one header field hostile, or one of its schema versions, or a schema field of one or three versions |
 */
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { uuidToBytes } from '../../runtime/core/uuid.js';
import type { SchemaCompatibility } from '../../runtime/protocol/compatibility.js';
import { MESSAGE_TYPES, PROTOCOL_VERSION, type SyncMessage } from '../../runtime/protocol/messages.js';
import { encodeEnvelope } from '../../runtime/protocol/wire-codec.js';
import { framed } from '../../runtime/transports/tcp/framing.js';

export interface HostileFrame {
  readonly shape: string;
  /** What to write, framing included. */
  readonly bytes: Buffer;
  /** The frame's content when `bytes` is one complete, well-formed frame (for classifying it), else null. */
  readonly body: Buffer | null;
  /**
   * 'frame': one complete frame; 'close': a length the device refuses at once; 'stuck': the stream
   * is left unusable (a frame cut short, unframed bytes), so it ends the batch and the attacker
   * ends the connection.
   */
  readonly framing: 'frame' | 'close' | 'stuck';
}

export interface HostileContext {
  readonly libraryId: string;
  /** The schema versions a hostile hello or envelope announces around its hostile field. */
  readonly schema: SchemaCompatibility;
  /** The device id a hostile hello announces (the attacker's own: its hello may pass as valid). */
  readonly deviceId: string;
  /** The frame limit of the phase the frames are for. */
  readonly limit: number;
}

const plain = new Packr({ useRecords: false });
/** Every type msgpackr writes: BigInts that fit as int64 or uint64 (msgpackr 2 does so unasked), larger ones as its extension 0x42, and its other extensions. */
const everything = new Packr({ useRecords: false, largeBigIntToFloat: false, moreTypes: true });
const cloning = new Packr({ useRecords: false, structuredClone: true, moreTypes: true });
const records = new Packr({ useRecords: true });

function pack(packr: Packr, value: unknown): Buffer {
  try {
    return packr.pack(value);
  } catch {
    // A value msgpackr will not write (a sparse array's holes, a boxed symbol): nil stands in.
    return Buffer.from([0xc0]);
  }
}

/** A MessagePack array of already packed elements. */
function arrayOf(parts: readonly Buffer[]): Buffer {
  const header = parts.length < 16 ? Buffer.from([0x90 | parts.length]) : Buffer.from([0xdc, parts.length >> 8, parts.length & 0xff]);
  return Buffer.concat([header, ...parts]);
}

function frame(shape: string, body: Buffer): HostileFrame {
  return { shape, bytes: framed(body), body, framing: 'frame' };
}

function withLength(length: number, body: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(length);
  return Buffer.concat([header, body]);
}

/** Maps whose conversion to text throws (`String(value)` finds no callable `toString` or `valueOf`), and cousins. */
function throwingObjects(): fc.Arbitrary<Buffer> {
  const notAFunction = fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant(null), fc.constant([]), fc.constant({}));
  const keys = {
    toString: notAFunction,
    valueOf: notAFunction,
    toJSON: notAFunction,
    constructor: notAFunction,
    hasOwnProperty: notAFunction,
    // biome-ignore lint/suspicious/noThenProperty: a peer's map that looks like a promise is one of the hostile shapes.
    then: notAFunction,
  };
  const map = fc.record(keys, { requiredKeys: ['toString', 'valueOf'] }).chain((object) =>
    fc.boolean().map((withProto) => {
      // An own `__proto__` key (not a prototype): JSON.parse makes one.
      const value = withProto ? Object.assign(JSON.parse('{"__proto__": {"toString": 1}}') as object, object) : object;
      return pack(plain, value);
    }),
  );
  const error = map.map((name) => {
    // An Error (msgpackr's extension 0x65: [name, message, cause]) whose name is such a map.
    return Buffer.concat([Buffer.from([0xd4, 0x65, 0x00]), arrayOf([name, pack(plain, 'message'), Buffer.from([0xc0])])]);
  });
  const errorNamedConstructor = fc
    .constantFrom('constructor', 'toString', '__proto__', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'AggregateError')
    .map((name) => Buffer.concat([Buffer.from([0xd4, 0x65, 0x00]), arrayOf([pack(plain, name), pack(plain, { toString: 1 }), pack(plain, 7)])]));
  return fc.oneof(map, error, errorNamedConstructor);
}

function bigints(): fc.Arbitrary<Buffer> {
  return fc.oneof(
    fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }).map((value) => pack(everything, value)),
    fc.bigInt({ min: -(2n ** 63n), max: -(2n ** 53n) }).map((value) => pack(everything, value)),
    fc.bigInt({ min: 2n ** 64n, max: 2n ** 400n }).map((value) => pack(everything, value)),
    fc.bigInt({ min: -(2n ** 400n), max: -(2n ** 64n) }).map((value) => pack(everything, value)),
    // An extension 0x42 BigInt of odd sizes, written by hand.
    fc.uint8Array({ minLength: 1, maxLength: 80 }).map((data) => Buffer.concat([Buffer.from([0xc7, data.length, 0x42]), data])),
  );
}

function extensions(): fc.Arbitrary<Buffer> {
  const data = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
  const type = fc.oneof(fc.integer({ min: -128, max: 127 }), fc.constantFrom(0x00, 0x42, 0x62, 0x65, 0x69, 0x70, 0x72, 0x73, 0x74, 0x78, 0xff - 256));
  const fixed = fc
    .constantFrom(1, 2, 4, 8, 16)
    .chain((size) =>
      fc
        .tuple(type, data(size))
        .map(([code, bytes]) => Buffer.concat([Buffer.from([{ 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 }[size]!, code & 0xff]), bytes])),
    );
  const ext8 = fc
    .tuple(type, fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 0, max: 255 }))
    .map(([code, bytes, claimed]) => Buffer.concat([Buffer.from([0xc7, claimed, code & 0xff]), bytes]));
  const ext32 = fc
    .tuple(type, fc.uint8Array({ maxLength: 16 }))
    .map(([code, bytes]) => Buffer.concat([Buffer.from([0xc9, 0xff, 0xff, 0xff, 0xf0, code & 0xff]), bytes]));
  // Extensions carrying MessagePack (errors, sets, regular expressions, bundled strings) with hostile content.
  const carrying = fc
    .tuple(fc.constantFrom(0x65, 0x73, 0x78, 0x62), fc.oneof(throwingObjects(), fc.constant(pack(plain, ['(a+)+$', 'x'])), fc.constant(pack(plain, [1, 2]))))
    .map(([code, inner]) => Buffer.concat([Buffer.from([0xd4, code, 0x00]), inner]));
  const cycle = fc.constantFrom('array', 'map').map((kind) => {
    const value: unknown[] | Record<string, unknown> = kind === 'array' ? [] : {};
    if (Array.isArray(value)) value.push(value, value);
    else value.self = value;
    return pack(cloning, value);
  });
  const recordDefinitions = fc
    .array(fc.record({ a: fc.integer(), toString: fc.integer() }), { minLength: 1, maxLength: 6 })
    .map((items) => pack(records, items));
  // Pointers and ids of structured clones, with no structured clone around them.
  const dangling = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((id) => Buffer.concat([Buffer.from([0xd6, 0x70]), id]));
  return fc.oneof(fixed, ext8, ext32, carrying, cycle, recordDefinitions, dangling);
}

/** Built once per depth and kind: the fuzz sends hundreds. */
const nested = new Map<string, Buffer>();

function deepNesting(): fc.Arbitrary<Buffer> {
  return fc.tuple(fc.constantFrom(100, 1000, 4000, 10_000, 100_000), fc.constantFrom('array', 'array16', 'map')).map(([depth, kind]) => {
    const key = `${kind} ${depth}`;
    let bytes = nested.get(key);
    if (!bytes) {
      const level = kind === 'array' ? [0x91] : kind === 'array16' ? [0xdc, 0x00, 0x01] : [0x81, 0xa1, 0x61];
      bytes = Buffer.alloc(depth * level.length + 1, 0xc0);
      for (let index = 0; index < depth; index += 1) bytes.set(level, index * level.length);
      nested.set(key, bytes);
    }
    return bytes;
  });
}

/** Any single MessagePack value, hostile or not. */
function values(): fc.Arbitrary<Buffer> {
  const anything = fc
    .anything({
      maxDepth: 3,
      maxKeys: 4,
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
    })
    .map((value) => pack(everything, value));
  const numbers = fc
    .oneof(fc.double(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 2, PROTOCOL_VERSION + 1, -1, 2 ** 53), fc.integer())
    .map((value) => pack(plain, value));
  const strings = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom('syncgen-hello', 'syncgen-redeem', 'syncgen-ready', 'syncgen-refused', '\u0000\n\u001b[31m', '__proto__', 'x'.repeat(3000)),
  );
  return fc.oneof(
    anything,
    numbers,
    strings.map((value) => pack(plain, value)),
    throwingObjects(),
    bigints(),
    extensions(),
  );
}

/** A valid frame of the sync protocol for this library: what an honest peer sends between attacks. */
export function validFrames(context: Pick<HostileContext, 'libraryId' | 'schema'>): fc.Arbitrary<Buffer> {
  const empty = new Map<string, number>();
  const message: fc.Arbitrary<SyncMessage> = fc.oneof(
    fc.nat().map((sentAt) => ({ type: 'Heartbeat' as const, watermark: empty, sentAt, floor: empty })),
    fc.constant({ type: 'AckSharedChanges' as const, upTo: empty }),
    fc.record({ code: fc.string({ maxLength: 20 }), message: fc.string({ maxLength: 60 }) }).map((body) => ({ type: 'Error' as const, ...body })),
    fc.integer({ min: 1, max: 4 }).map((limit) => ({ type: 'SharedChangeRequest' as const, after: empty, limit })),
  );
  return message.map((item) => Buffer.from(encodeEnvelope({ version: PROTOCOL_VERSION, libraryId: context.libraryId, schema: context.schema, message: item })));
}

/** Hostile frames of every shape, for a phase whose frame limit is `context.limit`. */
export function hostileFrames(context: HostileContext): fc.Arbitrary<HostileFrame> {
  const { limit } = context;
  const library = pack(plain, uuidToBytes(context.libraryId));
  const schemaParts = [pack(plain, context.schema.schemaVersion), pack(plain, context.schema.compatibleFrom)];
  const schema = arrayOf(schemaParts);
  const helloParts = [
    pack(plain, 'syncgen-hello'),
    pack(plain, PROTOCOL_VERSION),
    pack(plain, context.libraryId),
    pack(plain, context.deviceId),
    pack(plain, context.schema.schemaVersion),
    pack(plain, context.schema.compatibleFrom),
  ];
  const redeemParts = [pack(plain, 'syncgen-redeem'), pack(plain, Buffer.alloc(16, 7))];
  const envelopeParts = (type: number, body: Buffer, schemaField = schema) => [pack(plain, PROTOCOL_VERSION), library, schemaField, pack(plain, type), body];
  // Schema versions no device announces: zero, negative, fractional, unsafe, and far ahead.
  const versions = fc.constantFrom(0, -1, 1.5, 2 ** 53, Number.NaN, 1000).map((value) => pack(plain, value));
  const messageType = fc.constantFrom(...Object.values(MESSAGE_TYPES));
  // Bodies of valid messages, under any type (mostly another's).
  const validBody = fc.constantFrom([[], 0, []], [[]], ['code', 'message'], [[], 5], [], [[], false], [1, null, 5]).map((body) => pack(plain, body));

  /** A hostile value in field `index` of a message made of `parts`. */
  const inField = (parts: readonly Buffer[], hostile: fc.Arbitrary<Buffer>) =>
    fc.tuple(fc.nat(parts.length - 1), hostile).map(([index, value]) => arrayOf(parts.map((part, at) => (at === index ? value : part))));
  const positions = (hostile: fc.Arbitrary<Buffer>) =>
    fc.oneof(
      hostile,
      inField(helloParts, hostile),
      inField(redeemParts, hostile),
      inField([pack(plain, 'syncgen-ready')], hostile),
      inField([pack(plain, 'syncgen-refused'), pack(plain, 'reason'), pack(plain, 'code')], hostile),
      messageType.chain((type) => inField(envelopeParts(type, pack(plain, [])), hostile)),
    );

  const announced = fc.constantFrom(0, 1, limit - 1, limit, limit + 1, 2 ** 31, 2 ** 32 - 1);
  return fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((bytes) => frame('raw-bytes', Buffer.from(bytes))),
    fc
      .uint8Array({ minLength: 1, maxLength: 64 })
      .map((bytes): HostileFrame => ({ shape: 'unframed-bytes', bytes: Buffer.from(bytes), body: null, framing: 'stuck' })),
    fc.tuple(announced, fc.uint8Array({ maxLength: 64 })).map(([length, data]): HostileFrame => {
      if (length > limit) return { shape: 'length-prefix', bytes: withLength(length, Buffer.alloc(0)), body: null, framing: 'close' };
      // Small lengths in full; a length near the limit in full only when that is small.
      if (length <= 64 || limit <= 64 * 1024) {
        const body = Buffer.alloc(length, 0xc1);
        body.set(data.subarray(0, length));
        return { shape: 'length-prefix', bytes: withLength(length, body), body, framing: 'frame' };
      }
      return { shape: 'length-prefix', bytes: withLength(length, Buffer.from(data)), body: null, framing: 'stuck' };
    }),
    fc
      .tuple(fc.constantFrom(arrayOf(helloParts), arrayOf(envelopeParts(10, pack(plain, [[], 0, []])))), fc.double({ min: 0, max: 0.99, noNaN: true }))
      .chain(([whole, cut]) => {
        const kept = whole.subarray(0, Math.floor(whole.length * cut));
        return fc.constantFrom<HostileFrame>(
          { shape: 'truncated-stream', bytes: withLength(whole.length, kept), body: null, framing: 'stuck' },
          frame('truncated-msgpack', Buffer.from(kept)),
        );
      }),
    values().map((body) => frame('msgpack-value', body)),
    extensions().map((body) => frame('extension', body)),
    positions(bigints()).map((body) => frame('bigint', body)),
    positions(throwingObjects()).map((body) => frame('throwing-object', body)),
    deepNesting().map((body) => frame('deep-nesting', body)),
    inField(helloParts, values()).map((body) => frame('hello-field', body)),
    inField(redeemParts, values()).map((body) => frame('redeem-field', body)),
    fc.tuple(messageType, fc.oneof(values(), validBody, deepNesting())).map(([type, body]) => frame('envelope-wrong-body', arrayOf(envelopeParts(type, body)))),
    messageType
      .chain((type) =>
        fc.oneof(
          inField(envelopeParts(type, pack(plain, [])), fc.oneof(values(), fc.constantFrom(pack(plain, 0), pack(plain, 14), pack(plain, 255), pack(plain, 3)))),
          fc.constant(arrayOf(envelopeParts(type, pack(plain, [])).slice(0, 4))),
          inField(schemaParts, fc.oneof(values(), versions)).map((field) => arrayOf(envelopeParts(type, pack(plain, []), field))),
          fc
            .constantFrom(schemaParts.slice(0, 1), [...schemaParts, schemaParts[1]!])
            .map((parts) => arrayOf(envelopeParts(type, pack(plain, []), arrayOf(parts)))),
        ),
      )
      .map((body) => frame('envelope-wrong-header', body)),
  );
}
