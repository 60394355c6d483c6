/**
 * Untrusted values never run code, never throw: `describeUntrusted` and its kin, the wire checkers,
 * `decodeEnvelope` and the handshake's checks, called directly with JS values a frame could never
 * hold as well as ones it can (objects whose `toString`, `valueOf` or `Symbol.toPrimitive` throw,
 * getters, Proxies, revoked Proxies, BigInts, strings of megabytes with control characters).
 */
import { Packr } from 'msgpackr';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROTOCOL_VERSION } from '../../runtime/protocol/messages.js';
import { describeError, describeUntrusted, untrustedText } from '../../runtime/protocol/untrusted.js';
import { array, clockMap, fixedBytes, hexBytes, uint, uuid, values, WireError } from '../../runtime/protocol/wire-checks.js';
import { decodeEnvelope } from '../../runtime/protocol/wire-codec.js';
import { checkHello, isReady, readHandshake, redeemToken, type HandshakeIdentity } from '../../runtime/transports/tcp/handshake.js';

const boom = () => {
  throw new Error('ran code of the peer');
};
const revoked = Proxy.revocable({}, {});
revoked.revoke();

/** Values whose conversion to text runs code that throws, or cannot be done at all. */
const hostile: [string, unknown][] = [
  ['toString throws', { toString: boom }],
  ['valueOf throws, no toString', Object.assign(Object.create(null) as object, { valueOf: boom })],
  ['Symbol.toPrimitive throws', { [Symbol.toPrimitive]: boom }],
  ['toString is a number', { toString: 1, valueOf: 2 }],
  ['toJSON throws', { toJSON: boom }],
  ['a getter throws', Object.defineProperty({}, 'length', { get: boom, enumerable: true })],
  ['an array whose elements throw', Object.defineProperty([1, 2], '0', { get: boom })],
  ['a Proxy whose every trap throws', new Proxy({}, { get: boom, getPrototypeOf: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom })],
  ['a Proxy of an array whose get throws', new Proxy([1, 2, 3], { get: boom })],
  ['a revoked Proxy', revoked.proxy],
  ['an Error whose name is a map', Object.assign(new Error('x'), { name: { toString: 1 } })],
  ['a BigInt of 100,000 bits', 2n ** 100_000n],
  ['a negative BigInt', -(2n ** 64n)],
  ['a symbol', Symbol('peer')],
  ['a function', boom],
  ['a string of 4 MiB with control characters', `\u0000\n\u001b[31m${'x'.repeat(4 * 1024 * 1024)}`],
];

test('describeUntrusted names each hostile value by its type, briefly, without running its code', () => {
  const described = Object.fromEntries(hostile.map(([name, value]) => [name, describeUntrusted(value)]));
  assert.equal(described, {
    'toString throws': 'a map',
    'valueOf throws, no toString': 'an object',
    'Symbol.toPrimitive throws': 'a map',
    'toString is a number': 'a map',
    'toJSON throws': 'a map',
    'a getter throws': 'a map',
    'an array whose elements throw': 'an array of 2',
    'a Proxy whose every trap throws': 'an object',
    'a Proxy of an array whose get throws': 'an object',
    'a revoked Proxy': 'an object',
    'an Error whose name is a map': 'an object',
    'a BigInt of 100,000 bits': 'a BigInt',
    'a negative BigInt': 'a BigInt',
    'a symbol': 'a symbol',
    'a function': 'a function',
    'a string of 4 MiB with control characters': `"\\u0000\\n\\u001b[31m${'x'.repeat(57)}…"`,
  });
  assert.equal([null, undefined, true, -0, Number.NaN, 2, 'wrong', Buffer.alloc(3), [1, 2], new Map()].map(describeUntrusted), [
    'null',
    'undefined',
    'true',
    '0',
    'NaN',
    '2',
    '"wrong"',
    '3 bytes',
    'an array of 2',
    'an object',
  ]);
});

test('untrustedText cuts and cleans a peer text; describeError survives whatever was thrown', () => {
  assert.is(untrustedText('line one\nline two\u2028\u0007'), 'line one?line two??');
  assert.is(untrustedText('y'.repeat(1000), 10), `${'y'.repeat(10)}…`);
  assert.is(untrustedText({ toString: boom }), 'a map');
  assert.is(describeError(new RangeError('Maximum call stack size exceeded')), 'Maximum call stack size exceeded');
  assert.is(describeError(Object.defineProperty(new Error(), 'message', { get: boom })), 'a thrown an object');
  assert.is(describeError(undefined), 'a thrown undefined');
  assert.is(describeError({ toString: boom }), 'a thrown a map');
  assert.is(describeError(revoked.proxy), 'a thrown an object');
});

