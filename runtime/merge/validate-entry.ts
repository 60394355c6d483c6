/**
 * Checking an untrusted change entry from a peer before anything of it is stored: its origin (never
 * this device: only this device writes its own entries; never a removed device past its cut), its
 * shape, its model and fields, each value (re-encoded by its field's codec it must come out
 * unchanged, so every device holds the same bytes), the owner rule and the fixed cascade references
 * (`conflict-rules.ts`). Returns the entry in canonical form, or throws a `SyncError`.
 */
import type { ChangeEntry, ChangeKind } from '../core/change-entry.js';
import { ForeignOwnEntryError, InvalidChangeError, RemovedDeviceError, UnknownModelError } from '../core/errors.js';
import { decodeHlc, HLC_BYTES, type Hlc } from '../core/hlc.js';
import type { SqlValue } from '../core/sql-value.js';
import { isUuid } from '../core/uuid.js';
import type { ModelStore, Values } from '../store/model-store.js';
import type { Store } from '../store/store.js';
import { carriedCascadeReference, changedCascadeReference, checkWriter, hasCascadeReference } from './conflict-rules.js';
import { valueProblem } from './field-values.js';

const KINDS: readonly ChangeKind[] = ['insert', 'update', 'delete'];

export function validateEntry(store: Store, raw: unknown): { entry: ChangeEntry; model: ModelStore; clock: Hlc } {
  if (typeof raw !== 'object' || raw === null) throw new InvalidChangeError('not an object');
  const { origin, seq, hlc, model: modelId, record, kind, data } = raw as Record<string, unknown>;
  if (!isUuid(origin)) throw new InvalidChangeError(`origin ${JSON.stringify(origin)} is not a lower-case UUID`);
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) throw new InvalidChangeError(`seq ${String(seq)} is not a positive integer`);
  // Stored, it would take a seq this device will use for its own next change: devices would diverge for good.
  if (origin === store.deviceId) throw new ForeignOwnEntryError(origin, seq);
  // A removed device's entries after its cut: refused before anything else, never stored, so never relayed.
  const cut = store.members.cutOf(origin);
  if (cut !== undefined && seq > cut) throw new RemovedDeviceError(origin, seq, cut);
  if (!(hlc instanceof Uint8Array) || hlc.length !== HLC_BYTES) throw new InvalidChangeError(`hlc is not ${HLC_BYTES} bytes`);
  if (typeof modelId !== 'number') throw new InvalidChangeError('model is not a number');
  const model = store.stores.get(modelId);
  if (!model) throw new UnknownModelError(modelId);
  if (!isUuid(record)) throw new InvalidChangeError(`record ${JSON.stringify(record)} is not a lower-case UUID`);
  if (!KINDS.includes(kind as ChangeKind)) throw new InvalidChangeError(`unknown kind ${JSON.stringify(kind)}`);
  const bytes = Buffer.from(hlc);
  const clock = decodeHlc(bytes);
  if (clock.device !== origin) throw new InvalidChangeError(`the clock was issued by another device than the origin ${origin}`);
  const at: EntryPlace = { model, record, origin, seq };

  let values: Values | null = null;
  if (kind === 'delete') {
    if (data !== null) throw new InvalidChangeError(`${describe(at)}: a delete carries no data`);
  } else {
    values = checkedValues(data, at);
    checkCompleteness(kind as ChangeKind, values, at);
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
  return { entry: { origin, seq, hlc: bytes, model: modelId, record, kind: kind as ChangeKind, data: values }, model, clock };
}

/** The fields a change may set (never the key), each a value its codec stores unchanged. */
function checkedValues(data: unknown, at: EntryPlace): Values {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InvalidChangeError(`${describe(at)}: data is not an object`);
  const { model } = at;
  const values: Values = {};
  for (const name in data) {
    if (!Object.hasOwn(data, name)) continue;
    const field = model.fields.get(name);
    if (!field || field === model.key) throw new InvalidChangeError(`${describe(at)}: ${name} is not a field it can change`);
    const value = (data as Record<string, SqlValue>)[name]!;
    const problem = valueProblem(field, value);
    if (problem !== null) throw new InvalidChangeError(`${describe(at)}: ${name}: ${problem}`);
    values[name] = value;
  }
  return values;
}

/** Inserts and stateBased states carry every field; perDevice fields travel all or none. */
function checkCompleteness(kind: ChangeKind, values: Values, at: EntryPlace): void {
  const { model } = at;
  if (kind === 'insert' || model.isStateBased) {
    const lacking = absent(model.values, values);
    if (lacking.length > 0) throw new InvalidChangeError(`${describe(at)}: ${kind} lacks ${lacking.join(', ')}`);
  }
  if (model.deviceFields.length > 0) {
    const lacking = absent(model.deviceFields, values);
    if (lacking.length > 0 && lacking.length < model.deviceFields.length) {
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
  readonly model: ModelStore;
  readonly record: string;
  readonly origin: string;
  readonly seq: number;
}

function describe({ model, record, origin, seq }: EntryPlace): string {
  return `${model.name} ${record} (${origin}#${seq})`;
}

function absent(fields: readonly { name: string }[], values: Values): string[] {
  const names: string[] = [];
  for (const field of fields) if (!(field.name in values)) names.push(field.name);
  return names;
}
