/**
 * Merging snapshot records (a snapshot page, or records fetched because parked changes wait for
 * them). The rules are those of change entries (`conflict-rules.ts`: owner, deletes win,
 * references to deleted records; LWW per field by the original clocks, newer owner versions), so
 * snapshots and entries can arrive in any order and still converge. Snapshot records are untrusted
 * input and are checked like entries.
 */
import { InvalidChangeError, SyncError, UnknownModelError } from '../core/errors.js';
import { decodeHlc, HLC_BYTES } from '../core/hlc.js';
import type { SnapshotRecord } from '../core/snapshot-record.js';
import type { SqlValue } from '../core/sql-value.js';
import type { ModelStore, Values } from '../store/model-store.js';
import type { MissingRecord } from '../store/parked-changes.js';
import type { Store } from '../store/store.js';
import { checkOwner, isDeleted, resolveReferences, type ReferenceState } from './conflict-rules.js';
import { applyDelete, deleteWithChildren } from './delete-cascade.js';
import { valueProblem } from './field-values.js';

export interface RefusedRecord {
  readonly record: SnapshotRecord;
  readonly error: SyncError;
}

/**
 * Merges snapshot records; returns the records that now exist or were deleted. Refused records are
 * reported. The clock observes the latest clock of the records first (a later local write must win
 * over every value held); a clock beyond the drift bound refuses them all, as it refuses entries.
 */
export function mergeSnapshot(store: Store, records: readonly SnapshotRecord[]): { resolved: MissingRecord[]; refused: RefusedRecord[] } {
  const refused: RefusedRecord[] = [];
  const latest = latestClock(records);
  if (latest) {
    const observed = store.clock.observe(decodeHlc(latest));
    if (!observed.ok) return { resolved: [], refused: records.map((record) => ({ record, error: observed.error })) };
  }
  const merge: Merge = {
    store,
    // A library without tombstones (a new device) has none to look up, until a record is deleted.
    tombstones: !store.tombstones.isEmpty(),
    // Only parked changes need to know which records arrived (merging never parks).
    resolved: store.parked.count > 0 ? [] : null,
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
  readonly store: Store;
  tombstones: boolean;
  readonly resolved: MissingRecord[] | null;
}

function deleted(merge: Merge, model: number, record: string): boolean {
  return merge.tombstones && isDeleted(merge.store, model, record);
}

/** Records were deleted: from now on the merge looks tombstones up, and parked changes may wait for them. */
function remove(merge: Merge, removed: readonly MissingRecord[]): void {
  merge.tombstones = true;
  merge.resolved?.push(...removed);
}

const PRESENT: ReferenceState = { state: 'present' };
const DELETED: ReferenceState = { state: 'deleted' };

/** Where a referenced record stands for a snapshot: deleted or not (a missing one may arrive in a later page). */
function snapshotReference(merge: Merge, targetModel: string, id: string): ReferenceState {
  return deleted(merge, merge.store.storesByName.get(targetModel)!.adapter.id, id) ? DELETED : PRESENT;
}

function mergeRecord(merge: Merge, snapshot: SnapshotRecord): void {
  const { store } = merge;
  const model = store.stores.get(snapshot.model);
  if (!model) throw new UnknownModelError(snapshot.model);
  const { adapter } = model;
  const at: RecordPlace = { model, record: snapshot.record, device: null };
  if (snapshot.deleteClock !== null && snapshot.deleteClock.length !== HLC_BYTES)
    throw new InvalidChangeError(`${describe(at)}: deleteClock is not ${HLC_BYTES} bytes`);
  if (snapshot.deleted) {
    remove(merge, applyDelete(store, model, snapshot.record, snapshot.deleteClock));
    return;
  }
  if (deleted(merge, adapter.id, snapshot.record)) return;
  const verdict = resolveReferences(model, checkedValues(snapshot.values, at), snapshotReference, merge);
  if (verdict.verdict === 'delete') {
    remove(merge, deleteWithChildren(store, model, snapshot.record, null));
    return;
  }
  // A snapshot never waits: `snapshotReference` reports no record as missing.
  if (verdict.verdict === 'wait') return;
  const { values } = verdict;

  if (model.isStateBased) {
    const version = clock(snapshot.version, at, 'version');
    checkOwner(model, snapshot.record, values, decodeHlc(version).device);
    model.upsert(snapshot.record, values, version);
  } else {
    const clocks: Record<string, Buffer> = {};
    for (const name in snapshot.clocks) {
      if (!model.fields.has(name)) throw new InvalidChangeError(`${describe(at)}: clock of unknown field ${name}`);
      clocks[name] = clock(snapshot.clocks[name], at, `clock of ${name}`);
    }
    model.upsertWithClocks(snapshot.record, values, clock(snapshot.version, at, 'create clock'), clocks);
    for (const device of snapshot.devices) {
      const deviceAt: RecordPlace = { model, record: snapshot.record, device: device.device };
      const deviceValues = checkedValues(device.values, deviceAt);
      const version = clock(device.version, deviceAt, 'version');
      if (decodeHlc(version).device !== device.device) throw new InvalidChangeError(`${describe(deviceAt)}: row versioned by another device`);
      model.upsertDevice(snapshot.record, device.device, deviceValues, version);
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
  readonly model: ModelStore;
  readonly record: string;
  readonly device: string | null;
}

function describe({ model, record, device }: RecordPlace): string {
  return `${model.name} ${record} (snapshot)${device === null ? '' : ` device ${device}`}`;
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
  const { model } = at;
  const perDevice = at.device !== null;
  const kind = perDevice ? 'perDevice' : 'shared';
  let count = 0;
  for (const name in values) {
    const field = model.fields.get(name);
    if (!field || field === model.key || field.perDevice !== perDevice) throw new InvalidChangeError(`${describe(at)}: ${name} is not a ${kind} field`);
    const problem = valueProblem(field, values[name]!);
    if (problem !== null) throw new InvalidChangeError(`${describe(at)}: ${name}: ${problem}`);
    count += 1;
  }
  // Each name is a distinct field of the kind: as many as the model has means all of them.
  if (count !== (perDevice ? model.deviceFields : model.values).length)
    throw new InvalidChangeError(`${describe(at)}: a snapshot record carries every ${kind} field`);
  return values;
}
