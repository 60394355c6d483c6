/**
 * Applying changes received from peers, so that every device that holds the same set of changes
 * holds the same data, whatever the order, duplication or batching of their delivery.
 *
 * The rules, per entry:
 * - held already (in the log, or at or below its origin's cursor): skipped; applying is idempotent;
 * - malformed, of an unknown model, from a non-owner, or with a clock beyond the drift bound:
 *   refused with a typed error, not stored (its sender keeps it and retries);
 * - a delete: tombstone and delete, with the schema's cascade / setNull on references to it.
 *   Deletes are final: any change to a tombstoned record, whatever its clock, is ignored;
 * - a reference to a record that has not arrived, or an update of a record whose create has not
 *   arrived: parked (kept in the log, applied when that record arrives or is deleted);
 * - a reference to a deleted record: `cascade` deletes this record too, `setNull` clears the field
 *   (keeping the field's clock, so a later write still wins over the cleared value);
 * - a change to a cascade reference (fixed at create) is refused;
 * - stateBased: the whole state, written only when its version (the owner's HLC) is newer;
 * - logBased: each field written only when its clock is newer than the stored field's clock;
 * - hybrid: shared fields as logBased, perDevice fields as the origin device's own state.
 * Every entry held is appended to the log, so this device can relay it.
 */
import type { ChangeEntry, ChangeKind } from './change-entry.js';
import { InvalidChangeError, NotOwnerError, ParkingFullError, SyncError, UnknownModelError } from './errors.js';
import { ClockDriftError, decodeHlc, HLC_BYTES, type Hlc } from './hlc.js';
import { deleteWithChildren, referenceState, storeById, valueProblem, type LibraryCore } from './library-core.js';
import type { SqlValue } from './model-adapter.js';
import type { ModelStore, Values } from './model-store.js';
import type { MissingRecord } from './parked-changes.js';

export interface RefusedChange {
  readonly entry: unknown;
  readonly error: SyncError | ClockDriftError;
}

export interface ApplyOutcome {
  /** Entries newly held, as stored: what this device can now relay to others. */
  readonly stored: ChangeEntry[];
  /** Entries that were already held. */
  readonly duplicates: number;
  /** Entries of this batch that still wait for a record that has not arrived. */
  readonly parked: number;
  readonly refused: RefusedChange[];
}

