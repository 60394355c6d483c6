/**
 * Two versions of one app for the tests of devices on different schema versions: the golden
 * fixtures `evolution-v1` (Tag, Profile, Note) and `evolution-v2` (v1 plus Tag.icon, Tag.isPinned,
 * Tag.folderId, Profile.status, Note.lastReadAt per device, and the model Folder: an additive
 * migration 0002). Libraries of either, and what their quarantine holds.
 */
import type { ChangeEntry } from '../../runtime/core/change-entry.js';
import type { Library } from '../../runtime/library/library.js';
import { registry as v1 } from '../fixtures/evolution-v1/expected/generated/index.js';
import { registry as v2 } from '../fixtures/evolution-v2/expected/generated/index.js';
import { openDevice, readRows, type DeviceOptions, type ExampleLibrary } from './libraries.js';

export { v1, v2 };
export type V1Library = Library<typeof v1>;
export type V2Library = Library<typeof v2>;
export type AnyLibrary = V1Library | V2Library;

export const openV1 = (id: string, options: Omit<DeviceOptions, 'registry'> = {}) =>
  openDevice(id, { ...options, registry: v1 }) as unknown as Promise<V1Library>;
export const openV2 = (id: string, options: Omit<DeviceOptions, 'registry'> = {}) =>
  openDevice(id, { ...options, registry: v2 }) as unknown as Promise<V2Library>;

/** The example-typed view the shared helpers take. */
export const loose = (library: AnyLibrary) => library as unknown as ExampleLibrary;

/** Every entry a library holds, all origins, in clock order. */
export function held(library: AnyLibrary): ChangeEntry[] {
  return library.outbox.missingFrom(new Map(), Number.MAX_SAFE_INTEGER);
}

/** Delivers to `to` everything `from` holds that `to` lacks. */
export function pass(from: AnyLibrary, to: AnyLibrary) {
  return to.applyChanges(from.outbox.missingFrom(to.outbox.cursors(), Number.MAX_SAFE_INTEGER));
}

/** The held entries of unknown models, as `origin#seq model`. */
export function quarantinedEntries(library: AnyLibrary): string[] {
  return (
    readRows(loose(library), 'SELECT origin, seq, model FROM _sync_quarantine ORDER BY origin, seq') as { origin: string; seq: number; model: number }[]
  ).map((row) => `${row.origin}#${row.seq} model ${row.model}`);
}

/** The records holding unknown fields (or whole), as `model record whole`. */
export function quarantinedRecords(library: AnyLibrary): string[] {
  return (
    readRows(loose(library), 'SELECT model, record, whole FROM _sync_quarantine_record ORDER BY model, record') as {
      model: number;
      record: string;
      whole: number;
    }[]
  ).map((row) => `${row.model} ${row.record}${row.whole ? ' whole' : ''}`);
}

/** One row of a table, every column (clocks as hex). */
export function rowOf(library: AnyLibrary, table: string, key: string, id: string): Record<string, unknown> | undefined {
  const [row] = readRows(loose(library), `SELECT * FROM "${table}" WHERE "${key}" = ?`, id) as Record<string, unknown>[];
  return row && Object.fromEntries(Object.entries(row).map(([name, value]) => [name, Buffer.isBuffer(value) ? value.toString('hex') : value]));
}
