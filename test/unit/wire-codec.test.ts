/**
 * The wire codec: every message type round-trips (fast-check), and untrusted bytes (random
 * garbage, mutated and truncated frames, wrong version, a schema field that is no pair of versions,
 * unknown type, oversized, hostile member records and model lists) only ever give a `WireError`.
 */
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChangeEntry } from '../../runtime/core/change-entry.js';
import type { MemberRecord } from '../../runtime/core/member-record.js';
import type { SnapshotRecord } from '../../runtime/core/snapshot-record.js';
import { MAX_MEMBER_RECORDS, MAX_MODEL_ID, type MESSAGE_TYPES, PROTOCOL_VERSION, type Envelope, type SyncMessage } from '../../runtime/protocol/messages.js';
import { decodeEnvelope, encodeEnvelope, WireError } from '../../runtime/protocol/wire-codec.js';

const SEED = Number(process.env.CODEC_SEED ?? 20261124);
const uuid = fc.uuid({ version: 4 }).map((id) => id.toLowerCase());
const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length }).map((array) => Buffer.from(array));
const seq = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const fieldName = fc.stringMatching(/^[a-z][A-Za-z0-9]{0,12}$/);
const sqlValue = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null), bytes(3));
const values = fc.dictionary(fieldName, sqlValue, { maxKeys: 6 });
const vector = fc.uniqueArray(fc.tuple(uuid, fc.nat()), { selector: ([origin]) => origin, maxLength: 4 }).map((pairs) => new Map(pairs));

const entry: fc.Arbitrary<ChangeEntry> = fc.record({
  origin: uuid,
  seq,
  hlc: bytes(24),
  model: fc.integer({ min: 1, max: 65535 }),
  record: uuid,
  kind: fc.constantFrom('insert' as const, 'update' as const, 'delete' as const),
  data: fc.option(values, { nil: null }),
});

const snapshotRecord: fc.Arbitrary<SnapshotRecord> = fc.record({
  model: fc.integer({ min: 1, max: 65535 }),
  record: uuid,
  deleted: fc.boolean(),
  deleteClock: fc.option(bytes(24), { nil: null }),
  values: fc.option(values, { nil: null }),
  clocks: fc.option(fc.dictionary(fieldName, bytes(24), { maxKeys: 4 }), { nil: null }),
  version: fc.option(bytes(24), { nil: null }),
  devices: fc.array(fc.record({ device: uuid, values, version: bytes(24) }), { maxLength: 2 }),
});

const time = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
/** Member records of the shapes honest devices write: a removal has its remover and time, and a cut only with a removal. */
const memberRecord: fc.Arbitrary<MemberRecord> = fc
  .record({
    device: uuid,
    fingerprint: bytes(32).map((hash) => hash.toString('hex')),
    addedBy: uuid,
    addedAt: time,
    removal: fc.option(fc.record({ by: uuid, at: time, cut: fc.option(fc.nat(), { nil: null }) }), { nil: null }),
    conflict: fc.boolean(),
  })
  .map(({ removal, ...record }) => ({
    ...record,
    removedBy: removal?.by ?? null,
    removedAt: removal?.at ?? null,
    removedAfterSeq: removal?.cut ?? null,
  }));

