/**
 * Replaying the quarantine when a device upgrades: what it held for newer devices without
 * understanding it (`store/quarantine.ts`) is merged now that its schema knows more, in one
 * transaction, on the first open under each newer schema version, before anything else touches
 * the new columns. Everything carries its original clocks, and the merge rules are
 * order-independent, so the device ends as if it had known the fields all along.
 *
 * - a held entry of a model now known: checked again (`validate-entry.ts`) and applied as a
 *   received entry is (`apply-entry.ts`: parked, released, deletes win); it never was;
 * - a whole record of a model now known: merged as a snapshot record (`snapshot-merge.ts`);
 * - a record's held fields now known: their values replace the migration's defaults
 *   (`store/late-fields.ts`, where the adapters' merge would keep a default at a tied clock), after
 *   references to deleted records are resolved as a snapshot's are;
 * - what is still unknown (a schema newer still) stays held. A value its field refuses, which an
 *   additive change cannot produce, is reported and dropped.
 */
import { InvalidChangeError, SyncError } from '../core/errors.js';
import type { SqlValue } from '../core/sql-value.js';
import { LateFields } from '../store/late-fields.js';
import type { ModelStore, Values } from '../store/model-store.js';
import { quarantineOf, type HeldFields, type HeldValue } from '../store/quarantine.js';
import { rollingBack, type Store } from '../store/store.js';
import { applyEntry } from './apply-entry.js';
import { isDeleted, resolveReferences, type ReferenceState } from './conflict-rules.js';
import { deleteWithChildren } from './delete-cascade.js';
import { valueProblem } from './field-values.js';
import { holdEntryFields } from './held-fields.js';
import { releaseParked } from './release-parked.js';
import { mergeSnapshot } from './snapshot-merge.js';
import { validateEntry } from './validate-entry.js';

export interface ReplayOutcome {
  /** Held entries and records merged now. */
  readonly replayed: number;
  /** Held entries and records still not understood (of models this schema does not know either). */
  readonly kept: number;
  /** What could not be merged: dropped, and reported by the caller. */
  readonly problems: SyncError[];
}

/** Replays the quarantine when the registry's schema is newer than the one it was last replayed under. */
export function replayQuarantine(store: Store): ReplayOutcome {
  const quarantine = quarantineOf(store);
  const version = store.registry.schemaVersion;
  if (quarantine.replayedVersion >= version) return { replayed: 0, kept: 0, problems: [] };
  return rollingBack(store, () =>
    store.db
      .transaction(() => {
        const outcome = { replayed: 0, kept: 0, problems: [] as SyncError[] };
        replayEntries(store, outcome);
        replayRecords(store, outcome);
        quarantine.replayedVersion = version;
        store.clock.persist();
        return outcome;
      })
      .immediate(),
  );
}

type Outcome = { replayed: number; kept: number; problems: SyncError[] };

function replayEntries(store: Store, outcome: Outcome): void {
  const quarantine = quarantineOf(store);
  for (const { origin, seq, model: modelId } of quarantine.entries()) {
    if (!store.stores.has(modelId)) {
      outcome.kept += 1;
      continue;
    }
    quarantine.releaseEntry(origin, seq);
    const logged = store.log.entry(origin, seq);
    // Held entries are never pruned (`sync-log.ts`); a missing one has nothing to replay.
    if (!logged) continue;
    try {
      const { entry, model, values, unknown } = validateEntry(store, logged, true);
      const result = applyEntry(store, model!, entry, values);
      // Held already (the log has it): it waits whatever the parking's bound.
      if (result.parkOn) store.parked.park(origin, seq, result.parkOn);
      else releaseParked(store, result.resolved);
      if (unknown !== null) holdEntryFields(store, model!, entry, unknown);
      outcome.replayed += 1;
    } catch (error) {
      if (!(error instanceof SyncError)) throw error;
      outcome.problems.push(error);
    }
  }
}

function replayRecords(store: Store, outcome: Outcome): void {
  const quarantine = quarantineOf(store);
  const late = new LateFields(store.db);
  for (const { model: modelId, record, held } of quarantine.records()) {
    const model = store.stores.get(modelId);
    if (!model) {
      outcome.kept += 1;
      continue;
    }
    quarantine.dropRecord(modelId, record);
    outcome.replayed += 1;
    if (held.whole) {
      const { resolved, refused } = mergeSnapshot(store, [held.record]);
      outcome.problems.push(...refused.map((item) => item.error));
      releaseParked(store, resolved);
    } else if (!isDeleted(store, modelId, record)) {
      completeFields(store, late, model, record, held.fields, outcome.problems);
    }
  }
}