interface EntryResult {
  /** The record this entry waits for; nothing was written. */
  readonly parkOn?: MissingRecord;
  /** Records that now exist or were deleted: changes parked on them can be applied. */
  readonly resolved: readonly MissingRecord[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KINDS: readonly ChangeKind[] = ['insert', 'update', 'delete'];

/** Applies a batch; the caller runs it inside one SQLite transaction. */
export function applyRemote(core: LibraryCore, entries: readonly unknown[]): ApplyOutcome {
  const stored: ChangeEntry[] = [];
  const refused: RefusedChange[] = [];
  const parkedHere: ChangeEntry[] = [];
  let duplicates = 0;
  const received = core.log.receive();
  for (const raw of entries) {
    let entry: ChangeEntry;
    let store: ModelStore;
    let clock: Hlc;
    try {
      ({ entry, store, clock } = validateEntry(core, raw));
    } catch (error) {
      if (error instanceof SyncError) {
        refused.push({ entry: raw, error });
        continue;
      }
      throw error;
    }
    if (received.holds(entry.origin, entry.seq)) {
      duplicates += 1;
      continue;
    }
    const observed = core.clock.observe(clock);
    if (!observed.ok) {
      refused.push({ entry: raw, error: observed.error });
      continue;
    }
    const result = applyEntry(core, store, entry);
    if (result.parkOn) {
      if (core.parked.full) {
        refused.push({ entry: raw, error: new ParkingFullError(core.parked.limit) });
        continue;
      }
      received.append(entry);
      core.parked.park(entry.origin, entry.seq, result.parkOn);
      parkedHere.push(entry);
    } else {
      received.append(entry);
      releaseParked(core, result.resolved);
    }
    stored.push(entry);
  }
  received.finish();
  core.clock.persist();
  const parked = parkedHere.filter((entry) => core.parked.has(entry.origin, entry.seq)).length;
  return { stored, duplicates, parked, refused };
}

/** Applies, again, the changes parked on records that now exist or were deleted, transitively. */
export function releaseParked(core: LibraryCore, resolved: readonly MissingRecord[]): void {
  const queue = [...resolved];
  while (queue.length > 0) {
    for (const { origin, seq } of core.parked.release(queue.pop()!)) {
      const entry = core.log.entry(origin, seq)!;
      const result = applyEntry(core, storeById(core, entry.model), entry);
      if (result.parkOn) core.parked.park(origin, seq, result.parkOn);
      else queue.push(...result.resolved);
    }
  }
}

function applyEntry(core: LibraryCore, store: ModelStore, entry: ChangeEntry): EntryResult {
  const { adapter } = store;
  const self = { model: adapter.id, record: entry.record };
  if (entry.kind === 'delete') {
    if (!core.tombstones.has(adapter.id, entry.record)) return { resolved: deleteWithChildren(core, store, entry.record, entry.hlc) };
    core.tombstones.add(adapter.id, entry.record, entry.hlc);
    return { resolved: [] };
  }
  // A logBased update that sets no reference merges into the row if there is one: a row means the
  // record is not deleted (a delete removes its row for good), so only a missing row asks the tombstones.
  const rowFirst = entry.kind === 'update' && !store.isStateBased && !setsReference(store, entry.data!);
  if (!rowFirst && core.tombstones.has(adapter.id, entry.record)) return { resolved: [] };

  const data: Values = { ...entry.data };
  for (const reference of adapter.references) {
    const value = data[reference.field];
    if (value === undefined || value === null) continue;
    const target = referenceState(core, reference.model, value as string);
    if (target.state === 'missing') return { parkOn: target.missing, resolved: [] };
    if (target.state === 'deleted') {
      if (reference.onDelete === 'cascade') return { resolved: deleteWithChildren(core, store, entry.record, null) };
      data[reference.field] = null;
    }
  }

  if (store.isStateBased) {
    store.upsert(entry.record, data, entry.hlc);
    return { resolved: [self] };
  }
  const shared: Values = {};
  const device: Values = {};
  let hasShared = false;
  let hasDevice = false;
  for (const [name, value] of Object.entries(data)) {
    if (store.fields.get(name)!.perDevice) {
      device[name] = value;
      hasDevice = true;
    } else {
      shared[name] = value;
      hasShared = true;
    }
  }
  if (entry.kind === 'insert') {
    if (hasShared) store.upsert(entry.record, shared, entry.hlc);
  } else if (hasShared ? !store.merge(entry.record, shared, entry.hlc) : !store.exists(entry.record)) {
    // No row (the merge wrote nothing): the record was deleted, or its create has not arrived.
    if (rowFirst && core.tombstones.has(adapter.id, entry.record)) return { resolved: [] };
    return { parkOn: self, resolved: [] };
  }
  if (hasDevice) store.upsertDevice(entry.record, entry.origin, device, entry.hlc);
  return { resolved: entry.kind === 'insert' ? [self] : [] };
}

function setsReference(store: ModelStore, data: Readonly<Values>): boolean {
  for (const reference of store.adapter.references) if (reference.field in data) return true;
  return false;
}

/**
 * Checks an untrusted entry's shape, model, fields, values and owner, and returns it in canonical
 * form (each value re-encoded by its field's codec must come out unchanged).
 */
function validateEntry(core: LibraryCore, raw: unknown): { entry: ChangeEntry; store: ModelStore; clock: Hlc } {
  if (typeof raw !== 'object' || raw === null) throw new InvalidChangeError('not an object');
  const { origin, seq, hlc, model, record, kind, data } = raw as Record<string, unknown>;
  if (typeof origin !== 'string' || !UUID.test(origin)) throw new InvalidChangeError(`origin ${JSON.stringify(origin)} is not a lower-case UUID`);
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) throw new InvalidChangeError(`seq ${String(seq)} is not a positive integer`);
  if (!(hlc instanceof Uint8Array) || hlc.length !== HLC_BYTES) throw new InvalidChangeError(`hlc is not ${HLC_BYTES} bytes`);
  if (typeof model !== 'number') throw new InvalidChangeError('model is not a number');
  const store = core.stores.get(model);
  if (!store) throw new UnknownModelError(model);
  if (typeof record !== 'string' || !UUID.test(record)) throw new InvalidChangeError(`record ${JSON.stringify(record)} is not a lower-case UUID`);
  if (!KINDS.includes(kind as ChangeKind)) throw new InvalidChangeError(`unknown kind ${JSON.stringify(kind)}`);
  const bytes = Buffer.from(hlc);
  const clock = decodeHlc(bytes);
  if (clock.device !== origin) throw new InvalidChangeError(`the clock was issued by another device than the origin ${origin}`);
  const at: EntryPlace = { store, record, origin, seq };

  let values: Values | null = null;
  if (kind === 'delete') {
    if (data !== null) throw new InvalidChangeError(`${describe(at)}: a delete carries no data`);
  } else {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InvalidChangeError(`${describe(at)}: data is not an object`);
    values = {};
    for (const name in data) {
      if (!Object.hasOwn(data, name)) continue;
      const field = store.fields.get(name);
      if (!field || field === store.key) throw new InvalidChangeError(`${describe(at)}: ${name} is not a field it can change`);
      const value = (data as Record<string, SqlValue>)[name]!;
      const problem = valueProblem(field, value);
      if (problem !== null) throw new InvalidChangeError(`${describe(at)}: ${name}: ${problem}`);
      values[name] = value;
    }
    checkCompleteness(kind as ChangeKind, values, at);
  }

  if (values && kind !== 'insert') checkFixedReferences(values, at);
  const { owner, primaryKey } = store.adapter;
  if (owner !== null) {
    const claimed = owner === primaryKey ? record : values?.[owner];
    if (values && claimed !== origin) throw new NotOwnerError(store.name, record, String(claimed), origin);
    const current = kind === 'insert' ? undefined : store.row(record);
    const stored = current && (owner === primaryKey ? record : current[owner]);
    if (stored !== undefined && stored !== origin) throw new NotOwnerError(store.name, record, String(stored), origin);
  }
  return { entry: { origin, seq, hlc: bytes, model, record, kind: kind as ChangeKind, data: values }, store, clock };
}

/** A cascade reference is fixed at create: an update may repeat it (stateBased states do), never change it. */
function checkFixedReferences(values: Values, at: EntryPlace): void {
  const { store, record } = at;
  let current: Values | undefined | null = null;
  for (const reference of store.adapter.references) {
    if (reference.onDelete !== 'cascade' || !(reference.field in values)) continue;
    // Read the stored row only when a cascade reference is present (stateBased states repeat it).
    if (store.isStateBased && current === null) current = store.row(record);
    if (!store.isStateBased || (current && current[reference.field] !== values[reference.field])) {
      throw new InvalidChangeError(`${describe(at)}: ${reference.field} references its parent with onDelete cascade and cannot change after create`);
    }
  }
}

/** Inserts and stateBased states carry every field; perDevice fields travel all or none. */
function checkCompleteness(kind: ChangeKind, values: Values, at: EntryPlace): void {
  const { store } = at;
  if (kind === 'insert' || store.isStateBased) {
    const lacking = absent(store.values, values);
    if (lacking.length > 0) throw new InvalidChangeError(`${describe(at)}: ${kind} lacks ${lacking.join(', ')}`);
  }
  if (store.deviceFields.length > 0) {
    const lacking = absent(store.deviceFields, values);
    if (lacking.length > 0 && lacking.length < store.deviceFields.length) {
      throw new InvalidChangeError(`${describe(at)}: perDevice fields travel together; ${lacking.join(', ')} missing`);
    }
  }
  let changes = false;
  for (const _ in values) {
    changes = true;
    break;
  }
  if (!changes) throw new InvalidChangeError(`${describe(at)}: ${kind} changes no field`);
}

/** The entry being checked, named in error messages (text built only for an error: a batch has thousands). */
interface EntryPlace {
  readonly store: ModelStore;
  readonly record: string;
  readonly origin: string;
  readonly seq: number;
}

function describe({ store, record, origin, seq }: EntryPlace): string {
  return `${store.name} ${record} (${origin}#${seq})`;
}

function absent(fields: readonly { name: string }[], values: Values): string[] {
  const names: string[] = [];
  for (const field of fields) if (!(field.name in values)) names.push(field.name);
  return names;
}