const messages: Record<keyof typeof MESSAGE_TYPES, fc.Arbitrary<SyncMessage>> = {
  StateChange: entry.map((item) => ({ type: 'StateChange', entry: item })),
  StateBatch: fc.array(entry, { maxLength: 5 }).map((entries) => ({ type: 'StateBatch', entries })),
  StateRequest: fc
    .record({ model: fc.nat(65535), after: fc.option(uuid, { nil: null }), limit: fc.nat(10_000) })
    .map((body) => ({ type: 'StateRequest', ...body })),
  StateResponse: fc
    .record({ model: fc.nat(65535), records: fc.array(snapshotRecord, { maxLength: 3 }), next: fc.option(uuid, { nil: null }), reflects: vector })
    .map((body) => ({ type: 'StateResponse', ...body })),
  SharedChange: entry.map((item) => ({ type: 'SharedChange', entry: item })),
  SharedChangeBatch: fc.array(entry, { maxLength: 5 }).map((entries) => ({ type: 'SharedChangeBatch', entries })),
  SharedChangeRequest: fc.record({ after: vector, limit: fc.nat(10_000) }).map((body) => ({ type: 'SharedChangeRequest', ...body })),
  SharedChangeResponse: fc
    .record({ entries: fc.array(entry, { maxLength: 5 }), complete: fc.boolean() })
    .map((body) => ({ type: 'SharedChangeResponse', ...body })),
  AckSharedChanges: vector.map((upTo) => ({ type: 'AckSharedChanges', upTo })),
  Heartbeat: fc.record({ watermark: vector, sentAt: fc.nat(), floor: vector }).map((body) => ({ type: 'Heartbeat', ...body })),
  RecordRequest: fc.array(fc.record({ model: fc.nat(65535), record: uuid }), { maxLength: 4 }).map((records) => ({ type: 'RecordRequest', records })),
  RecordResponse: fc.array(snapshotRecord, { maxLength: 3 }).map((records) => ({ type: 'RecordResponse', records })),
  Error: fc.record({ code: fc.string(), message: fc.string() }).map((body) => ({ type: 'Error', ...body })),
  Members: fc.array(memberRecord, { maxLength: 5 }).map((members) => ({ type: 'Members', members })),
  Models: fc
    .tuple(fc.uniqueArray(fc.integer({ min: 1, max: MAX_MODEL_ID }), { maxLength: 8 }), fc.nat(8), fc.boolean())
    .map(([ids, split, request]) => ({ type: 'Models', known: ids.slice(0, split), held: ids.slice(split), request })),
};

/** Any schema versions a device announces: a version, and the oldest it syncs with (at most the version). */
const schema = fc
  .integer({ min: 1, max: Number.MAX_SAFE_INTEGER })
  .chain((schemaVersion) => fc.integer({ min: 1, max: schemaVersion }).map((compatibleFrom) => ({ schemaVersion, compatibleFrom })));

const envelope = (message: fc.Arbitrary<SyncMessage>): fc.Arbitrary<Envelope> =>
  fc.record({ version: fc.constant(PROTOCOL_VERSION), libraryId: uuid, schema, message });

/** Frames carry plain data; compare through JSON-safe forms (Maps and Buffers made explicit). */
function comparable(value: unknown): unknown {
  if (value instanceof Map) return { map: [...value].map(comparable) };
  if (Buffer.isBuffer(value)) return { bytes: value.toString('hex') };
  if (Array.isArray(value)) return value.map(comparable);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, comparable(item)]));
  return Object.is(value, -0) ? 0 : value;
}

