/**
 * The values and clocks of an untrusted snapshot record, checked before it is merged
 * (`snapshot-merge.ts`). Every known value must be one its codec stores unchanged (see
 * `valueProblem`), so every device holds the same bytes.
 *
 * Records of devices on other schema versions: a record from an older one lacks fields, which are
 * filled in as a create that omits them would be (`fill-defaults.ts`), at the record's clock; a
 * record from a newer one carries fields this schema does not know, checked as plain data and kept
 * (`held-fields.ts`). An older device cannot tell whether a field it does not know is a hybrid
 * model's perDevice field, so it serves such a field both among the shared values and the device
 * rows; a device that knows the field takes it where it belongs and ignores the other copy.
 */
import { InvalidChangeError } from '../core/errors.js';
import { HLC_BYTES } from '../core/hlc.js';
import type { SqlValue } from '../core/sql-value.js';
import type { ModelStore, Values } from '../store/model-store.js';
import { valueProblem } from './field-values.js';
import { fillValue } from './fill-defaults.js';
import { unknownFieldProblem } from './validate-entry.js';

/** The record (or one device's row of it) being merged, named in error messages (built only for an error: a page has thousands). */
export interface RecordPlace {
  readonly model: ModelStore;
  readonly record: string;
  readonly device: string | null;
}

export function describe({ model, record, device }: RecordPlace): string {
  return `${model.name} ${record} (snapshot)${device === null ? '' : ` device ${device}`}`;
}

/** An encoded clock, or an `InvalidChangeError`. */
export function recordClock(value: unknown, at: RecordPlace, what: string): Buffer {
  if (!(value instanceof Uint8Array) || value.length !== HLC_BYTES) throw new InvalidChangeError(`${describe(at)}: ${what} is not ${HLC_BYTES} bytes`);
  return Buffer.isBuffer(value) ? value : Buffer.from(value);
}

/** The checked values of a record (or a device row): the known fields to write, and whether it carries unknown ones. */
export interface CheckedValues {
  readonly values: Readonly<Values>;
  readonly unknown: boolean;
}

/**
 * Untrusted values, checked in place (a snapshot record carries its own copy): the model's shared
 * fields (or, of a device row, its perDevice fields), each one a value its codec stores unchanged,
 * those it lacks filled in; fields this schema does not know as plain data. Returns `values`
 * itself when every field is known and given.
 */
export function checkedValues(values: Readonly<Record<string, SqlValue>> | null, at: RecordPlace): CheckedValues {
  if (values === null) throw new InvalidChangeError(`${describe(at)}: no values`);
  const { model } = at;
  const perDevice = at.device !== null;
  let count = 0;
  let foreign = false;
  for (const name in values) {
    const field = model.fields.get(name);
    if (field === undefined) {
      const problem = unknownFieldProblem(name, values[name]);
      if (problem !== null) throw new InvalidChangeError(`${describe(at)}: ${problem}`);
      foreign = true;
      continue;
    }
    if (field === model.key) throw new InvalidChangeError(`${describe(at)}: ${name} is not a field it can change`);
    // The other copy of a field an older device could not place (see the module comment).
    if (field.perDevice !== perDevice) {
      foreign = true;
      continue;
    }
    const problem = valueProblem(field, values[name]!);
    if (problem !== null) throw new InvalidChangeError(`${describe(at)}: ${name}: ${problem}`);
    count += 1;
  }
  const fields = perDevice ? model.deviceFields : model.values;
  // Each counted name is a distinct field of the kind: as many as the model has means all of them.
  if (count === fields.length && !foreign) return { values, unknown: false };
  const known: Values = {};
  for (const field of fields) {
    const value = field.name in values ? values[field.name]! : fillValue(model, field);
    if (value === undefined) throw new InvalidChangeError(`${describe(at)}: a snapshot record lacks ${field.name}, which has no default`);
    known[field.name] = value;
  }
  let unknown = false;
  for (const name in values) if (!model.fields.has(name)) unknown = true;
  return { values: known, unknown };
}

/**
 * The clocks of the shared fields updated since the create (a missing one: the create clock), and
 * of the fields this schema does not know, which must be among the record's values.
 */
export function checkedClocks(
  clocks: Readonly<Record<string, Uint8Array>> | null,
  values: Readonly<Record<string, SqlValue>>,
  at: RecordPlace,
): { known: Record<string, Buffer>; unknown: Record<string, Buffer> | null } {
  const { model } = at;
  const known: Record<string, Buffer> = {};
  let unknown: Record<string, Buffer> | null = null;
  for (const name in clocks) {
    const field = model.fields.get(name);
    if (field === undefined) {
      if (!(name in values)) throw new InvalidChangeError(`${describe(at)}: clock of ${JSON.stringify(name.slice(0, 64))}, a field it does not carry`);
      unknown ??= {};
      unknown[name] = recordClock(clocks[name], at, `clock of ${name}`);
      continue;
    }
    if (field === model.key) throw new InvalidChangeError(`${describe(at)}: clock of ${name}, not a shared field`);
    // The clock of a perDevice field's shared copy (see the module comment): ignored with it.
    if (field.perDevice) continue;
    known[name] = recordClock(clocks[name], at, `clock of ${name}`);
  }
  return { known, unknown };
}
