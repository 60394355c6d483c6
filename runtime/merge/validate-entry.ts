/**
 * Checking an untrusted change entry from a peer before anything of it is stored: its origin (never
 * this device: only this device writes its own entries; never a removed device past its cut), its
 * shape, its model and fields, each value (re-encoded by its field's codec it must come out
 * unchanged, so every device holds the same bytes), the owner rule and the fixed cascade references
 * (`conflict-rules.ts`). Returns the entry in canonical form, or throws a `SyncError`.
 *
 * An entry written under another schema version is kept whole (`held-fields.ts`, `quarantine.ts`):
 * of a model this schema does not know, it is checked for shape only (its values as plain data);
 * a field this schema does not know is checked as plain data and kept beside the known ones; a
 * field it lacks is filled in for applying (`fill-defaults.ts`). All-known entries take no branch.
 */
import type { ChangeEntry, ChangeKind } from '../core/change-entry.js';
import { ForeignOwnEntryError, InvalidChangeError, RemovedDeviceError } from '../core/errors.js';
import { decodeHlc, HLC_BYTES, type Hlc } from '../core/hlc.js';
import { FIELD_NAME, plainValueProblem } from '../core/plain-value.js';
import type { SqlValue } from '../core/sql-value.js';
import { isUuid } from '../core/uuid.js';
import type { ModelStore, Values } from '../store/model-store.js';
import type { Store } from '../store/store.js';
import { carriedCascadeReference, changedCascadeReference, checkWriter, hasCascadeReference } from './conflict-rules.js';
import { valueProblem } from './field-values.js';
import { completeValues, lackingFields } from './fill-defaults.js';

const KINDS: readonly ChangeKind[] = ['insert', 'update', 'delete'];

/** The highest model id a schema may declare (`x-sync.id`, docs/schema.md). */
export const MAX_MODEL_ID = 65_535;

/** A checked entry: as stored and relayed (`entry`), and what of it this device applies. */
export interface ValidEntry {
  readonly entry: ChangeEntry;
  /** The model's store, or null for a model this schema does not know (the entry is held, not applied). */
  readonly model: ModelStore | null;
  readonly clock: Hlc;
  /** The values to apply: known fields, lacking ones filled in (`entry.data` itself when nothing differs); null for a delete. */
  readonly values: Values | null;
  /** The names of the fields this schema does not know, or null when it knows them all. */
  readonly unknown: string[] | null;
}

/**
 * Checks an entry. `replay` (a held entry, checked again under a newer schema) skips the checks of
 * its origin, which it passed when it arrived.
 */
export function validateEntry(store: Store, raw: unknown, replay = false): ValidEntry {
  if (typeof raw !== 'object' || raw === null) throw new InvalidChangeError('not an object');
  const { origin, seq, hlc, model: modelId, record, kind, data } = raw as Record<string, unknown>;
  if (!isUuid(origin)) throw new InvalidChangeError(`origin ${JSON.stringify(origin)} is not a lower-case UUID`);
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) throw new InvalidChangeError(`seq ${String(seq)} is not a positive integer`);
  if (!replay) {
    // Stored, it would take a seq this device will use for its own next change: devices would diverge for good.
    if (origin === store.deviceId) throw new ForeignOwnEntryError(origin, seq);
    // A removed device's entries after its cut: refused before anything else, never stored, so never relayed.
    const cut = store.members.cutOf(origin);
    if (cut !== undefined && seq > cut) throw new RemovedDeviceError(origin, seq, cut);
  }
  if (!(hlc instanceof Uint8Array) || hlc.length !== HLC_BYTES) throw new InvalidChangeError(`hlc is not ${HLC_BYTES} bytes`);
  if (typeof modelId !== 'number') throw new InvalidChangeError('model is not a number');
  if (!isUuid(record)) throw new InvalidChangeError(`record ${JSON.stringify(record)} is not a lower-case UUID`);
  if (!KINDS.includes(kind as ChangeKind)) throw new InvalidChangeError(`unknown kind ${JSON.stringify(kind)}`);
  const bytes = Buffer.from(hlc);
  const clock = decodeHlc(bytes);
  if (clock.device !== origin) throw new InvalidChangeError(`the clock was issued by another device than the origin ${origin}`);
  const model = store.stores.get(modelId);
  if (!model) {
    // A model of a newer schema: one a schema could declare.
    if (!Number.isInteger(modelId) || modelId < 1 || modelId > MAX_MODEL_ID)
      throw new InvalidChangeError(`model ${modelId} is not a model id (1 to ${MAX_MODEL_ID})`);
    return heldEntry({ origin, seq, hlc: bytes, model: modelId, record, kind: kind as ChangeKind }, data, clock);
  }
  const at: EntryPlace = { model, record, origin, seq };

  let stored: Values | null = null;
  let values: Values | null = null;
  let unknown: string[] | null = null;
  if (kind === 'delete') {
    if (data !== null) throw new InvalidChangeError(`${describe(at)}: a delete carries no data`);
  } else {
    ({ values: stored, unknown } = checkedValues(data, at));
    values = completeValues(model, kind as ChangeKind, stored, unknown !== null);
    if (values === null) throw new InvalidChangeError(`${describe(at)}: ${kind} lacks ${lackingFields(model, kind as ChangeKind, stored).join(', ')}`);
    if (!hasField(stored)) throw new InvalidChangeError(`${describe(at)}: ${kind} changes no field`);
  }

  // Checked against the stored row: a device-owned record (its owner, its cascade references), and
  // the create of a record with a cascade reference (a second create must not move it).
  const cascades = hasCascadeReference(model);
  const current = model.isStateBased || (kind === 'insert' && cascades) ? model.row(record) : undefined;
  checkWriter(model, record, values, current, origin);
  if (values && cascades) {
    // A logBased update never carries one (its writer leaves an unchanged one out); a stateBased state repeats it.
    const moved =
      kind === 'update' && !model.isStateBased ? carriedCascadeReference(model, values) : current && changedCascadeReference(model, current, values);
    if (moved) throw new InvalidChangeError(`${describe(at)}: ${moved.field} references its parent with onDelete cascade and cannot change after create`);
  }
  return { entry: { origin, seq, hlc: bytes, model: modelId, record, kind: kind as ChangeKind, data: stored }, model, clock, values, unknown };
}