for (const [type, arbitrary] of Object.entries(messages)) {
  test(`round trip: ${type}`, () => {
    fc.assert(
      fc.property(envelope(arbitrary), (original) => {
        assert.equal(comparable(decodeEnvelope(encodeEnvelope(original))), comparable(original));
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
}

function wireError(bytesIn: Uint8Array, maxBytes?: number): WireError {
  try {
    decodeEnvelope(bytesIn, maxBytes);
  } catch (error) {
    if (error instanceof WireError) return error;
    throw new Error(`not a WireError: ${String(error)}`);
  }
  throw new Error('decoded');
}

/** Each case's frame (made of its value) is refused as malformed with the case's message. */
function assertMalformed(cases: readonly (readonly [unknown, string])[], frame: (value: unknown) => Uint8Array): void {
  assert.equal(
    cases.map(([value]) => wireError(frame(value))).map((error) => `${error.code} ${error.message}`),
    cases.map(([, message]) => `malformed ${message}`),
  );
}

const sample = (): Uint8Array =>
  encodeEnvelope({
    version: PROTOCOL_VERSION,
    libraryId: '00000000-0000-4000-8000-000000000001',
    schema: { schemaVersion: 1, compatibleFrom: 1 },
    message: { type: 'Heartbeat', watermark: new Map([['00000000-0000-4000-8000-00000000000a', 7]]), sentAt: 1000, floor: new Map() },
  });

test('typed refusals: version, unknown type, oversized, wrong field type, not MessagePack', () => {
  const packr = new Packr({ useRecords: false });
  const frame = (version: number, type: number, body: unknown) => packr.pack([version, Buffer.alloc(16), [1, 1], type, body]);
  const version = wireError(frame(PROTOCOL_VERSION + 1, 10, [[], 0, []]));
  assert.equal(
    [version.code, version.message],
    ['unsupported-version', `protocol version ${PROTOCOL_VERSION + 1} is not supported (this device speaks ${PROTOCOL_VERSION}); upgrade the older device`],
  );
  assert.equal(
    [wireError(frame(PROTOCOL_VERSION, 99, [])).code, wireError(frame(PROTOCOL_VERSION, 99, [])).message],
    ['unknown-type', 'unknown message type 99'],
  );
  assert.equal(wireError(sample(), 10).code, 'oversized');
  const mistyped = wireError(frame(PROTOCOL_VERSION, 10, [[], 'soon', []]));
  assert.equal([mistyped.code, mistyped.message], ['malformed', 'sentAt: expected a non-negative integer']);
  assert.equal(
    wireError(frame(PROTOCOL_VERSION, 5, [Buffer.alloc(16), 1, Buffer.alloc(23), 1, Buffer.alloc(16), 1, null])).message,
    'entry.hlc: expected 24 bytes',
  );
  assert.equal(wireError(Buffer.from([0xc1])).code, 'malformed');
  assert.equal(wireError(new Uint8Array(0)).code, 'malformed');
});

test('the schema field is [schemaVersion, compatibleFrom]: anything else, the hash of protocol 4 included, is malformed', () => {
  const packr = new Packr({ useRecords: false });
  const heartbeat = [[], 0, []];
  const decoded = decodeEnvelope(packr.pack([PROTOCOL_VERSION, Buffer.alloc(16), [7, 3], 10, heartbeat]));
  assert.equal(decoded.schema, { schemaVersion: 7, compatibleFrom: 3 });
  const cases: [unknown, string][] = [
    [Buffer.alloc(32), 'schema: expected an array of 2'],
    ['ab'.repeat(32), 'schema: expected an array of 2'],
    [[1], 'schema: expected an array of 2'],
    [[1, 1, 1], 'schema: expected an array of 2'],
    [{ schemaVersion: 1, compatibleFrom: 1 }, 'schema: expected an array of 2'],
    [[-1, 1], 'schemaVersion: expected a non-negative integer'],
    [[1.5, 1], 'schemaVersion: expected a non-negative integer'],
    [['1', 1], 'schemaVersion: expected a non-negative integer'],
    [[2 ** 53, 1], 'schemaVersion: expected a non-negative integer'],
    [[1, null], 'compatibleFrom: expected a non-negative integer'],
    [[1, 2n ** 64n - 1n], 'compatibleFrom: expected a non-negative integer'],
  ];
  assertMalformed(cases, (field) => packr.pack([PROTOCOL_VERSION, Buffer.alloc(16), field, 10, heartbeat]));
});

test('Members: hostile bodies give a typed WireError naming the field, never another error', () => {
  const packr = new Packr({ useRecords: false });
  const members = (body: unknown) => packr.pack([PROTOCOL_VERSION, Buffer.alloc(16), [1, 1], 14, body]);
  const id = Buffer.alloc(16, 1);
  const good = [id, Buffer.alloc(32, 2), id, 1000, null, null, null, false];
  const withField = (index: number, value: unknown) => [good.map((item, at) => (at === index ? value : item))];
  const cases: [unknown, string][] = [
    [{ not: 'an array' }, 'members: expected an array'],
    [Array(MAX_MEMBER_RECORDS + 1).fill(good), `members: expected at most ${MAX_MEMBER_RECORDS} records`],
    [[good.slice(0, 7)], 'members[0]: expected an array of 8'],
    [[good, 'x'], 'members[1]: expected an array of 8'],
    [withField(0, Buffer.alloc(15)), 'members[0].device: expected 16 bytes'],
    [withField(1, Buffer.alloc(31)), 'members[0].fingerprint: expected 32 bytes'],
    [withField(1, 'ab'.repeat(32)), 'members[0].fingerprint: expected 32 bytes'],
    [withField(2, null), 'members[0].addedBy: expected 16 bytes'],
    [withField(3, -1), 'members[0].addedAt: expected a non-negative integer'],
    [withField(3, 2 ** 64), 'members[0].addedAt: expected a non-negative integer'],
    [withField(4, id), 'members[0].removedAt: expected nil exactly when removedBy is nil'],
    [withField(5, 5), 'members[0].removedAt: expected nil exactly when removedBy is nil'],
    [withField(6, 3), 'members[0].removedAfterSeq: expected nil when removedBy is nil'],
    [[[id, Buffer.alloc(32), id, 1, id, 2, 1.5, false]], 'members[0].removedAfterSeq: expected a non-negative integer'],
    [[[id, Buffer.alloc(32), id, 1, Buffer.alloc(3), 2, 1, false]], 'members[0].removedBy: expected 16 bytes'],
    [withField(7, 0), 'members[0].conflict: expected a boolean'],
  ];
  assertMalformed(cases, members);
  // At the cap exactly, the message decodes.
  const atCap = decodeEnvelope(packr.pack([PROTOCOL_VERSION, Buffer.alloc(16), [1, 1], 14, Array(MAX_MEMBER_RECORDS).fill(good)]));
  assert.is(atCap.message.type === 'Members' && atCap.message.members.length, MAX_MEMBER_RECORDS);
});

test('Models: hostile bodies give a typed WireError naming the field; at the cap exactly, the lists decode', () => {
  const packr = new Packr({ useRecords: false });
  const models = (body: unknown) => packr.pack([PROTOCOL_VERSION, Buffer.alloc(16), [1, 1], 15, body]);
  const cases: [unknown, string][] = [
    [{ not: 'an array' }, 'Models: expected an array of 3'],
    [[[1], [2]], 'Models: expected an array of 3'],
    [[[1], [2], 1], 'request: expected a boolean'],
    [[{ 0: 1 }, [], false], 'known: expected an array'],
    [[[], 'x', false], 'held: expected an array'],
    [[Array(MAX_MODEL_ID + 1).fill(1), [], false], `known: expected at most ${MAX_MODEL_ID} model ids`],
    [[[], Array(MAX_MODEL_ID + 1).fill(1), false], `held: expected at most ${MAX_MODEL_ID} model ids`],
    [[[0], [], false], `known[0]: expected a model id from 1 to ${MAX_MODEL_ID}`],
    [[[1, MAX_MODEL_ID + 1], [], false], `known[1]: expected a model id from 1 to ${MAX_MODEL_ID}`],
    [[[-1], [], false], 'known[0]: expected a non-negative integer'],
    [[[1.5], [], false], 'known[0]: expected a non-negative integer'],
    [[[2n ** 64n - 1n], [], false], 'known[0]: expected a non-negative integer'],
    [[[1, 2, 1], [], false], 'known[2]: expected a model id not listed before'],
    [[[1, 2], [3, 2], false], 'held[1]: expected a model id not listed before'],
  ];
  assertMalformed(cases, models);
  const every = Array.from({ length: MAX_MODEL_ID }, (_, index) => index + 1);
  const { message } = decodeEnvelope(packr.pack([PROTOCOL_VERSION, Buffer.alloc(16), [1, 1], 15, [every.slice(0, 10), every.slice(10), true]]));
  assert.equal(message.type === 'Models' && [message.known.length, message.held.length, message.request], [10, MAX_MODEL_ID - 10, true]);
});

/** Whether a decoded message has a shape an honest device writes (what a mutated frame must never escape). */
function honestShape(message: SyncMessage): boolean {
  if (message.type === 'Members') {
    return message.members.every(
      (member) => (member.removedBy === null) === (member.removedAt === null) && (member.removedBy !== null || member.removedAfterSeq === null),
    );
  }
  if (message.type !== 'Models') return true;
  const ids = [...message.known, ...message.held];
  return typeof message.request === 'boolean' && new Set(ids).size === ids.length && ids.every((id) => Number.isInteger(id) && id >= 1 && id <= MAX_MODEL_ID);
}

for (const type of ['Members', 'Models'] as const) {
  test(`fuzz: mutated or truncated ${type} frames give a WireError or a message of an honest shape`, () => {
    fc.assert(
      fc.property(envelope(messages[type]), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), (original, at, byte, truncate) => {
        const real = Buffer.from(encodeEnvelope(original));
        const input = truncate ? real.subarray(0, at % real.length) : Buffer.from(real).fill(byte, at % real.length, (at % real.length) + 1);
        try {
          return honestShape(decodeEnvelope(input).message);
        } catch (error) {
          return error instanceof WireError;
        }
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });
}

test('fuzz: random bytes, and mutated or truncated real frames, only ever give a WireError', () => {
  const real = sample();
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }),
        fc.tuple(fc.nat(real.length - 1), fc.integer({ min: 0, max: 255 })).map(([index, byte]) => {
          const copy = Buffer.from(real);
          copy[index] = byte;
          return copy;
        }),
        fc.nat(real.length - 1).map((length) => real.subarray(0, length)),
      ),
      (input) => {
        try {
          decodeEnvelope(input);
        } catch (error) {
          return error instanceof WireError;
        }
        return true;
      },
    ),
    { seed: SEED, numRuns: 5000 },
  );
});

test.run();
