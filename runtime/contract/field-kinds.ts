/**
 * The field kinds of the schema language, one row each: how a schema declares it, which
 * constraint keywords it takes, its TypeScript type, its SQLite column type, the type Kysely reads
 * from that column, and its column codec (which validates every value on its way in). The
 * generator and the runtime both read this table, so adding a kind is one row here plus its codec
 * in `column-codecs.ts`.
 */
import { columns, type ColumnCodec, type NumberConstraints, type TextConstraints } from './column-codecs.js';

export type FieldKind = 'string' | 'integer' | 'number' | 'boolean' | 'uuid' | 'dateTime' | 'enum' | 'json';

export type SqlType = 'text' | 'integer' | 'real' | 'blob';

export type FieldConstraints = TextConstraints & NumberConstraints;

export type ConstraintKeyword = keyof FieldConstraints;

/** A field as far as its kind needs to know it. */
export interface FieldShape {
  readonly kind: FieldKind;
  readonly nullable: boolean;
  /** An enum field's allowed values (all strings or all integers). */
  readonly enumValues?: readonly (string | number)[] | undefined;
  /** A json field's value: an object or an array. */
  readonly jsonShape?: 'object' | 'array' | undefined;
  readonly constraints?: FieldConstraints;
}

/** A JSON Schema `type` (with its `format`) that declares a kind. */
export interface Declaration {
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';
  readonly format?: string;
}

/** The factories of `columns` a kind's codec comes from (`nullable` wraps any of them). */
export type CodecFactory = Exclude<keyof typeof columns, 'nullable'>;

export interface FieldKindRow {
  /** How a schema declares the kind; empty for `enum`, which its `enum` values declare. */
  readonly declaredAs: readonly Declaration[];
  /** The constraint keywords a field of the kind may carry. */
  readonly constraints: readonly ConstraintKeyword[];
  /** The TypeScript type of a value as the app sees it (null aside). */
  tsType(field: FieldShape): string;
  /** The SQLite column type. */
  sqlType(field: FieldShape): SqlType;
  /** The TypeScript type of the stored column, as Kysely reads it (null aside). */
  storedType(field: FieldShape): string;
  /** The codec: a factory of `columns` and its arguments, or null arguments for a codec that is a value. */
  codec(field: FieldShape): { readonly factory: CodecFactory; readonly args: readonly unknown[] | null };
}

const TEXT: readonly ConstraintKeyword[] = ['minLength', 'maxLength', 'pattern'];
const NUMBER: readonly ConstraintKeyword[] = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'];

/** The field's constraints as the one argument of a codec factory, or no argument. */
const constrained = (field: FieldShape): unknown[] => (field.constraints && Object.keys(field.constraints).length > 0 ? [field.constraints] : []);
const literalUnion = (field: FieldShape): string =>
  (field.enumValues ?? []).map((value) => (typeof value === 'string' ? tsStringLiteral(value) : String(value))).join(' | ');
const text = (): SqlType => 'text';
const string = (): string => 'string';
const number = (): string => 'number';

export const FIELD_KINDS: { readonly [K in FieldKind]: FieldKindRow } = {
  string: {
    declaredAs: [{ type: 'string' }],
    constraints: TEXT,
    tsType: string,
    sqlType: text,
    storedType: string,
    codec: (field) => ({ factory: 'text', args: constrained(field) }),
  },
  uuid: {
    declaredAs: [{ type: 'string', format: 'uuid' }],
    constraints: [],
    tsType: string,
    sqlType: text,
    storedType: string,
    codec: () => ({ factory: 'uuid', args: null }),
  },
  dateTime: {
    declaredAs: [{ type: 'string', format: 'date-time' }],
    constraints: [],
    tsType: string,
    sqlType: text,
    storedType: string,
    codec: () => ({ factory: 'dateTime', args: null }),
  },
  integer: {
    declaredAs: [{ type: 'integer' }],
    constraints: NUMBER,
    tsType: number,
    sqlType: () => 'integer',
    storedType: number,
    codec: (field) => ({ factory: 'integer', args: constrained(field) }),
  },
  number: {
    declaredAs: [{ type: 'number' }],
    constraints: NUMBER,
    tsType: number,
    sqlType: () => 'real',
    storedType: number,
    codec: (field) => ({ factory: 'number', args: constrained(field) }),
  },
  boolean: {
    declaredAs: [{ type: 'boolean' }],
    constraints: [],
    tsType: () => 'boolean',
    // SQLite has no boolean: 0 or 1.
    sqlType: () => 'integer',
    storedType: number,
    codec: () => ({ factory: 'boolean', args: null }),
  },
  enum: {
    declaredAs: [],
    constraints: [],
    tsType: literalUnion,
    sqlType: (field) => (typeof field.enumValues?.[0] === 'number' ? 'integer' : 'text'),
    storedType: literalUnion,
    codec: (field) => ({ factory: 'enumOf', args: [field.enumValues ?? []] }),
  },
  json: {
    declaredAs: [{ type: 'object' }, { type: 'array' }],
    constraints: [],
    // The generated record type is precise (from the nested schema); the kind alone knows only the shape.
    tsType: (field) => (field.jsonShape === 'array' ? 'unknown[]' : 'Record<string, unknown>'),
    sqlType: text,
    storedType: string,
    codec: (field) => ({ factory: 'json', args: [field.jsonShape ?? 'object'] }),
  },
};

/** The kind a JSON Schema `type` and `format` declare, or undefined. */
export function kindDeclaredAs(type: string, format: string | undefined): FieldKind | undefined {
  for (const kind of Object.keys(FIELD_KINDS) as FieldKind[]) {
    if (FIELD_KINDS[kind].declaredAs.some((declared) => declared.type === type && declared.format === format)) return kind;
  }
  return undefined;
}

/** The codec of a field, as its generated adapter has it. */
export function codecFor(field: FieldShape): ColumnCodec<unknown> {
  const { factory, args } = FIELD_KINDS[field.kind].codec(field);
  const made = columns[factory];
  const codec = (args === null ? made : (made as (...a: unknown[]) => ColumnCodec<unknown>)(...args)) as ColumnCodec<unknown>;
  return field.nullable ? columns.nullable(codec) : codec;
}

/** A string as a single-quoted TypeScript literal (the generator prints every string this way). */
export function tsStringLiteral(text: string): string {
  return `'${JSON.stringify(text).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}
