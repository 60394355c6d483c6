/**
 * A field's column codec as TypeScript source, for its generated adapter: the codec the field-kind
 * table names (`runtime/contract/field-kinds.ts`), printed as a call of the runtime's `columns`.
 * The validator builds the same codec with `codecFor` to check defaults, so the two never disagree.
 */
import { FIELD_KINDS, type FieldShape } from 'syncgen/contract';
import { tsLiteral } from './ts-literal.js';

/** The codec as TypeScript source, e.g. `columns.nullable(columns.text({ maxLength: 64 }))`. */
export function codecSource(field: FieldShape): string {
  const { factory, args } = FIELD_KINDS[field.kind].codec(field);
  const call = args === null ? `columns.${factory}` : `columns.${factory}(${args.map(tsLiteral).join(', ')})`;
  return field.nullable ? `columns.nullable(${call})` : call;
}
