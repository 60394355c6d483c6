/**
 * Merging snapshot records (a snapshot page, or records fetched because parked changes wait for
 * them). A snapshot record stands for the entries that made it, and obeys their rules through the
 * same functions (`conflict-rules.ts`, `delete-cascade.ts`), so snapshots and entries can arrive
 * in any order and still converge, and a snapshot can do nothing that entries could not:
 *
 * | a snapshot record | stands for | checked and applied as that entry |
 * | --- | --- | --- |
 * | deleted, with a delete clock | a delete by the clock's device | owner rule (`checkWriter`), clock observed (drift bound), `applyDelete` (deletes win; cascade, setNull) |
 * | any clock of this device | a change in this device's own name | refused unless this device holds it (`own-state.ts`): only it writes its own changes |
 * | deleted, without a clock | a cascade from a deleted parent | refused for a model without a cascade reference; ignored while a held row's parent is not deleted (that parent's delete brings it); else `applyDelete` |
 * | stateBased values with a version | the owner's state at that version | owner rule for its values and its stored row, by the version's device; cascade reference fixed; clock observed; an older version does not replace a newer one |
 * | logBased values, create clock and field clocks | its create and its updates | cascade reference fixed (no clock of its own, the stored one); clocks observed; last writer wins per field |
 * | a hybrid record's device rows | each device's own state | versioned by that device; clock observed |
 * | any state of a deleted record | a change of a deleted record | ignored: deletes win |
 *
 * References to deleted records follow the schema (`resolveReferences`). One difference: a
 * snapshot record never parks on a referent that has not arrived. Pages come parents first, and a
 * referent created after its page was read comes through the log, above the vector the pull claims.
 *
 * Records of devices on other schema versions (`snapshot-values.ts`): fields a record lacks are
 * filled in; fields this schema does not know are kept per record (`held-fields.ts`), and a record
 * of a model it does not know is kept whole (`held-records.ts`); both are served in this device's
 * snapshots and merged when it upgrades.
 *
 * Whatever a merge changes is in the rows and tombstones that this device serves in its own
 * snapshots, and a pull's claim raises the prune floor (`sync-log.ts`): a peer lacking the entries
 * behind it pulls a snapshot from this device in turn, so the effect reaches devices that relay
 * through this one.
 */
import { ForeignOwnStateError, InvalidChangeError, SyncError } from '../core/errors.js';
import { decodeHlc } from '../core/hlc.js';
import type { SnapshotRecord } from '../core/snapshot-record.js';
import type { MissingRecord } from '../store/parked-changes.js';
import type { Store } from '../store/store.js';
import {
  cascadeParentDeleted,
  changedCascadeReference,
  checkWriter,
  hasCascadeReference,
  isDeleted,
  resolveReferences,
  type ReferenceState,
} from './conflict-rules.js';
import { applyDelete, deleteWithChildren } from './delete-cascade.js';
import { holdFields, unknownOfRecord } from './held-fields.js';
import { holdWholeRecord } from './held-records.js';
import { checkOwnState, issuedBy } from './own-state.js';
import { checkedClocks, checkedValues, describe, recordClock as clock, type RecordPlace } from './snapshot-values.js';

export interface RefusedRecord {
  readonly record: SnapshotRecord;
  readonly error: SyncError;
}

/**
 * Merges snapshot records; returns the records that now exist or were deleted. Refused records are
 * reported (the caller decides whether the rest stands). Each record's clocks are observed before it
 * is written (a later local write must win over every value held); a clock beyond the drift bound
 * refuses the record, as it refuses an entry.
 */
export function mergeSnapshot(store: Store, records: readonly SnapshotRecord[]): { resolved: MissingRecord[]; refused: RefusedRecord[] } {
  const refused: RefusedRecord[] = [];
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
  const model = merge.store.stores.get(snapshot.model);
  if (!model) {
    holdWholeRecord(merge.store, snapshot);
    return;
  }
  const at: RecordPlace = { model, record: snapshot.record, device: null };
  if (snapshot.deleted) mergeDelete(merge, snapshot, at);
  else mergeState(merge, snapshot, at);
}

/** A tombstone: a delete by the device of its clock, or (without one) a cascade from a deleted parent. */
function mergeDelete(merge: Merge, snapshot: SnapshotRecord, at: RecordPlace): void {
  const { store } = merge;
  const { model, record } = at;
  if (snapshot.deleteClock === null) {
    if (!hasCascadeReference(model)) throw new InvalidChangeError(`${describe(at)}: deleted without a clock, yet nothing can cascade to it`);
    const row = model.row(record);
    // Held with a live parent: the parent's delete, still on its way, brings the cascade.
    if (row && !cascadeParentDeleted(store, model, row)) return;
    remove(merge, applyDelete(store, model, record, null));
    return;
  }
  const deleteClock = clock(snapshot.deleteClock, at, 'deleteClock');
  const writer = decodeHlc(deleteClock);
  checkWriter(model, record, null, model.adapter.owner === null ? undefined : model.row(record), writer.device);
  checkOwnState(store, model, record, { deleteClock, version: null, clocks: {}, devices: [] }, undefined);
  observe(store, deleteClock);
  remove(merge, applyDelete(store, model, record, deleteClock));
}