/** An entry of a model this schema does not know: its shape checked, its values as plain data; held, not applied. */
function heldEntry(shape: Omit<ChangeEntry, 'data'>, data: unknown, clock: Hlc): ValidEntry {
  const at = `model ${shape.model} ${shape.record} (${shape.origin}#${shape.seq})`;
  let values: Values | null = null;
  if (shape.kind === 'delete') {
    if (data !== null) throw new InvalidChangeError(`${at}: a delete carries no data`);
  } else {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InvalidChangeError(`${at}: data is not an object`);
    values = {};
    for (const name in data) {
      if (!Object.hasOwn(data, name)) continue;
      const value = (data as Record<string, SqlValue>)[name]!;
      const problem = unknownFieldProblem(name, value);
      if (problem !== null) throw new InvalidChangeError(`${at}: ${problem}`);
      values[name] = value;
    }
    if (!hasField(values)) throw new InvalidChangeError(`${at}: ${shape.kind} changes no field`);
  }
  return { entry: { ...shape, data: values }, model: null, clock, values: null, unknown: null };
}

/** The fields a change may set (never the key), each a value its codec stores unchanged; unknown ones as plain data. */
function checkedValues(data: unknown, at: EntryPlace): { values: Values; unknown: string[] | null } {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InvalidChangeError(`${describe(at)}: data is not an object`);
  const { model } = at;
  const values: Values = {};
  let unknown: string[] | null = null;
  for (const name in data) {
    if (!Object.hasOwn(data, name)) continue;
    const field = model.fields.get(name);
    const value = (data as Record<string, SqlValue>)[name]!;
    if (field === undefined) {
      // A field of a newer schema: kept as received.
      const problem = unknownFieldProblem(name, value);
      if (problem !== null) throw new InvalidChangeError(`${describe(at)}: ${problem}`);
      unknown ??= [];
      unknown.push(name);
    } else {
      if (field === model.key) throw new InvalidChangeError(`${describe(at)}: ${name} is not a field it can change`);
      const problem = valueProblem(field, value);
      if (problem !== null) throw new InvalidChangeError(`${describe(at)}: ${name}: ${problem}`);
    }
    values[name] = value;
  }
  return { values, unknown };
}

/** Why a field this schema does not know cannot be kept: a name no schema has, or a value that is not plain data. */
export function unknownFieldProblem(name: string, value: unknown): string | null {
  if (!FIELD_NAME.test(name)) return `${JSON.stringify(name.slice(0, 64))} is not a field name`;
  const problem = plainValueProblem(value);
  return problem === null ? null : `${name}: ${problem}`;
}

function hasField(values: Values): boolean {
  for (const _ in values) return true;
  return false;
}

/** The entry being checked, named in error messages (text built only for an error: a batch has thousands). */
interface EntryPlace {
  readonly model: ModelStore;
  readonly record: string;
  readonly origin: string;
  readonly seq: number;
}

function describe({ model, record, origin, seq }: EntryPlace): string {
  return `${model.name} ${record} (${origin}#${seq})`;
}
