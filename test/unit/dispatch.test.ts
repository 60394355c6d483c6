/**
 * Protocol dispatch counts a peer's invalid frames without letting valid frames between them wipe
 * the count, disconnects at `MAX_INVALID_FRAMES` and starts over then, counts requests for unknown
 * models as invalid unless the peer's schema is newer (its pull asks for its own models), refuses a
 * frame of a schema it cannot sync with (and dispatches one of another version it can), cuts the
 * text of a peer's `Error`, and routes Models.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SchemaCompatibility } from '../../runtime/protocol/compatibility.js';
import { MAX_INVALID_FRAMES, ProtocolDispatcher, type ProtocolHandlers } from '../../runtime/protocol/dispatch.js';
import { PROTOCOL_VERSION, type SyncMessage } from '../../runtime/protocol/messages.js';
import { encodeEnvelope } from '../../runtime/protocol/wire-codec.js';

const LIBRARY = '00000000-0000-4000-8000-000000000001';
const SCHEMA: SchemaCompatibility = { schemaVersion: 1, compatibleFrom: 1 };
const PEER = '0000000b-0000-4000-8000-00000000000b';
const frame = (message: SyncMessage, schema = SCHEMA) => encodeEnvelope({ version: PROTOCOL_VERSION, libraryId: LIBRARY, schema, message });
const valid = frame({ type: 'AckSharedChanges', upTo: new Map() });
const garbage = Uint8Array.from([0xc1]);

function dispatcher(schema = SCHEMA) {
  const calls: string[] = [];
  /** The detail of each invalid frame, as the engine's Error reply carries it. */
  const details: string[] = [];
  const record =
    (name: string) =>
    (_peer: string, ...args: unknown[]) =>
      void calls.push(
        `${name} ${args
          .map((arg) => (typeof arg === 'string' ? arg : ''))
          .join(' ')
          .trim()}`.trim(),
      );
  const handlers: ProtocolHandlers = {
    entries: record('entries'),
    ack: record('ack'),
    heartbeat: record('heartbeat'),
    changeRequest: record('changeRequest'),
    stateRequest: record('stateRequest'),
    stateResponse: record('stateResponse'),
    recordRequest: record('recordRequest'),
    recordResponse: record('recordResponse'),
    members: record('members'),
    models: (_peer, known, held, request) => void calls.push(`models ${known.join(',')} / ${held.join(',')}${request ? ' request' : ''}`),
    error: (_peer, code, message) => void calls.push(`error ${code} ${message}`),
    invalid: (_peer, code, detail) => {
      calls.push(`invalid ${code}`);
      details.push(detail);
    },
    disconnect: (_peer, code) => void calls.push(`disconnect ${code}`),
  };
  return { calls, details, dispatch: new ProtocolDispatcher({ libraryId: LIBRARY, schema, knowsModel: (model) => model === 1 }, handlers) };
}

test(`the ${MAX_INVALID_FRAMES} invalid frames that disconnect need not be in a row`, () => {
  const { calls, dispatch } = dispatcher();
  const unknownModel = frame({ type: 'StateRequest', model: 99, after: null, limit: 10 });
  const otherLibrary = encodeEnvelope({
    version: PROTOCOL_VERSION,
    libraryId: '00000000-0000-4000-8000-0000000000ff',
    schema: SCHEMA,
    message: { type: 'AckSharedChanges', upTo: new Map() },
  });
  for (const bytes of [garbage, valid, valid, unknownModel, valid, otherLibrary, valid]) dispatch.dispatch(PEER, bytes);
  assert.equal(calls, ['invalid malformed', 'ack', 'ack', 'invalid unknown-model', 'ack', 'invalid wrong-library', 'disconnect too-many-invalid', 'ack']);
  assert.is(MAX_INVALID_FRAMES, 3);
});

test('the count starts over once the peer is disconnected for it; other peers have their own', () => {
  const { calls, dispatch } = dispatcher();
  const other = '0000000c-0000-4000-8000-00000000000c';
  for (let index = 0; index < MAX_INVALID_FRAMES; index += 1) dispatch.dispatch(PEER, garbage);
  for (let index = 0; index < MAX_INVALID_FRAMES - 1; index += 1) dispatch.dispatch(PEER, garbage);
  for (let index = 0; index < MAX_INVALID_FRAMES - 1; index += 1) dispatch.dispatch(other, garbage);
  assert.equal(
    calls.filter((call) => call.startsWith('disconnect')),
    ['disconnect too-many-invalid'],
  );
  dispatch.dispatch(PEER, garbage);
  assert.is(calls.filter((call) => call.startsWith('disconnect')).length, 2);
});

