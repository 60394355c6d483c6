/**
 * Snapshots: records as they are now, with their original clocks (per-field HLCs, owner versions,
 * per-device versions) and tombstones. A peer that needs entries this device has pruned catches up
 * from a snapshot; a device missing a referenced record gets it as a snapshot record.
 *
 * Merging a snapshot record follows the same rules as applying entries (LWW per field, newer
 * version, deletes final, references to deleted records), so snapshots and entries can arrive in
 * any order and still converge. Snapshot records are untrusted input and are checked like entries.
 */
import { InvalidChangeError, NotOwnerError, SyncError, UnknownModelError } from './errors.js';
import { type ClockDriftError, decodeHlc, HLC_BYTES } from './hlc.js';
import { deleteWithChildren, valueProblem, type LibraryCore } from './library-core.js';
import { CREATE_CLOCK_COLUMN, type SqlValue } from './model-adapter.js';
import type { ModelStore, Values } from './model-store.js';
import type { MissingRecord } from './parked-changes.js';
import type { SnapshotRecord } from './protocol.js';

/** Up to `limit` records of a model (rows and tombstones) with a key after `after`, in key order. */
export function readSnapshotPage(core: LibraryCore, model: number, after: string, limit: number): { records: SnapshotRecord[]; next: string | null } {
  const store = core.stores.get(model);
  if (!store) throw new UnknownModelError(model);
  const rows = store.page(after, limit).map((row) => fromRow(store, row));
  const deleted = core.tombstones.page(model, after, limit).map((tombstone) => fromTombstone(model, tombstone.record, tombstone.hlc));
  const records = [...rows, ...deleted].sort((a, b) => (a.record < b.record ? -1 : a.record > b.record ? 1 : 0)).slice(0, limit);
  return { records, next: records.length < limit ? null : records.at(-1)!.record };
}

/** One record, deleted or not, or undefined when this device never heard of it. */
export function readSnapshotRecord(core: LibraryCore, model: number, record: string): SnapshotRecord | undefined {
  const store = core.stores.get(model);
  if (!store) return undefined;
  const row = store.row(record);
  if (row) return fromRow(store, row);
  return core.tombstones.has(model, record) ? fromTombstone(model, record, core.tombstones.clock(model, record) ?? null) : undefined;
}

function fromTombstone(model: number, record: string, hlc: Buffer | null): SnapshotRecord {
  return { model, record, deleted: true, deleteClock: hlc, values: null, clocks: null, version: null, devices: [] };
}

function fromRow(store: ModelStore, row: Values): SnapshotRecord {
  const id = row[store.key.name] as string;
  const values: Record<string, SqlValue> = {};
  for (const field of store.values) values[field.name] = row[field.name] ?? null;
  let clocks: Record<string, Buffer> | null = null;
  if (!store.isStateBased) {
    clocks = {};
    for (const field of store.values) {
      const clock = row[field.clockColumn!];
      if (clock) clocks[field.name] = clock as Buffer;
    }
  }
  const devices =
    store.deviceFields.length === 0
      ? []
      : store.deviceRows(id).map((device) => ({
          device: device._device as string,
          values: Object.fromEntries(store.deviceFields.map((field) => [field.name, device[field.name] ?? null])),
          version: device._version as Buffer,
        }));
  return {
    model: store.adapter.id,
    record: id,
    deleted: false,
    deleteClock: null,
    values,
    clocks,
    // The owner's version (stateBased) or the create clock (logBased: the clock of the fields not in `clocks`).
    version: row[store.isStateBased ? '_version' : CREATE_CLOCK_COLUMN] as Buffer,
    devices,
  };
}

export interface RefusedRecord {
  readonly record: SnapshotRecord;
  readonly error: SyncError | ClockDriftError;
}

/**
 * Merges snapshot records; returns the records that now exist or were deleted. Refused records are
 * reported. The clock observes the latest clock of the records first (a later local write must win
 * over every value held); a clock beyond the drift bound refuses them all, as it refuses entries.
 */
export function mergeSnapshot(core: LibraryCore, records: readonly SnapshotRecord[]): { resolved: MissingRecord[]; refused: RefusedRecord[] } {
  const refused: RefusedRecord[] = [];
  const latest = latestClock(records);
  if (latest) {
    const observed = core.clock.observe(decodeHlc(latest));
    if (!observed.ok) return { resolved: [], refused: records.map((record) => ({ record, error: observed.error })) };
  }
  const merge: Merge = {
    core,
    // A library without tombstones (a new device) has none to look up, until a record is deleted.
    tombstones: !core.tombstones.isEmpty(),
    // Only parked changes need to know which records arrived (merging never parks).
    resolved: core.parked.count > 0 ? [] : null,
  };
  for (const record of records) {
    try {
      mergeRecord(merge, record);
    } catch (error) {
      if (!(error instanceof SyncError)) throw error;
      refused.push({ record, error });
    }
  }
  return { resolved: merge.resolved ?? [], refused };
}

interface Merge {
  readonly core: LibraryCore;
  tombstones: boolean;
  readonly resolved: MissingRecord[] | null;
}

function deleted(merge: Merge, model: number, record: string): boolean {
  return merge.tombstones && merge.core.tombstones.has(model, record);
}

function remove(merge: Merge, store: ModelStore, record: string, clock: Buffer | null): void {
  merge.tombstones = true;
  const removed = deleteWithChildren(merge.core, store, record, clock);
  merge.resolved?.push(...removed);
}

