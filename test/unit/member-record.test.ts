/**
 * The membership CRDT (`core/member-record.ts`): over generated records of one device, `mergeMember`
 * is commutative, associative and idempotent (so devices that saw the same records hold the same
 * one, whatever the order), a removal stays removed, the earliest cut wins, and two keys for one
 * device id give a conflict that admits neither.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isMember, mergeMember, sameMember, type MemberRecord } from '../../runtime/core/member-record.js';

const SEED = Number(process.env.MEMBER_SEED ?? 20260107);
const DEVICE = '0000000d-0000-4000-8000-00000000000d';
// Few writers, keys and times, so ties and equal fields are common: the tie-breaks are exercised.
const writer = fc.constantFrom('0000000a-0000-4000-8000-00000000000a', '0000000b-0000-4000-8000-00000000000b', '0000000c-0000-4000-8000-00000000000c');
const fingerprint = fc.constantFrom('1'.repeat(64), '2'.repeat(64), 'f'.repeat(64));
const time = fc.integer({ min: 0, max: 5 });

/** Records of one device, of the shapes devices write: a removal has its remover and time; a cut comes with a removal. */
const record: fc.Arbitrary<MemberRecord> = fc
  .record({
    fingerprint,
    addedBy: writer,
    addedAt: time,
    removal: fc.option(fc.record({ by: writer, at: time, cut: fc.option(fc.nat(20), { nil: null }) }), { nil: null }),
    conflict: fc.boolean(),
  })
  .map(({ removal, ...rest }) => ({
    device: DEVICE,
    ...rest,
    removedBy: removal?.by ?? null,
    removedAt: removal?.at ?? null,
    removedAfterSeq: removal?.cut ?? null,
  }));

const RUNS = { seed: SEED, numRuns: 2000 };

function same(actual: MemberRecord, expected: MemberRecord): boolean {
  if (sameMember(actual, expected)) return true;
  // uvu's diff says which field differs.
  assert.equal(actual, expected);
  return false;
}

test('commutative: merge(a, b) = merge(b, a)', () => {
  fc.assert(
    fc.property(record, record, (a, b) => same(mergeMember(a, b), mergeMember(b, a))),
    RUNS,
  );
});

test('associative: merge(merge(a, b), c) = merge(a, merge(b, c))', () => {
  fc.assert(
    fc.property(record, record, record, (a, b, c) => same(mergeMember(mergeMember(a, b), c), mergeMember(a, mergeMember(b, c)))),
    RUNS,
  );
});

test('idempotent: merge(a, a) = a, and merging a record again changes nothing', () => {
  fc.assert(
    fc.property(record, record, (a, b) => {
      const merged = mergeMember(a, b);
      return same(mergeMember(a, a), a) && same(mergeMember(merged, b), merged) && same(mergeMember(merged, a), merged);
    }),
    RUNS,
  );
});

test('any order of delivery gives the same record', () => {
  fc.assert(
    fc.property(
      fc
        .array(record, { minLength: 1, maxLength: 6 })
        .chain((records) => fc.tuple(fc.constant(records), fc.shuffledSubarray(records, { minLength: records.length }))),
      ([records, shuffled]) => same(shuffled.reduce(mergeMember), records.reduce(mergeMember)),
    ),
    RUNS,
  );
});

test('a removal stays removed, and the earliest cut wins', () => {
  fc.assert(
    fc.property(record, record, (a, b) => {
      const merged = mergeMember(a, b);
      const cuts = [a.removedAfterSeq, b.removedAfterSeq].filter((cut): cut is number => cut !== null);
      assert.is(merged.removedAfterSeq, cuts.length === 0 ? null : Math.min(...cuts));
      if (a.removedBy !== null || b.removedBy !== null) {
        assert.ok(merged.removedBy !== null && merged.removedAt !== null, 'removed');
        assert.not.ok(isMember(merged));
      }
      return true;
    }),
    RUNS,
  );
});

test('the earliest removal is kept, ties broken by the remover: the same on every device', () => {
  const base: MemberRecord = {
    device: DEVICE,
    fingerprint: '1'.repeat(64),
    addedBy: DEVICE,
    addedAt: 0,
    removedBy: null,
    removedAt: null,
    removedAfterSeq: null,
    conflict: false,
  };
  const byB = { ...base, removedBy: '0000000b-0000-4000-8000-00000000000b', removedAt: 7, removedAfterSeq: 9 };
  const byA = { ...base, removedBy: '0000000a-0000-4000-8000-00000000000a', removedAt: 7, removedAfterSeq: 12 };
  const later = { ...base, removedBy: '0000000a-0000-4000-8000-00000000000a', removedAt: 8, removedAfterSeq: 3 };
  assert.equal(mergeMember(byB, byA), { ...byA, removedAfterSeq: 9 });
  assert.equal(mergeMember(mergeMember(byB, later), byA), { ...byA, removedAfterSeq: 3 });
  assert.equal(mergeMember(base, later), later);
});

test('two keys for one device id: a conflict, whichever order, and neither key is a member', () => {
  fc.assert(
    fc.property(record, record, (a, b) => {
      const merged = mergeMember(a, b);
      if (a.fingerprint !== b.fingerprint) {
        assert.ok(merged.conflict);
        assert.not.ok(isMember(merged));
      }
      assert.is(merged.conflict, a.conflict || b.conflict || a.fingerprint !== b.fingerprint);
      return true;
    }),
    RUNS,
  );
});

test.run();
