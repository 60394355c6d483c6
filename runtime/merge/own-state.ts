/**
 * Only this device writes its own changes, and it holds every one it made (applied at commit): a
 * snapshot record that carries a clock of this device newer than what this device holds for the
 * same piece of state claims a change this device never made. Entries in its name are refused by
 * their origin (`validate-entry.ts`); snapshot records, which name no origin, by this check.
 * Records that carry no clock of this device (nearly all) cost one comparison per clock.
 */
import { ForeignOwnStateError } from '../core/errors.js';
import { CREATE_CLOCK_COLUMN, VERSION_COLUMN } from '../contract/storage-columns.js';
import type { ModelStore, Values } from '../store/model-store.js';
import type { Store } from '../store/store.js';

/** Whether an encoded clock ends with this device's 16 bytes (compared in place: every snapshot record has clocks). */
export function issuedBy(clock: Uint8Array, device: Uint8Array): boolean {
  for (let index = 15; index >= 0; index -= 1) if (clock[8 + index] !== device[index]) return false;
  return true;
}

/** Whether `held` (a stored clock, or none) is at least `claimed`. */
function holds(held: unknown, claimed: Uint8Array): boolean {
  return held instanceof Uint8Array && Buffer.compare(held, claimed) >= 0;
}

export interface ClaimedState {
  readonly deleteClock: Uint8Array | null;
  readonly version: Uint8Array | null;
  readonly clocks: Readonly<Record<string, Uint8Array>>;
  readonly devices: readonly { readonly device: string; readonly version: Uint8Array }[];
}

/** Refuses a snapshot record that claims a change of this device that it does not hold. */
export function checkOwnState(store: Store, model: ModelStore, record: string, claimed: ClaimedState, current: Readonly<Values> | undefined): void {
  const own = store.clock.deviceBytes;
  const claims = (clock: Uint8Array | null): clock is Uint8Array => clock !== null && issuedBy(clock, own);
  const ownClocks = Object.keys(claimed.clocks).filter((name) => claims(claimed.clocks[name]!));
  const ownRow = claimed.devices.find((device) => device.device === store.deviceId);
  if (!claims(claimed.deleteClock) && !claims(claimed.version) && ownClocks.length === 0 && !ownRow) return;
  // A record deleted here: whatever this device wrote of it, the delete is final; nothing to compare.
  if (store.tombstones.has(model.adapter.id, record)) return;
  const refuse = (what: string) => new ForeignOwnStateError(model.name, record, what);
  if (claims(claimed.deleteClock)) throw refuse('a delete');
  const row = current ?? model.row(record);
  if (!row) throw refuse('a write of a record it does not hold');
  if (claims(claimed.version) && model.isStateBased && !holds(row[VERSION_COLUMN], claimed.version)) throw refuse('a state');
  for (const name of ownClocks) {
    if (!holds(row[model.fields.get(name)!.clockColumn!] ?? row[CREATE_CLOCK_COLUMN], claimed.clocks[name]!)) throw refuse(`a write of ${name}`);
  }
  if (ownRow && !holds(model.deviceRow(record, store.deviceId)?.[VERSION_COLUMN], ownRow.version)) throw refuse('its own perDevice values');
}
