/**
 * Reading records as snapshots carry them: current values with their original clocks (per-field
 * HLCs, owner versions, per-device versions), and tombstones. A peer that needs entries this device
 * has pruned catches up from pages of these; a device missing a referenced record gets it this way.
 */
import { UnknownModelError } from '../core/errors.js';
import type { SnapshotRecord } from '../core/snapshot-record.js';
import type { SqlValue } from '../core/sql-value.js';
import { CREATE_CLOCK_COLUMN, DEVICE_COLUMN, VERSION_COLUMN } from '../contract/storage-columns.js';
import type { ModelStore, Values } from './model-store.js';
import type { Store } from './store.js';

/** Up to `limit` records of a model (rows and tombstones) with a key after `after`, in key order. */
export function readSnapshotPage(store: Store, modelId: number, after: string, limit: number): { records: SnapshotRecord[]; next: string | null } {
  const model = store.stores.get(modelId);
  if (!model) throw new UnknownModelError(modelId);
  const rows = model.page(after, limit).map((row) => fromRow(model, row));
  const deleted = store.tombstones.page(modelId, after, limit).map((tombstone) => fromTombstone(modelId, tombstone.record, tombstone.hlc));
  const records = [...rows, ...deleted].sort((a, b) => (a.record < b.record ? -1 : a.record > b.record ? 1 : 0)).slice(0, limit);
  return { records, next: records.length < limit ? null : records.at(-1)!.record };
}

/** One record, deleted or not, or undefined when this device never heard of it. */
export function readSnapshotRecord(store: Store, modelId: number, record: string): SnapshotRecord | undefined {
  const model = store.stores.get(modelId);
  if (!model) return undefined;
  const row = model.row(record);
  if (row) return fromRow(model, row);
  return store.tombstones.has(modelId, record) ? fromTombstone(modelId, record, store.tombstones.clock(modelId, record) ?? null) : undefined;
}

function fromTombstone(model: number, record: string, hlc: Buffer | null): SnapshotRecord {
  return { model, record, deleted: true, deleteClock: hlc, values: null, clocks: null, version: null, devices: [] };
}

function fromRow(model: ModelStore, row: Values): SnapshotRecord {
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
  return {
    model: model.adapter.id,
    record: id,
    deleted: false,
    deleteClock: null,
    values,
    clocks,
    // The owner's version (stateBased) or the create clock (logBased: the clock of the fields not in `clocks`).
    version: row[model.isStateBased ? VERSION_COLUMN : CREATE_CLOCK_COLUMN] as Buffer,
    devices,
  };
}
