/**
 * Column codecs: the conversion between a field's TypeScript value and its SQLite column.
 *
 * Generated adapters pick one codec per field (`columns.nullable(columns.dateTime)`); the runtime
 * calls `encode` on every value that enters the database, so a value that the field cannot hold is
 * refused with a `ValueError` before any SQL runs. Codecs are pure and hold no state.
 */
import { SyncError } from '../core/errors.js';
import type { SqlValue } from '../core/sql-value.js';
import { UUID_PATTERN } from '../core/uuid.js';

/** A value that a field cannot hold. The runtime adds the model and field to the message. */
export class ValueError extends SyncError {
  constructor(
    /** What the field accepts, e.g. `an integer between 0 and 5`. */
    readonly expected: string,
    /** The value that was refused. */
    readonly received: unknown,
  ) {
    super('invalid-value', `expected ${expected}, got ${describeValue(received)}`);
  }
}

export interface ColumnCodec<T> {
  /** What the column accepts, for error messages. */
  readonly expected: string;
  /** TS value to column value. Throws `ValueError` for a value the field cannot hold. */
  encode(value: unknown): SqlValue;
  /** Column value (as better-sqlite3 returns it) to TS value. */
  decode(column: SqlValue): T;
}

export interface TextConstraints {
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
}

export interface NumberConstraints {
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
}

// A key may be given in upper case; it is stored in lower case.
const ANY_CASE_UUID = new RegExp(UUID_PATTERN.source, 'i');
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function text(constraints: TextConstraints = {}): ColumnCodec<string> {
  const pattern = constraints.pattern === undefined ? undefined : new RegExp(constraints.pattern, 'u');
  const expected = ['a string', describeLength(constraints), pattern ? `matching /${constraints.pattern}/` : ''].filter(Boolean).join(' ');
  return {
    expected,
    encode(value) {
      if (typeof value !== 'string') throw new ValueError(expected, value);
      if (!withinLength(value, constraints)) throw new ValueError(expected, value);
      if (pattern && !pattern.test(value)) throw new ValueError(expected, value);
      return value;
    },
    decode: (column) => column as string,
  };
}

/**
 * Lengths count code points, as JSON Schema does. A string of n UTF-16 units has between n/2 and n
 * code points, so most strings are decided without counting them.
 */
function withinLength(value: string, { minLength, maxLength }: TextConstraints): boolean {
  const units = value.length;
  const sure = (minLength === undefined || units >= 2 * minLength) && (maxLength === undefined || units <= maxLength);
  if (sure) return true;
  let points = 0;
  for (const _ of value) points += 1;
  return (minLength === undefined || points >= minLength) && (maxLength === undefined || points <= maxLength);
}

function numeric(integer: boolean, constraints: NumberConstraints = {}): ColumnCodec<number> {
  const expected = [integer ? 'an integer' : 'a finite number', describeRange(constraints)].filter(Boolean).join(' ');
  return {
    expected,
    encode(value) {
      if (typeof value !== 'number' || !(integer ? Number.isSafeInteger(value) : Number.isFinite(value))) {
        throw new ValueError(expected, value);
      }
      const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = constraints;
      if (
        (minimum !== undefined && value < minimum) ||
        (maximum !== undefined && value > maximum) ||
        (exclusiveMinimum !== undefined && value <= exclusiveMinimum) ||
        (exclusiveMaximum !== undefined && value >= exclusiveMaximum)
      ) {
        throw new ValueError(expected, value);
      }
      return value;
    },
    decode: (column) => Number(column),
  };
}

const BOOLEAN = 'a boolean';
const boolean: ColumnCodec<boolean> = {
  expected: BOOLEAN,
  encode(value) {
    if (typeof value !== 'boolean') throw new ValueError(BOOLEAN, value);
    return value ? 1 : 0;
  },
  decode: (column) => column === 1 || column === 1n,
};

/** UUIDs are stored in lower case so that one record never has two spellings of its key. */
const UUID_TEXT = 'a UUID (8-4-4-4-12 hex digits)';
const uuid: ColumnCodec<string> = {
  expected: UUID_TEXT,
  encode(value) {
    if (typeof value !== 'string' || !ANY_CASE_UUID.test(value)) throw new ValueError(UUID_TEXT, value);
    return value.toLowerCase();
  },
  decode: (column) => column as string,
};

/** RFC 3339 date-times are stored as given, so every device holds the same text. */
const DATE_TIME_TEXT = 'an RFC 3339 date-time such as 2024-05-01T12:00:00Z';
const dateTime: ColumnCodec<string> = {
  expected: DATE_TIME_TEXT,
  encode(value) {
    if (typeof value !== 'string' || !DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
      throw new ValueError(DATE_TIME_TEXT, value);
    }
    return value;
  },
  decode: (column) => column as string,
};

function enumOf<V extends string | number>(values: readonly V[]): ColumnCodec<V> {
  const expected = `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
  const allowed = new Set<unknown>(values);
  return {
    expected,
    encode(value) {
      if (!allowed.has(value)) throw new ValueError(expected, value);
      return value as V;
    },
    decode: (column) => (typeof column === 'bigint' ? Number(column) : column) as V,
  };
}

/** JSON objects or arrays, stored as JSON text. */
function json<T>(shape: 'object' | 'array'): ColumnCodec<T> {
  const expected = shape === 'array' ? 'a JSON array' : 'a JSON object';
  return {
    expected,
    encode(value) {
      const isArray = Array.isArray(value);
      if (typeof value !== 'object' || value === null || isArray !== (shape === 'array')) {
        throw new ValueError(expected, value);
      }
      try {
        return JSON.stringify(value);
      } catch {
        throw new ValueError(`${expected} that JSON.stringify accepts`, value);
      }
    },
    decode: (column) => JSON.parse(column as string) as T,
  };
}

function nullable<T>(inner: ColumnCodec<T>): ColumnCodec<T | null> {
  const expected = `${inner.expected} or null`;
  return {
    expected,
    encode(value) {
      if (value === null) return null;
      try {
        return inner.encode(value);
      } catch (error) {
        if (error instanceof ValueError) throw new ValueError(expected, value);
        throw error;
      }
    },
    decode: (column) => (column === null ? null : inner.decode(column)),
  };
}

/** The codecs that generated adapters use, one per field kind. */
export const columns = {
  text,
  integer: (constraints?: NumberConstraints) => numeric(true, constraints),
  number: (constraints?: NumberConstraints) => numeric(false, constraints),
  boolean,
  uuid,
  dateTime,
  enumOf,
  json,
  nullable,
} as const;

function describeLength({ minLength, maxLength }: TextConstraints): string {
  if (minLength !== undefined && maxLength !== undefined) return `of ${minLength} to ${maxLength} characters`;
  const characters = (count: number) => `${count} character${count === 1 ? '' : 's'}`;
  if (minLength !== undefined) return `of at least ${characters(minLength)}`;
  if (maxLength !== undefined) return `of at most ${characters(maxLength)}`;
  return '';
}

function describeRange({ minimum, maximum, exclusiveMinimum, exclusiveMaximum }: NumberConstraints): string {
  const bounds = [
    minimum !== undefined ? `>= ${minimum}` : '',
    exclusiveMinimum !== undefined ? `> ${exclusiveMinimum}` : '',
    maximum !== undefined ? `<= ${maximum}` : '',
    exclusiveMaximum !== undefined ? `< ${exclusiveMaximum}` : '',
  ].filter(Boolean);
  return bounds.length ? bounds.join(' and ') : '';
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  try {
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