function mergeRecord(merge: Merge, snapshot: SnapshotRecord): void {
  const { core } = merge;
  const store = core.stores.get(snapshot.model);
  if (!store) throw new UnknownModelError(snapshot.model);
  const { adapter } = store;
  const at: RecordPlace = { store, record: snapshot.record, device: null };
  if (snapshot.deleteClock !== null && snapshot.deleteClock.length !== HLC_BYTES) throw new InvalidChangeError(`${describe(at)}: deleteClock is not ${HLC_BYTES} bytes`);
  if (snapshot.deleted) {
    if (deleted(merge, adapter.id, snapshot.record)) core.tombstones.add(adapter.id, snapshot.record, snapshot.deleteClock);
    else remove(merge, store, snapshot.record, snapshot.deleteClock);
    return;
  }
  if (deleted(merge, adapter.id, snapshot.record)) return;
  let values = checkedValues(snapshot.values, at);

  for (const reference of adapter.references) {
    const value = values[reference.field];
    if (value === null || value === undefined) continue;
    // Only a deleted referent changes the record; a missing one may arrive in a later page.
    if (deleted(merge, core.storesByName.get(reference.model)!.adapter.id, value as string)) {
      if (reference.onDelete === 'cascade') return remove(merge, store, snapshot.record, null);
      values = { ...values, [reference.field]: null };
    }
  }

  if (store.isStateBased) {
    const version = clock(snapshot.version, at, 'version');
    const owner = adapter.owner === adapter.primaryKey ? snapshot.record : values[adapter.owner!];
    if (decodeHlc(version).device !== owner) throw new NotOwnerError(store.name, snapshot.record, String(owner), decodeHlc(version).device);
    store.upsert(snapshot.record, values, version);
  } else {
    const clocks: Record<string, Buffer> = {};
    for (const name in snapshot.clocks) {
      if (!store.fields.has(name)) throw new InvalidChangeError(`${describe(at)}: clock of unknown field ${name}`);
      clocks[name] = clock(snapshot.clocks[name], at, `clock of ${name}`);
    }
    store.upsertWithClocks(snapshot.record, values, clock(snapshot.version, at, 'create clock'), clocks);
    for (const device of snapshot.devices) {
      const deviceAt: RecordPlace = { store, record: snapshot.record, device: device.device };
      const deviceValues = checkedValues(device.values, deviceAt);
      const version = clock(device.version, deviceAt, 'version');
      if (decodeHlc(version).device !== device.device) throw new InvalidChangeError(`${describe(deviceAt)}: row versioned by another device`);
      store.upsertDevice(snapshot.record, device.device, deviceValues, version);
    }
  }
  merge.resolved?.push({ model: adapter.id, record: snapshot.record });
}

/** The greatest well-formed clock the records carry (the encoding sorts as clocks compare), or null. */
function latestClock(records: readonly SnapshotRecord[]): Buffer | null {
  let latest: Buffer | null = null;
  for (const record of records) {
    latest = later(latest, record.deleteClock);
    latest = later(latest, record.version);
    if (record.clocks) for (const name in record.clocks) latest = later(latest, record.clocks[name]);
    for (const device of record.devices) latest = later(latest, device.version);
  }
  return latest;
}

function later(latest: Buffer | null, value: unknown): Buffer | null {
  return value instanceof Buffer && value.length === HLC_BYTES && (latest === null || Buffer.compare(value, latest) > 0) ? value : latest;
}

/** The record (or one device's row of it) being merged, named in error messages (built only for an error: a page has thousands). */
interface RecordPlace {
  readonly store: ModelStore;
  readonly record: string;
  readonly device: string | null;
}

function describe({ store, record, device }: RecordPlace): string {
  return `${store.name} ${record} (snapshot)${device === null ? '' : ` device ${device}`}`;
}

function clock(value: unknown, at: RecordPlace, what: string): Buffer {
  if (!(value instanceof Uint8Array) || value.length !== HLC_BYTES) throw new InvalidChangeError(`${describe(at)}: ${what} is not ${HLC_BYTES} bytes`);
  return Buffer.isBuffer(value) ? value : Buffer.from(value);
}

/**
 * Untrusted values, checked in place (a snapshot record carries its own copy): exactly the
 * model's shared fields (or, of a device row, its perDevice fields), each one a value that its
 * codec stores unchanged (see `valueProblem`), so every device holds the same bytes.
 */
function checkedValues(values: Readonly<Record<string, SqlValue>> | null, at: RecordPlace): Readonly<Values> {
  if (values === null) throw new InvalidChangeError(`${describe(at)}: no values`);
  const { store } = at;
  const perDevice = at.device !== null;
  const kind = perDevice ? 'perDevice' : 'shared';
  let count = 0;
  for (const name in values) {
    const field = store.fields.get(name);
    if (!field || field === store.key || field.perDevice !== perDevice) throw new InvalidChangeError(`${describe(at)}: ${name} is not a ${kind} field`);
    const problem = valueProblem(field, values[name]!);
    if (problem !== null) throw new InvalidChangeError(`${describe(at)}: ${name}: ${problem}`);
    count += 1;
  }
  // Each name is a distinct field of the kind: as many as the model has means all of them.
  if (count !== (perDevice ? store.deviceFields : store.values).length) throw new InvalidChangeError(`${describe(at)}: a snapshot record carries every ${kind} field`);
  return values;
}
