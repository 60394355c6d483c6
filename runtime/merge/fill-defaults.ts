/**
 * A change written under an older schema lacks the fields a newer one added; one written under a
 * newer schema may carry fields this one does not know. The values to apply are the change's
 * known values, with each lacking field filled in as a create that omits it would be: its default,
 * encoded by its codec, or null. A filled value stands for the change itself, at its clock, so a
 * later write of the field wins over it, and an older device's later change, which carries only
 * the fields it changes (logBased) or the state it owns (stateBased), never resets it.
 *
 * A lacking field with neither a default nor null cannot come from an additive schema change; the
 * change is refused. The change is stored and relayed as received: only what is applied is filled.
 */
import type { ChangeKind } from '../core/change-entry.js';
import type { SqlValue } from '../core/sql-value.js';
import type { FieldDescriptor } from '../contract/model-adapter.js';
import type { ModelStore, Values } from '../store/model-store.js';
import { encodeField } from './field-values.js';

/** Per model, the value each field takes when a change lacks it (undefined: it must be given). */
const fills = new WeakMap<ModelStore, Map<string, SqlValue | undefined>>();

/** The column value a lacking field takes: its encoded default, null, or undefined when it has neither. */
export function fillValue(model: ModelStore, field: FieldDescriptor): SqlValue | undefined {
  let byName = fills.get(model);
  if (!byName) {
    byName = new Map();
    fills.set(model, byName);
  }
  if (!byName.has(field.name)) {
    byName.set(field.name, field.defaultValue !== undefined ? encodeField(model, field, field.defaultValue) : field.nullable ? null : undefined);
  }
  return byName.get(field.name);
}

/**
 * The values of a change to apply: without fields this schema does not know (when `unknown`), with
 * lacking ones filled in. An insert and a stateBased state carry every shared field; a hybrid
 * change carries all of its origin's perDevice fields or none. Returns `values` itself when
 * nothing is unknown or lacking (the usual case: one membership test per field), or null when a
 * lacking field can be neither defaulted nor null (`lackingFields` names them).
 */
export function completeValues(model: ModelStore, kind: ChangeKind, values: Values, unknown: boolean): Values | null {
  let result = values;
  if (unknown) {
    result = {};
    for (const name in values) if (model.fields.has(name)) result[name] = values[name]!;
  }
  const whole = kind === 'insert' || model.isStateBased;
  const device = model.deviceFields.length > 0 && carriesAny(model.deviceFields, result);
  if (!whole && !device) return result;
  for (const field of model.writable) {
    if ((field.perDevice ? !device : !whole) || field.name in result) continue;
    const value = fillValue(model, field);
    if (value === undefined) return null;
    if (result === values) result = { ...values };
    result[field.name] = value;
  }
  return result;
}

/** The lacking fields of a change that can be neither defaulted nor null (for the refusal's message). */
export function lackingFields(model: ModelStore, kind: ChangeKind, values: Values): string[] {
  const whole = kind === 'insert' || model.isStateBased;
  const device = carriesAny(model.deviceFields, values);
  return model.writable
    .filter((field) => (field.perDevice ? device : whole) && !(field.name in values) && fillValue(model, field) === undefined)
    .map((field) => field.name);
}

/** The values to apply of an entry held in the log (it was checked when it arrived, so it completes). */
export function applicableValues(model: ModelStore, kind: ChangeKind, data: Values): Values {
  let unknown = false;
  for (const name in data) {
    if (!model.fields.has(name)) {
      unknown = true;
      break;
    }
  }
  return completeValues(model, kind, data, unknown) ?? data;
}

function carriesAny(fields: readonly FieldDescriptor[], values: Values): boolean {
  for (const field of fields) if (field.name in values) return true;
  return false;
}