test('the wire checkers refuse hostile values with WireErrors only, in every position', () => {
  const checks: [string, (value: unknown) => unknown][] = [
    ['array', (value) => array(value, 'frame', 5)],
    ['uint', (value) => uint(value, 'seq')],
    ['fixedBytes', (value) => fixedBytes(value, 'hlc', 24)],
    ['hexBytes', (value) => hexBytes(value, 'fingerprint', 32)],
    ['uuid', (value) => uuid(value, 'origin')],
    ['values', (value) => values(value, 'data')],
    ['values of a field', (value) => values({ name: value }, 'data')],
    ['values keyed by a long text', (value) => values({ [`\n${'k'.repeat(10_000)}`]: value }, 'data')],
    ['clockMap', (value) => clockMap(value, 'clocks')],
    ['clockMap of a field', (value) => clockMap({ name: value }, 'clocks')],
  ];
  // Getters and Proxies cannot come out of MessagePack; decodeEnvelope guards the checkers against them anyway (below).
  const fromFrames = hostile.filter(([name]) => !/getter|Proxy|elements throw/.test(name));
  const accepted: string[] = [];
  for (const [check, run] of checks) {
    for (const [name, value] of fromFrames) {
      try {
        run(value);
        accepted.push(`${check}: ${name}`);
      } catch (error) {
        assert.instance(error, WireError, `${check}(${name})`);
        assert.ok((error as WireError).message.length < 200, `${check}(${name}): a short message`);
      }
    }
  }
  // Valid maps, whatever their keys are called ('toString' too: the model's fields are checked later; a symbol key is no field
  // at all), and a long string as a value (its field's constraints are checked later).
  assert.equal(accepted, [
    'values: Symbol.toPrimitive throws',
    'values: toString is a number',
    'values of a field: a string of 4 MiB with control characters',
    'values keyed by a long text: a string of 4 MiB with control characters',
    'clockMap: Symbol.toPrimitive throws',
  ]);
});

test('decodeEnvelope gives a WireError for any input, even values that are no bytes', () => {
  for (const [name, value] of hostile) {
    try {
      decodeEnvelope(value as Uint8Array);
      assert.unreachable(name);
    } catch (error) {
      assert.instance(error, WireError, name);
    }
  }
  // msgpackr quotes a frame in some messages (a regular expression's source, a JSON view of what it read): cut and cleaned.
  const packr = new Packr({ useRecords: false, moreTypes: true });
  const trailing = Buffer.concat([packr.pack([`\n${'z'.repeat(5000)}`]), Buffer.from([0xc0])]);
  try {
    decodeEnvelope(trailing);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, WireError);
    assert.ok((error as WireError).message.length < 300);
    assert.not.match((error as WireError).message, /\n/);
  }
});

test('the handshake checks refuse hostile values in every field of a hello, a redeem, a ready and a refusal, and never throw', () => {
  const identity: HandshakeIdentity = {
    deviceId: '0000000a-0000-4000-8000-00000000000a',
    libraryId: '00000000-0000-4000-8000-000000000001',
    schema: { schemaVersion: 2, compatibleFrom: 1 },
    protocolVersion: PROTOCOL_VERSION,
  };
  const peer = '0000000b-0000-4000-8000-00000000000b';
  const hello = ['syncgen-hello', PROTOCOL_VERSION, identity.libraryId, peer, identity.schema.schemaVersion, identity.schema.compatibleFrom];
  assert.is(checkHello(identity, peer, hello), null, 'the unaltered hello passes');
  const token = Buffer.alloc(16, 3);
  assert.equal(redeemToken(['syncgen-redeem', token]), token, 'the unaltered redeem passes');
  assert.ok(isReady(['syncgen-ready']), 'the unaltered ready passes');
  for (const [name, value] of hostile) {
    for (let field = 0; field <= hello.length; field += 1) {
      const message = field === hello.length ? value : hello.map((item, index) => (index === field ? value : item));
      const result = checkHello(identity, peer, message);
      assert.ok(result !== null, `${name} in field ${field} is refused`);
      assert.ok(result !== null && result.reason.length < 200);
    }
    for (const redeem of [value, ['syncgen-redeem', value], [value, token]]) {
      let result: Uint8Array | null | 'threw' = 'threw';
      try {
        result = redeemToken(redeem);
      } catch {
        // Left 'threw': the assertion names the value.
      }
      assert.is(result, null, `a redeem of ${name} is refused without throwing`);
    }
    for (const ready of [value, [value]]) {
      let result: boolean | 'threw' = 'threw';
      try {
        result = isReady(ready);
      } catch {
        // Left 'threw'.
      }
      assert.is(result, false, `a ready of ${name} is refused without throwing`);
    }
  }
  const packr = new Packr({ useRecords: false });
  for (const [reason, code] of [
    [{ toString: 1 }, 5n],
    ['\u001b[2J'.repeat(1000), { valueOf: 1 }],
  ]) {
    const refusal = readHandshake(packr.pack(['syncgen-refused', reason, code]));
    assert.is(refusal.kind, 'refused');
    if (refusal.kind === 'refused') assert.ok(refusal.reason.length <= 301 && !refusal.reason.includes('\u001b') && refusal.code === 'refused-by-peer');
  }
});

test.run();
