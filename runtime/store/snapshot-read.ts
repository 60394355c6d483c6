/**
 * Reading records as snapshots carry them: current values with their original clocks (per-field
 * HLCs, owner versions, per-device versions), and tombstones. A peer that needs entries this device
 * has pruned catches up from pages of these; a device missing a referenced record gets it this way.
 *
 * What this device holds for devices on a newer schema is served too (`quarantine.ts`): a record's
 * fields this schema does not know, beside its known ones, and whole records of models it does
 * not know. A stateBased record's held fields are served only with the state they belong to.
 */
import type { SnapshotRecord } from '../core/snapshot-record.js';
import type { SqlValue } from '../core/sql-value.js';
import { CREATE_CLOCK_COLUMN, DEVICE_COLUMN, VERSION_COLUMN } from '../contract/storage-columns.js';
import type { ModelStore, Values } from './model-store.js';
import { quarantineOf, type HeldFields, type Quarantine } from './quarantine.js';
import type { Store } from './store.js';

/** Up to `limit` records of a model (rows and tombstones) with a key after `after`, in key order. */
export function readSnapshotPage(store: Store, modelId: number, after: string, limit: number): { records: SnapshotRecord[]; next: string | null } {
  const model = store.stores.get(modelId);
  const quarantine = quarantineOf(store);
  if (!model) {
    const held = quarantine.wholeRecordsAfter(modelId, after, limit);
    return { records: held, next: held.length < limit ? null : held.at(-1)!.record };
  }
  // One lookup per page: most models hold nothing for newer schemas.
  const holds = quarantine.holdsRecordsOf(modelId);
  const rows = model.page(after, limit).map((row) => fromRow(model, row, holds ? quarantine : null));
  const deleted = store.tombstones.page(modelId, after, limit).map((tombstone) => fromTombstone(modelId, tombstone.record, tombstone.hlc));
  const records = [...rows, ...deleted].sort((a, b) => (a.record < b.record ? -1 : a.record > b.record ? 1 : 0)).slice(0, limit);
  return { records, next: records.length < limit ? null : records.at(-1)!.record };
}

/** One record, deleted or not, or undefined when this device never heard of it. */
export function readSnapshotRecord(store: Store, modelId: number, record: string): SnapshotRecord | undefined {
  const model = store.stores.get(modelId);
  const quarantine = quarantineOf(store);
  if (!model) {
    const held = quarantine.record(modelId, record);
    return held?.whole ? held.record : undefined;
  }
  const row = model.row(record);
  if (row) return fromRow(model, row, quarantine);
  return store.tombstones.has(modelId, record) ? fromTombstone(modelId, record, store.tombstones.clock(modelId, record) ?? null) : undefined;
}

function fromTombstone(model: number, record: string, hlc: Buffer | null): SnapshotRecord {
  return { model, record, deleted: true, deleteClock: hlc, values: null, clocks: null, version: null, devices: [] };
}

function fromRow(model: ModelStore, row: Values, quarantine: Quarantine | null): SnapshotRecord {
  const id = row[model.key.name] as string;
  const values: Record<string, SqlValue> = {};
  for (const field of model.values) values[field.name] = row[field.name] ?? null;
  let clocks: Record<string, Buffer> | null = null;
  if (!model.isStateBased) {
    clocks = {};
    for (const field of model.values) {
      const clock = row[field.clockColumn!];
      if (clock) clocks[field.name] = clock as Buffer;
    }
  }
  const devices =
    model.deviceFields.length === 0
      ? []
      : model.deviceRows(id).map((device) => ({
          device: device[DEVICE_COLUMN] as string,
          values: Object.fromEntries(model.deviceFields.map((field) => [field.name, device[field.name] ?? null])),
          version: device[VERSION_COLUMN] as Buffer,
        }));
  // The owner's version (stateBased) or the create clock (logBased: the clock of the fields not in `clocks`).
  const version = row[model.isStateBased ? VERSION_COLUMN : CREATE_CLOCK_COLUMN] as Buffer;
  const held = quarantine?.record(model.adapter.id, id);
  if (held && !held.whole) addHeld(held.fields, values, clocks, version, devices);
  return { model: model.adapter.id, record: id, deleted: false, deleteClock: null, values, clocks, version, devices };
}

/** A record's held fields beside its known ones, with their clocks (a shared field's only when it is not the create clock). */
function addHeld(
  held: HeldFields,
  values: Record<string, SqlValue>,
  clocks: Record<string, Buffer> | null,
  version: Buffer,
  devices: readonly { device: string; values: Record<string, SqlValue>; version: Buffer }[],
): void {
  for (const name in held.fields) {
    const [value, clock] = held.fields[name]!;
    const same = Buffer.compare(clock, version) === 0;
    // A stateBased state's fields travel with that state only: a newer one, without them, is served without them.
    if (clocks === null && !same) continue;
    values[name] = value as SqlValue;
    if (clocks !== null && !same) clocks[name] = Buffer.from(clock);
  }
  for (const row of devices) {
    const fields = held.devices[row.device];
    for (const name in fields) if (Buffer.compare(fields[name]![1], row.version) === 0) row.values[name] = fields[name]![0] as SqlValue;
  }
}
