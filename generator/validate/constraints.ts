/**
 * A field's constraint keywords (`minLength`, `maximum`, ...). Which kind takes which keyword is the
 * runtime's field-kind table (`FIELD_KINDS[kind].constraints`), the same table the codecs that
 * enforce them are built from; this module checks each value's shape and that it applies.
 */
import { FIELD_KINDS, type ConstraintKeyword, type FieldKind } from 'syncgen/contract';
import type { FieldConstraints } from '../model-spec.js';
import type { Report } from './issue-list.js';
import { JSON_TYPING_KEYWORDS } from './keywords.js';
import type { Json } from './schema-json.js';

const KINDS = Object.keys(FIELD_KINDS) as FieldKind[];
/** Every constraint keyword, in the table's order (which is also the key order of a field's constraints). */
const CONSTRAINT_KEYWORDS = [...new Set(KINDS.flatMap((kind) => FIELD_KINDS[kind].constraints))];

/** What is wrong with a constraint, and how to fix it. */
interface Problem {
  readonly problem: string;
  readonly fix: string;
}

/** What a constraint's value must be: the problem with `value`, or undefined when it is fine. */
const VALUE_RULES: { readonly [K in ConstraintKeyword]: (value: unknown) => Problem | undefined } = {
  minLength: nonNegativeInteger('minLength'),
  maxLength: nonNegativeInteger('maxLength'),
  pattern: (value) =>
    typeof value === 'string' && compiles(value) ? undefined : { problem: 'pattern is not a valid regular expression', fix: 'Fix the pattern' },
  minimum: finiteNumber('minimum'),
  maximum: finiteNumber('maximum'),
  exclusiveMinimum: finiteNumber('exclusiveMinimum'),
  exclusiveMaximum: finiteNumber('exclusiveMaximum'),
};

export function parseConstraints(schema: Json, at: string, kind: FieldKind, report: Report): FieldConstraints {
  const constraints: Record<string, unknown> = {};
  for (const keyword of CONSTRAINT_KEYWORDS) {
    const value = schema[keyword];
    if (value === undefined) continue;
    const found = FIELD_KINDS[kind].constraints.includes(keyword)
      ? VALUE_RULES[keyword](value)
      : { problem: `${keyword} applies to ${kindsTaking(keyword)} fields, not ${kind}`, fix: `Remove "${keyword}"` };
    if (found) report('invalid-value', `${at}/${keyword}`, found.problem, found.fix);
    else constraints[keyword] = value;
  }
  if (kind !== 'json') {
    for (const keyword of JSON_TYPING_KEYWORDS) {
      if (schema[keyword] !== undefined) {
        report('invalid-value', `${at}/${keyword}`, `${keyword} applies to object and array fields, not ${kind}`, `Remove "${keyword}"`);
      }
    }
  }
  return constraints as FieldConstraints;
}

/** `plain string`, `integer and number`: the kinds whose row lists the keyword. */
function kindsTaking(keyword: ConstraintKeyword): string {
  // The kind `string` is a string without a format: uuid and dateTime are JSON strings too.
  return KINDS.filter((kind) => FIELD_KINDS[kind].constraints.includes(keyword))
    .map((kind) => (kind === 'string' ? 'plain string' : kind))
    .join(' and ');
}

function nonNegativeInteger(keyword: ConstraintKeyword): (value: unknown) => Problem | undefined {
  return (value) =>
    Number.isSafeInteger(value) && (value as number) >= 0 ? undefined : { problem: `${keyword} must be a non-negative integer`, fix: `Fix "${keyword}"` };
}

function finiteNumber(keyword: ConstraintKeyword): (value: unknown) => Problem | undefined {
  return (value) => (typeof value === 'number' && Number.isFinite(value) ? undefined : { problem: `${keyword} must be a number`, fix: `Fix "${keyword}"` });
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}
