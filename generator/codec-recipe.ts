/**
 * Which runtime column codec a field uses, as data: the validator builds the codec from it to check
 * defaults, the adapter emitter prints it as source. One recipe, so the two can never disagree.
 */
import { columns, type ColumnCodec } from '../runtime/column-codecs.js';
import type { FieldSpec } from './model-spec.js';
import { tsLiteral } from './ts-literal.js';

type CodecFactory = keyof typeof columns;

interface CodecRecipe {
  readonly factory: Exclude<CodecFactory, 'nullable'>;
  /** Arguments of the factory call; null for codecs that are values, not factories. */
  readonly args: readonly unknown[] | null;
  readonly nullable: boolean;
}

type CodecField = Pick<FieldSpec, 'kind' | 'nullable' | 'enumValues' | 'jsonShape' | 'constraints'>;

function recipe(field: CodecField): CodecRecipe {
  const constraints = Object.keys(field.constraints).length > 0 ? [field.constraints] : [];
  const base = { nullable: field.nullable };
  switch (field.kind) {
    case 'string':
      return { ...base, factory: 'text', args: constraints };
    case 'integer':
      return { ...base, factory: 'integer', args: constraints };
    case 'number':
      return { ...base, factory: 'number', args: constraints };
    case 'enum':
      return { ...base, factory: 'enumOf', args: [field.enumValues ?? []] };
    case 'json':
      return { ...base, factory: 'json', args: [field.jsonShape ?? 'object'] };
    case 'boolean':
    case 'uuid':
    case 'dateTime':
      return { ...base, factory: field.kind, args: null };
  }
}

/** The codec itself, as the generated adapter will have it. */
export function codecOf(field: CodecField): ColumnCodec<unknown> {
  const { factory, args, nullable } = recipe(field);
  const made = columns[factory];
  const codec = (args === null ? made : (made as (...a: unknown[]) => ColumnCodec<unknown>)(...args)) as ColumnCodec<unknown>;
  return nullable ? columns.nullable(codec) : codec;
}

/** The codec as TypeScript source, e.g. `columns.nullable(columns.text({ maxLength: 64 }))`. */
export function codecSource(field: CodecField): string {
  const { factory, args, nullable } = recipe(field);
  const call = args === null ? `columns.${factory}` : `columns.${factory}(${args.map(tsLiteral).join(', ')})`;
  return nullable ? `columns.nullable(${call})` : call;
}
