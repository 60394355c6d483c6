/**
 * Field values on their way into the database: a local write's values are encoded by their
 * field's codec; a peer's column values are accepted only when the codec stores them unchanged.
 */
import { FieldValueError } from '../core/errors.js';
import type { SqlValue } from '../core/sql-value.js';
import { ValueError } from '../contract/column-codecs.js';
import type { FieldDescriptor } from '../contract/model-adapter.js';
import type { ModelStore } from '../store/model-store.js';

/**
 * Why an untrusted column value from a peer is refused, or null: it is accepted only when its
 * field's codec stores it unchanged (decoded and encoded again), so every device holds the same
 * bytes. Callers on hot paths build their error's context only when there is a problem.
 */
export function valueProblem(field: FieldDescriptor, value: SqlValue): string | null {
  let again: SqlValue;
  try {
    again = field.codec.encode(field.codec.decode(value));
  } catch (error) {
    return (error as Error).message;
  }
  return again === value ? null : `${JSON.stringify(value)} is not a value the field stores`;
}

/** A field's column value, or a `FieldValueError` naming the model and field. */
export function encodeField(model: ModelStore, field: FieldDescriptor, value: unknown): SqlValue {
  try {
    return field.codec.encode(value);
  } catch (error) {
    if (error instanceof ValueError) throw new FieldValueError(model.name, field.name, error.expected, value, error.message);
    throw error;
  }
}
