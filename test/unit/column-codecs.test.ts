/**
 * Column codecs: what each field kind stores, what it refuses, and the round trip back.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { columns, ValueError, type ColumnCodec } from '../../runtime/contract/column-codecs.js';

function refused(codec: ColumnCodec<unknown>, value: unknown): string {
  try {
    codec.encode(value);
  } catch (error) {
    assert.instance(error, ValueError);
    return (error as ValueError).message;
  }
  assert.unreachable(`${JSON.stringify(value)} was accepted`);
  return '';
}

test('text with length and pattern constraints', () => {
  const codec = columns.text({ minLength: 1, maxLength: 7, pattern: '^#[0-9a-f]{6}$' });
  assert.is(codec.encode('#00ff00'), '#00ff00');
  assert.is(refused(codec, '#00FF00'), 'expected a string of 1 to 7 characters matching /^#[0-9a-f]{6}$/, got "#00FF00"');
  assert.is(refused(codec, 7), 'expected a string of 1 to 7 characters matching /^#[0-9a-f]{6}$/, got 7');
  assert.is(columns.text({ maxLength: 2 }).encode('😀😀'), '😀😀', 'lengths count characters, not UTF-16 units');
  assert.is(refused(columns.text({ maxLength: 2 }), '😀😀😀'), 'expected a string of at most 2 characters, got "😀😀😀"');
  assert.is(columns.text({ minLength: 2 }).encode('😀a'), '😀a');
  assert.is(refused(columns.text({ minLength: 2 }), '😀'), 'expected a string of at least 2 characters, got "😀"');
  assert.is(refused(columns.text({ minLength: 1 }), ''), 'expected a string of at least 1 character, got ""');
});

test('integers and numbers with ranges', () => {
  const rating = columns.integer({ minimum: 0, maximum: 5 });
  assert.is(rating.encode(5), 5);
  assert.is(refused(rating, 6), 'expected an integer >= 0 and <= 5, got 6');
  assert.is(refused(rating, 2.5), 'expected an integer >= 0 and <= 5, got 2.5');
  assert.is(refused(columns.integer(), 2 ** 53), 'expected an integer, got 9007199254740992');
  assert.is(refused(columns.number(), Number.NaN), 'expected a finite number, got null');
  assert.is(columns.number({ exclusiveMinimum: 0 }).encode(0.5), 0.5);
  assert.is(refused(columns.number({ exclusiveMinimum: 0 }), 0), 'expected a finite number > 0, got 0');
  assert.is(rating.decode(3n), 3);
});

test('booleans as 0 and 1', () => {
  assert.is(columns.boolean.encode(true), 1);
  assert.is(columns.boolean.encode(false), 0);
  assert.is(columns.boolean.decode(1), true);
  assert.is(columns.boolean.decode(0), false);
  assert.is(refused(columns.boolean, 1), 'expected a boolean, got 1');
});

test('UUIDs are stored in lower case; date-times as given when RFC 3339', () => {
  assert.is(columns.uuid.encode('0A0B0C0D-0000-4000-8000-00000000000F'), '0a0b0c0d-0000-4000-8000-00000000000f');
  assert.is(refused(columns.uuid, 'not-a-uuid'), 'expected a UUID (8-4-4-4-12 hex digits), got "not-a-uuid"');
  assert.is(columns.dateTime.encode('2024-05-01T12:00:00.123+02:00'), '2024-05-01T12:00:00.123+02:00');
  assert.is(refused(columns.dateTime, '2024-05-01'), 'expected an RFC 3339 date-time such as 2024-05-01T12:00:00Z, got "2024-05-01"');
  assert.is(refused(columns.dateTime, '2024-13-45T99:00:00Z'), 'expected an RFC 3339 date-time such as 2024-05-01T12:00:00Z, got "2024-13-45T99:00:00Z"');
});

test('enums of strings or integers', () => {
  assert.is(columns.enumOf(['file', 'directory']).encode('file'), 'file');
  assert.is(refused(columns.enumOf(['file', 'directory']), 'link'), 'expected one of "file", "directory", got "link"');
  assert.is(columns.enumOf([1, 2, 3]).decode(2n), 2);
});

test('JSON objects and arrays as text, of the declared shape', () => {
  const object = columns.json<{ a: number[] }>('object');
  assert.is(object.encode({ a: [1, 2] }), '{"a":[1,2]}');
  assert.equal(object.decode('{"a":[1,2]}'), { a: [1, 2] });
  assert.is(refused(object, [1]), 'expected a JSON object, got [1]');
  assert.is(refused(columns.json('array'), { a: 1 }), 'expected a JSON array, got {"a":1}');
  assert.is(refused(object, { big: 1n }), 'expected a JSON object that JSON.stringify accepts, got [object Object]');
});

test('nullable wraps any codec', () => {
  const codec = columns.nullable(columns.integer({ minimum: 0 }));
  assert.is(codec.encode(null), null);
  assert.is(codec.decode(null), null);
  assert.is(codec.encode(3), 3);
  assert.is(refused(codec, -1), 'expected an integer >= 0 or null, got -1');
  assert.is(refused(codec, undefined), 'expected an integer >= 0 or null, got undefined');
});

test.run();
