/**
 * A field's kind from its JSON Schema `type`, `format` and `enum`. Which type and format declare
 * which kind is the runtime's field-kind table (`FIELD_KINDS`); this module adds what the table
 * leaves to the schema: nullability, enums, and a reason for every declaration that names no kind.
 */
import { FIELD_KINDS, kindDeclaredAs } from 'syncgen/contract';
import type { FieldSpec } from '../model-spec.js';
import type { Report } from './issue-list.js';
import { suggestion } from './keywords.js';
import type { Json } from './schema-json.js';

export type FieldType = Pick<FieldSpec, 'kind' | 'nullable' | 'enumValues' | 'jsonShape'>;

const declarations = Object.values(FIELD_KINDS).flatMap((row) => row.declaredAs);
/** Every JSON Schema type a kind is declared with, then `null`, which makes any of them nullable. */
const TYPE_NAMES = [...new Set(declarations.map((declared) => declared.type)), 'null'];
/** The string formats that declare a kind. */
const FORMATS = declarations.flatMap((declared) => (declared.format === undefined ? [] : [declared.format]));

/** The column type of a field schema, or undefined after reporting why it has none. */
export function fieldType(schema: Json, at: string, report: Report): FieldType | undefined {
  const declared = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  for (const [position, typeName] of declared.entries()) {
    if (typeof typeName !== 'string' || !TYPE_NAMES.includes(typeName)) {
      const pointer = Array.isArray(schema.type) ? `${at}/type/${position}` : `${at}/type`;
      report('unstorable-type', pointer, `unknown type ${JSON.stringify(typeName)}`, suggestion(String(typeName), TYPE_NAMES, 'Use one of'));
      return undefined;
    }
  }
  const types = [...new Set(declared as string[])].filter((typeName) => typeName !== 'null');
  if (schema.enum !== undefined) return enumType(schema, declared as string[], types, at, report);

  if (declared.length === 0) {
    report(
      'unstorable-type',
      at,
      'the field has no type',
      'Add "type": "string", "integer", "number", "boolean", "object" or "array" (add "null" to allow null)',
    );
    return undefined;
  }
  if (types.length === 0) {
    report('unstorable-type', `${at}/type`, 'a field whose only type is null stores nothing', 'Give it a value type, e.g. ["string", "null"]');
    return undefined;
  }
  if (types.length > 1) {
    report(
      'unstorable-type',
      `${at}/type`,
      `a field holds one type, not ${types.join(' or ')}`,
      'Pick one type (with "null" for optional values), or use "type": "object" to store mixed values as JSON',
    );
    return undefined;
  }
  const typeName = types[0]!;
  const format = schema.format;
  if (format !== undefined && typeName !== 'string') {
    report('invalid-value', `${at}/format`, `"format" applies to string fields, not ${typeName}`, 'Remove "format"');
    return undefined;
  }
  const kind = kindDeclaredAs(typeName, format as string | undefined);
  if (kind === undefined) {
    // Every type name declares a kind on its own, so only a string format can be unknown here.
    report(
      'unstorable-type',
      `${at}/format`,
      `the string format ${JSON.stringify(format)} is not supported`,
      suggestion(String(format), FORMATS, 'Use one of'),
    );
    return undefined;
  }
  return { nullable: declared.includes('null'), enumValues: undefined, jsonShape: kind === 'json' ? (typeName as 'object' | 'array') : undefined, kind };
}

/** An `enum` declares its own kind: its values are all strings or all integers, plus null perhaps. */
function enumType(schema: Json, declared: readonly string[], types: readonly string[], at: string, report: Report): FieldType | undefined {
  const values = schema.enum;
  if (!Array.isArray(values) || values.length === 0) {
    report('invalid-value', `${at}/enum`, 'enum must be a non-empty array', 'List the allowed values, e.g. ["file", "directory"]');
    return undefined;
  }
  const nonNull = values.filter((value) => value !== null);
  const allText = nonNull.length > 0 && nonNull.every((value) => typeof value === 'string');
  const allIntegers = nonNull.length > 0 && nonNull.every((value) => Number.isSafeInteger(value));
  if (!allText && !allIntegers) {
    report(
      'unstorable-type',
      `${at}/enum`,
      'enum values must be all strings or all integers (null may be added)',
      'Split the values, or store them as JSON with "type": "object"',
    );
    return undefined;
  }
  const valueType = allText ? 'string' : 'integer';
  if (types.some((typeName) => typeName !== valueType)) {
    report(
      'unstorable-type',
      `${at}/type`,
      `the type ${JSON.stringify(schema.type)} does not match the ${valueType} enum values`,
      `Use "type": "${valueType}" or remove "type"`,
    );
    return undefined;
  }
  if (declared.includes('null') && !values.includes(null)) {
    report('invalid-value', `${at}/enum`, 'the type allows null but the enum does not list it', 'Add null to the enum values');
    return undefined;
  }
  return { kind: 'enum', nullable: values.includes(null), enumValues: nonNull as (string | number)[], jsonShape: undefined };
}