const PRESENT: ReferenceState = { state: 'present' };
const DELETED: ReferenceState = { state: 'deleted' };

/** Where a referenced record stands, as for a snapshot record: deleted or not (a missing one may still arrive). */
function lookup(store: Store, targetModel: string, id: string): ReferenceState {
  return isDeleted(store, store.storesByName.get(targetModel)!.adapter.id, id) ? DELETED : PRESENT;
}

/** Writes a record's held fields that the schema now knows; keeps those it still does not. */
function completeFields(store: Store, late: LateFields, model: ModelStore, record: string, held: HeldFields, problems: SyncError[]): void {
  const still: HeldFields = { fields: {}, devices: {} };
  let kept = false;
  const known = (name: string, [value, clock]: HeldValue, perDevice: boolean, into: Record<string, HeldValue>): [string, SqlValue, Uint8Array] | null => {
    const current = currentName(store, model, name);
    const field = model.fields.get(current);
    if (!field) {
      into[name] = [value, clock];
      kept = true;
      return null;
    }
    // Its other view: a hybrid field held both as shared and per device (`held-fields.ts`).
    if (field.perDevice !== perDevice || field === model.key) return null;
    const problem = valueProblem(field, value as SqlValue);
    if (problem === null) return [current, value as SqlValue, clock];
    problems.push(new InvalidChangeError(`${model.name} ${record}: the held value of ${current} does not fit the field: ${problem}`));
    return null;
  };

  const values: Values = {};
  const clocks = new Map<string, Uint8Array>();
  for (const name in held.fields) {
    const write = known(name, held.fields[name]!, false, still.fields);
    if (write) {
      values[write[0]] = write[1];
      clocks.set(write[0], write[2]);
    }
  }
  const verdict = resolveReferences(model, values, lookup, store);
  if (verdict.verdict === 'delete') {
    releaseParked(store, deleteWithChildren(store, model, record, null));
    return;
  }
  if (verdict.verdict === 'write') {
    if (model.isStateBased) {
      for (const [clock, names] of byClock(clocks)) late.state(model, record, pick(verdict.values, names), clock);
    } else {
      for (const [name, clock] of clocks) late.shared(model, record, name, verdict.values[name]!, clock);
    }
  }
  for (const device in held.devices) {
    const into: Record<string, HeldValue> = {};
    const deviceValues: Values = {};
    const deviceClocks = new Map<string, Uint8Array>();
    for (const name in held.devices[device]) {
      const write = known(name, held.devices[device]![name]!, true, into);
      if (write) {
        deviceValues[write[0]] = write[1];
        deviceClocks.set(write[0], write[2]);
      }
    }
    for (const [clock, names] of byClock(deviceClocks)) late.device(model, record, device, pick(deviceValues, names), clock);
    if (Object.keys(into).length > 0) still.devices[device] = into;
  }
  if (kept) quarantineOf(store).putFields(model.adapter.id, record, still);
}

/** A held field's name as this schema has it: renames since it was held applied (`contract/field-renames.ts`). */
function currentName(store: Store, model: ModelStore, name: string): string {
  if (model.fields.has(name)) return name;
  let current = name;
  for (const rename of store.registry.renames ?? []) if (rename.model === model.name && rename.from === current) current = rename.to;
  return current;
}

/** Field names grouped by their clock: the fields of one state, or of one device's row, are written together. */
function byClock(clocks: ReadonlyMap<string, Uint8Array>): Map<Uint8Array, string[]> {
  const groups = new Map<string, { clock: Uint8Array; names: string[] }>();
  for (const [name, clock] of clocks) {
    const key = Buffer.from(clock).toString('hex');
    const group = groups.get(key) ?? { clock, names: [] };
    group.names.push(name);
    groups.set(key, group);
  }
  return new Map([...groups.values()].map((group) => [group.clock, group.names]));
}

function pick(values: Readonly<Values>, names: readonly string[]): Values {
  const picked: Values = {};
  for (const name of names) picked[name] = values[name]!;
  return picked;
}
