/**
 * Snapshot counts on the wire, within protocol version 6 (`runtime/protocol/messages.ts`): a
 * puller asks with `COUNTS_FLAG` added to a StateRequest's limit, which a device that predates
 * counts clamps to its page size as it clamps any limit; the answer carries `counts` as a fifth
 * field only when asked, so a device that predates it never receives one. Hostile counts are
 * `WireError`s.
 */
import { Packr, Unpackr } from 'msgpackr';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COUNTS_FLAG, PROTOCOL_VERSION, type SyncMessage } from '../../runtime/protocol/messages.js';
import { decodeEnvelope, encodeEnvelope, WireError } from '../../runtime/protocol/wire-codec.js';

const LIBRARY = '00000000-0000-4000-8000-000000000001';
const RECORD = '00000000-0000-4000-8000-0000000000aa';
const ORIGIN = '0000000a-0000-4000-8000-00000000000a';
const SCHEMA = { schemaVersion: 1, compatibleFrom: 1 };
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
const packr = new Packr({ useRecords: false, mapsAsObjects: true });

const frame = (message: SyncMessage) => encodeEnvelope({ version: PROTOCOL_VERSION, libraryId: LIBRARY, schema: SCHEMA, message });
const body = (bytes: Uint8Array) => (unpackr.unpack(bytes) as unknown[])[4] as unknown[];
const roundTrip = (message: SyncMessage) => decodeEnvelope(frame(message)).message;

test('a StateRequest asking for counts: the flag rides in the limit, which an older device clamps to its page size', () => {
  const asking = frame({ type: 'StateRequest', model: 3, after: null, limit: 2048, counts: true });
  const limit = body(asking)[2] as number;
  assert.is(limit, 2048 + COUNTS_FLAG);
  assert.is(Math.min(limit, 2048), 2048, 'what a device that predates counts serves: one ordinary page');
  assert.equal(roundTrip({ type: 'StateRequest', model: 3, after: RECORD, limit: 2048, counts: true }), {
    type: 'StateRequest',
    model: 3,
    after: RECORD,
    limit: 2048,
    counts: true,
  });
  assert.equal(body(frame({ type: 'StateRequest', model: 3, after: null, limit: 2048 }))[2], 2048);
  assert.equal(roundTrip({ type: 'StateRequest', model: 3, after: null, limit: 2048, counts: false }), {
    type: 'StateRequest',
    model: 3,
    after: null,
    limit: 2048,
  });
});

test('a StateResponse has 4 fields unless counts were asked, then 5', () => {
  const page = { type: 'StateResponse', model: 3, records: [], next: null, reflects: new Map([[ORIGIN, 7]]) } as const;
  assert.is(body(frame(page)).length, 4, 'what a device that predates counts decodes');
  assert.equal(roundTrip(page), page);
  const counted = {
    ...page,
    counts: new Map([
      [3, 120],
      [5, 0],
      [900, 4],
    ]),
  };
  assert.is(body(frame(counted)).length, 5);
  assert.equal(roundTrip(counted), counted);
});

test('hostile counts are WireErrors', () => {
  const reflects = [[Buffer.from(ORIGIN.replaceAll('-', ''), 'hex'), 7]];
  const response = (counts: unknown, extra: unknown[] = []) =>
    packr.pack([PROTOCOL_VERSION, Buffer.from(LIBRARY.replaceAll('-', ''), 'hex'), [1, 1], 4, [3, [], null, reflects, counts, ...extra]]);
  for (const [counts, extra] of [
    ['many', []],
    [
      [
        [3, 1],
        [3, 2],
      ],
      [],
    ],
    [[[0, 1]], []],
    [[[70_000, 1]], []],
    [[[3, -1]], []],
    [[[3]], []],
    [[[3, 1]], ['a sixth field']],
  ] as [unknown, unknown[]][]) {
    try {
      decodeEnvelope(response(counts, extra));
      assert.unreachable(`accepted ${JSON.stringify(counts)}`);
    } catch (error) {
      assert.instance(error, WireError);
      assert.is((error as WireError).code, 'malformed');
    }
  }
});

test.run();