/** A record's values with their clocks: the entries that made it, merged by the rules of each strategy. */
function mergeState(merge: Merge, snapshot: SnapshotRecord, at: RecordPlace): void {
  const { store } = merge;
  const { model, record } = at;
  const checked = checkedValues(snapshot.values, at);
  const { values } = checked;
  const version = clock(snapshot.version, at, model.isStateBased ? 'version' : 'create clock');
  // Per-field clocks are a logBased record's; a device-owned state has its version only.
  if (model.isStateBased && snapshot.clocks !== null && Object.keys(snapshot.clocks).length > 0)
    throw new InvalidChangeError(`${describe(at)}: field clocks on a device-owned record`);
  if (snapshot.devices.length > 0 && model.deviceFields.length === 0)
    throw new InvalidChangeError(`${describe(at)}: device rows on a model without perDevice fields`);
  const { known: clocks, unknown: unknownClocks } = checkedClocks(snapshot.clocks, snapshot.values!, at);
  let unknown = checked.unknown;
  const devices = snapshot.devices.map((device) => {
    const deviceAt: RecordPlace = { model, record, device: device.device };
    const deviceVersion = clock(device.version, deviceAt, 'version');
    if (decodeHlc(deviceVersion).device !== device.device) throw new InvalidChangeError(`${describe(deviceAt)}: row versioned by another device`);
    const row = checkedValues(device.values, deviceAt);
    if (row.unknown) unknown = true;
    return { device: device.device, values: row.values, version: deviceVersion };
  });
  // This device never wrote a field it does not know.
  for (const name in unknownClocks)
    if (issuedBy(unknownClocks[name]!, store.clock.deviceBytes)) throw new ForeignOwnStateError(model.name, record, `a write of ${name}`);

  // As an entry: checked against the record's owner and its fixed cascade references (in its values
  // and its stored row), its clock observed, and only then ignored if the record was deleted.
  const cascades = hasCascadeReference(model);
  const current = model.isStateBased || cascades ? model.row(record) : undefined;
  if (model.isStateBased) checkWriter(model, record, values, current, decodeHlc(version).device);
  checkOwnState(store, model, record, { deleteClock: null, version, clocks, devices }, current);
  if (cascades) {
    const moved =
      (current && changedCascadeReference(model, current, values)) ||
      (!model.isStateBased && model.adapter.references.find((reference) => reference.onDelete === 'cascade' && reference.field in clocks));
    if (moved) throw new InvalidChangeError(`${describe(at)}: ${moved.field} references its parent with onDelete cascade and cannot change after create`);
  }
  observe(store, latestClock(version, unknownClocks === null ? clocks : { ...clocks, ...unknownClocks }, devices));
  if (deleted(merge, model.adapter.id, record)) return;

  const verdict = resolveReferences(model, values, snapshotReference, merge);
  if (verdict.verdict === 'delete') {
    remove(merge, deleteWithChildren(store, model, record, null));
    return;
  }
  // A snapshot never waits: `snapshotReference` reports no record as missing.
  if (verdict.verdict === 'wait') return;
  if (model.isStateBased) {
    model.upsert(record, verdict.values, version);
  } else {
    model.upsertWithClocks(record, verdict.values, version, clocks);
    for (const device of devices) model.upsertDevice(record, device.device, device.values, device.version);
  }
  if (unknown) {
    const rows = snapshot.devices.map((row, index) => ({ device: row.device, values: row.values, version: devices[index]!.version }));
    holdFields(store, model, record, unknownOfRecord(model, snapshot.values!, { ...clocks, ...unknownClocks }, version, rows)!);
  }
  merge.resolved?.push({ model: model.adapter.id, record });
}

/** Observes a record's latest clock, as an entry's; beyond the drift bound the record is refused. */
function observe(store: Store, latest: Buffer): void {
  const observed = store.clock.observe(decodeHlc(latest));
  if (!observed.ok) throw observed.error;
}

/** The greatest of a record's clocks (the encoding sorts as clocks compare). */
function latestClock(version: Buffer, clocks: Readonly<Record<string, Buffer>>, devices: readonly { version: Buffer }[]): Buffer {
  let latest = version;
  for (const name in clocks) if (Buffer.compare(clocks[name]!, latest) > 0) latest = clocks[name]!;
  for (const device of devices) if (Buffer.compare(device.version, latest) > 0) latest = device.version;
  return latest;
}
