/**
 * Fields this device's schema does not know, written by devices on a newer one: kept per record
 * (`store/quarantine.ts`) with the clocks that wrote them, by the rules their model follows, so
 * what a record holds of them is the same whichever changes and snapshot records brought them, and
 * a snapshot this device serves carries them. When the device upgrades, `replay-quarantine.ts`
 * writes them into the new columns.
 *
 * - shared fields (logBased, hybrid): last writer wins per field, by clock;
 * - a stateBased record: its owner's newest state (every field clocked by the state's version);
 * - a hybrid record: a field this schema does not know may be one of the newer schema's perDevice
 *   fields, which only that schema can tell. PerDevice fields travel together, so a change that
 *   carries none of the model's known perDevice fields carries only shared fields; one that
 *   carries them keeps its unknown fields both as shared and as its origin's own (per device,
 *   newest first). The upgrade takes the view the field turns out to have, the other is dropped.
 */
import type { ChangeEntry } from '../core/change-entry.js';
import type { ModelStore, Values } from '../store/model-store.js';
import { quarantineOf, type HeldFields, type HeldValue } from '../store/quarantine.js';
import type { Store } from '../store/store.js';
import { isDeleted } from './conflict-rules.js';

/** Keeps the fields of an applied entry that this schema does not know (`unknown`: their names). */
export function holdEntryFields(store: Store, model: ModelStore, entry: ChangeEntry, unknown: readonly string[]): void {
  const data = entry.data!;
  const fields: Record<string, HeldValue> = {};
  for (const name of unknown) fields[name] = [data[name], entry.hlc];
  const devices: Record<string, Record<string, HeldValue>> = {};
  if (model.deviceFields.some((field) => field.name in data)) devices[entry.origin] = { ...fields };
  holdFields(store, model, entry.record, { fields, devices });
}

/** Keeps the unknown fields of a record (of a change, or a snapshot record), merged with what is held of it. */
export function holdFields(store: Store, model: ModelStore, record: string, incoming: HeldFields): void {
  // A deleted record never comes back: nothing of it is served or replayed.
  if (isDeleted(store, model.adapter.id, record)) return;
  const quarantine = quarantineOf(store);
  const held = quarantine.record(model.adapter.id, record);
  const current = held && !held.whole ? held.fields : undefined;
  const merged = current ? mergeHeld(current, incoming, model.isStateBased) : incoming;
  if (merged !== current) quarantine.putFields(model.adapter.id, record, merged);
}

/** The fields a snapshot record carries that this schema does not know, with their clocks, or null. */
export function unknownOfRecord(
  model: ModelStore,
  values: Readonly<Values>,
  clocks: Readonly<Record<string, Uint8Array>> | null,
  version: Uint8Array,
  devices: readonly { device: string; values: Readonly<Values>; version: Uint8Array }[],
): HeldFields | null {
  let found = false;
  const fields: Record<string, HeldValue> = {};
  for (const name in values) {
    if (model.fields.has(name)) continue;
    // A shared field not updated since the create has the create clock (a stateBased state: its version).
    fields[name] = [values[name], (!model.isStateBased && clocks?.[name]) || version];
    found = true;
  }
  const byDevice: Record<string, Record<string, HeldValue>> = {};
  for (const row of devices) {
    for (const name in row.values) {
      if (model.fields.has(name)) continue;
      byDevice[row.device] ??= {};
      byDevice[row.device]![name] = [row.values[name], row.version];
      found = true;
    }
  }
  return found ? { fields, devices: byDevice } : null;
}

/** `current` merged with `incoming` by the model's rules; `current` itself when nothing changes. */
export function mergeHeld(current: HeldFields, incoming: HeldFields, stateBased: boolean): HeldFields {
  if (stateBased) return newestClock(incoming.fields) > newestClock(current.fields) ? incoming : current;
  const fields = mergeValues(current.fields, incoming.fields);
  let devices = current.devices;
  for (const device in incoming.devices) {
    const merged = mergeValues(devices[device] ?? {}, incoming.devices[device]!);
    if (merged !== devices[device]) devices = { ...devices, [device]: merged };
  }
  return fields === current.fields && devices === current.devices ? current : { fields, devices };
}

/** Per field, the value with the greater clock. */
function mergeValues(current: Record<string, HeldValue>, incoming: Record<string, HeldValue>): Record<string, HeldValue> {
  let merged = current;
  for (const name in incoming) {
    const mine = current[name];
    if (mine && Buffer.compare(mine[1], incoming[name]![1]) >= 0) continue;
    if (merged === current) merged = { ...current };
    merged[name] = incoming[name]!;
  }
  return merged;
}

/** The greatest clock of held values, as hex (clocks sort as their bytes), or '' when none. */
function newestClock(fields: Record<string, HeldValue>): string {
  let newest = '';
  for (const name in fields) {
    const clock = Buffer.from(fields[name]![1]).toString('hex');
    if (clock > newest) newest = clock;
  }
  return newest;
}