test('a frame of a schema this device cannot sync with is invalid (schema-mismatch, with the reason); one of another compatible version is dispatched', () => {
  const upgrade = (older: string) => `upgrade the app on ${older}: nothing is lost meanwhile, and they sync once it is upgraded`;
  const cases: [SchemaCompatibility, SchemaCompatibility, string][] = [
    // This device at 2, which syncs with 1 and later (an additive change since 1).
    [{ schemaVersion: 2, compatibleFrom: 1 }, { schemaVersion: 2, compatibleFrom: 1 }, 'ack'],
    [{ schemaVersion: 2, compatibleFrom: 1 }, { schemaVersion: 1, compatibleFrom: 1 }, 'ack'],
    [{ schemaVersion: 2, compatibleFrom: 1 }, { schemaVersion: 5, compatibleFrom: 2 }, 'ack'],
    [
      { schemaVersion: 2, compatibleFrom: 1 },
      { schemaVersion: 3, compatibleFrom: 3 },
      `incompatible schemas: schema version 2 here (syncs with 1 and later), 3 on ${PEER} (syncs with 3 and later); ${upgrade('this device')}`,
    ],
    // This device at 3, after a breaking change: a device at 1 or 2 must upgrade.
    [
      { schemaVersion: 3, compatibleFrom: 3 },
      { schemaVersion: 1, compatibleFrom: 1 },
      `incompatible schemas: schema version 3 here (syncs with 3 and later), 1 on ${PEER} (syncs with 1 and later); ${upgrade(PEER)}`,
    ],
    [
      { schemaVersion: 3, compatibleFrom: 3 },
      { schemaVersion: 2, compatibleFrom: 1 },
      `incompatible schemas: schema version 3 here (syncs with 3 and later), 2 on ${PEER} (syncs with 1 and later); ${upgrade(PEER)}`,
    ],
  ];
  for (const [mine, theirs, expected] of cases) {
    const { calls, details, dispatch } = dispatcher(mine);
    dispatch.dispatch(PEER, frame({ type: 'AckSharedChanges', upTo: new Map() }, theirs));
    const label = `${JSON.stringify(mine)} receives ${JSON.stringify(theirs)}`;
    if (expected === 'ack') {
      assert.equal([calls, details], [['ack'], []], label);
    } else {
      assert.equal([calls, details], [['invalid schema-mismatch'], [expected]], label);
    }
  }
  // Each such frame counts as invalid: a peer that keeps sending them is disconnected.
  const { calls, dispatch } = dispatcher({ schemaVersion: 3, compatibleFrom: 3 });
  for (let index = 0; index < MAX_INVALID_FRAMES; index += 1) dispatch.dispatch(PEER, frame({ type: 'Members', members: [] }, SCHEMA));
  assert.equal(calls, ['invalid schema-mismatch', 'invalid schema-mismatch', 'invalid schema-mismatch', 'disconnect too-many-invalid']);
});

test("a peer's Error text is cut and cleaned before the engine logs it", () => {
  const { calls, dispatch } = dispatcher();
  dispatch.dispatch(PEER, frame({ type: 'Error', code: `bad\n${'c'.repeat(200)}`, message: `\u001b[2J${'m'.repeat(10_000)}` }));
  assert.is(calls.length, 1);
  assert.ok(calls[0]!.length < 600 && !calls[0]!.includes('\u001b') && !calls[0]!.includes('\n'), calls[0]);
});

test('a StateRequest for a model this device does not know: answered for a newer peer, invalid from one of the same or an older version', () => {
  const mine: SchemaCompatibility = { schemaVersion: 2, compatibleFrom: 1 };
  const unknown = (schemaVersion: number) => frame({ type: 'StateRequest', model: 4, after: null, limit: 10 }, { schemaVersion, compatibleFrom: 1 });
  const { calls, details, dispatch } = dispatcher(mine);
  for (const version of [3, 2, 1]) dispatch.dispatch(PEER, unknown(version));
  dispatch.dispatch(PEER, frame({ type: 'StateRequest', model: 1, after: null, limit: 10 }, SCHEMA));
  assert.equal(calls, ['stateRequest', 'invalid unknown-model', 'invalid unknown-model', 'stateRequest']);
  assert.equal(details, ['StateRequest for unknown model 4', 'StateRequest for unknown model 4']);
});

test('a Models message goes to the models handler with its lists', () => {
  const { calls, dispatch } = dispatcher();
  dispatch.dispatch(PEER, frame({ type: 'Models', known: [3, 1, 2], held: [7], request: true }));
  dispatch.dispatch(PEER, frame({ type: 'Models', known: [1], held: [], request: false }));
  assert.equal(calls, ['models 3,1,2 / 7 request', 'models 1 / ']);
});

test('a Members message goes to the members handler', () => {
  const { calls, dispatch } = dispatcher();
  dispatch.dispatch(PEER, frame({ type: 'Members', members: [] }));
  assert.equal(calls, ['members']);
});

test.run();
