/**
 * Snapshot records of a model this schema does not know (a newer schema's model): kept whole in the
 * quarantine (`store/quarantine.ts`), served as they are when a peer asks for that model's pages,
 * and merged into the model's table when this device upgrades (`replay-quarantine.ts`).
 *
 * Without the model, a record is checked for its shape only: its key, its clocks (24 bytes, none
 * of this device: it never wrote a model it does not know; the latest within the drift bound),
 * its values as plain data. Two copies of one record merge by the rules its shape shows: deletes
 * win (the smallest delete clock kept); a state without field clocks (stateBased) by its version;
 * otherwise last writer wins per field, and per device for device rows.
 */
import { ForeignOwnStateError, InvalidChangeError } from '../core/errors.js';
import { decodeHlc, HLC_BYTES } from '../core/hlc.js';
import type { SnapshotRecord, SnapshotDeviceRow } from '../core/snapshot-record.js';
import type { SqlValue } from '../core/sql-value.js';
import { isUuid } from '../core/uuid.js';
import { quarantineOf } from '../store/quarantine.js';
import type { Store } from '../store/store.js';
import { MAX_MODEL_ID, unknownFieldProblem } from './validate-entry.js';

/** Checks and keeps a record of an unknown model, merged with the copy held, if any. */
export function holdWholeRecord(store: Store, snapshot: SnapshotRecord): void {
  const at = `model ${snapshot.model} ${String(snapshot.record)} (snapshot)`;
  const refuse = (what: string) => new InvalidChangeError(`${at}: ${what}`);
  if (!Number.isInteger(snapshot.model) || snapshot.model < 1 || snapshot.model > MAX_MODEL_ID) throw refuse(`not a model id (1 to ${MAX_MODEL_ID})`);
  if (!isUuid(snapshot.record)) throw refuse('the record is not a lower-case UUID');
  const clocks: Uint8Array[] = [];
  const clock = (value: unknown, what: string): Buffer => {
    if (!(value instanceof Uint8Array) || value.length !== HLC_BYTES) throw refuse(`${what} is not ${HLC_BYTES} bytes`);
    clocks.push(value);
    return Buffer.from(value);
  };
  const checkValues = (values: Readonly<Record<string, SqlValue>> | null) => {
    if (typeof values !== 'object' || values === null) throw refuse('no values');
    for (const name in values) {
      const problem = unknownFieldProblem(name, values[name]);
      if (problem !== null) throw refuse(problem);
    }
  };
  if (snapshot.deleted) {
    if (snapshot.deleteClock !== null) clock(snapshot.deleteClock, 'deleteClock');
  } else {
    checkValues(snapshot.values);
    clock(snapshot.version, 'version');
    for (const name in snapshot.clocks) {
      if (!(name in snapshot.values!)) throw refuse(`clock of a field it does not carry`);
      clock(snapshot.clocks[name], `clock of ${name}`);
    }
    for (const row of snapshot.devices) {
      if (!isUuid(row.device)) throw refuse('a device row of a device that is not a lower-case UUID');
      checkValues(row.values);
      if (decodeHlc(clock(row.version, 'device version')).device !== row.device) throw refuse('a device row versioned by another device');
    }
  }
  const own = store.deviceId;
  if (clocks.some((value) => decodeHlc(value).device === own)) {
    throw new ForeignOwnStateError(`model ${snapshot.model}`, snapshot.record, 'a change of a model it does not know');
  }
  if (clocks.length > 0) {
    const latest = clocks.reduce((a, b) => (Buffer.compare(a, b) >= 0 ? a : b));
    const observed = store.clock.observe(decodeHlc(latest));
    if (!observed.ok) throw observed.error;
  }
  const quarantine = quarantineOf(store);
  const held = quarantine.record(snapshot.model, snapshot.record);
  // Only what the record's shape carries is kept (a tombstone has no values, a state no delete clock).
  const record: SnapshotRecord = snapshot.deleted
    ? { ...snapshot, values: null, clocks: null, version: null, devices: [] }
    : { ...snapshot, deleteClock: null, clocks: snapshot.clocks ?? null };
  quarantine.putWhole(held?.whole ? mergeWhole(held.record, record) : record);
}

/** Two copies of one record of an unknown model, merged (see the module comment). */
export function mergeWhole(current: SnapshotRecord, incoming: SnapshotRecord): SnapshotRecord {
  if (current.deleted || incoming.deleted) {
    const deletes = [current, incoming].filter((copy) => copy.deleted && copy.deleteClock !== null).map((copy) => copy.deleteClock!);
    const deleteClock = deletes.length === 0 ? null : deletes.reduce((a, b) => (Buffer.compare(a, b) <= 0 ? a : b));
    return { model: current.model, record: current.record, deleted: true, deleteClock, values: null, clocks: null, version: null, devices: [] };
  }
  if (current.clocks === null || incoming.clocks === null) return Buffer.compare(incoming.version!, current.version!) > 0 ? incoming : current;
  // The create clock is the record's first, as a model's table keeps it; other clocks are the fields'.
  const create = Buffer.compare(current.version!, incoming.version!) <= 0 ? current.version! : incoming.version!;
  const values: Record<string, SqlValue> = {};
  const clocks: Record<string, Uint8Array> = {};
  for (const name of new Set([...Object.keys(current.values!), ...Object.keys(incoming.values!)])) {
    const mine = fieldClock(current, name);
    const theirs = fieldClock(incoming, name);
    const [winner, winning] = mine && (!theirs || Buffer.compare(mine, theirs) >= 0) ? [current, mine] : [incoming, theirs!];
    values[name] = winner.values![name]!;
    if (Buffer.compare(winning, create) !== 0) clocks[name] = winning;
  }
  const devices = new Map<string, SnapshotDeviceRow>();
  for (const row of [...current.devices, ...incoming.devices]) {
    const held = devices.get(row.device);
    if (!held || Buffer.compare(row.version, held.version) > 0) devices.set(row.device, row);
  }
  return { ...current, values, clocks, version: create, devices: [...devices.values()].sort((a, b) => (a.device < b.device ? -1 : 1)) };
}

/** The clock of a field's value in a copy (its own, or the create clock), or undefined when it lacks the field. */
function fieldClock(copy: SnapshotRecord, name: string): Uint8Array | undefined {
  if (!(name in copy.values!)) return undefined;
  return copy.clocks?.[name] ?? copy.version!;
}
