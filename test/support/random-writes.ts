/**
 * Random local writes on a library of the example schema, for property tests: a write is a few
 * random numbers (action, model, which record, value seed) that are resolved against the device's
 * current data when it runs, so fast-check can shrink a history without making it invalid.
 *
 * Values come from each field's adapter descriptor (kind, enum values, codec), references point to
 * records the device holds, and device-owned records are only written by their owner; a write the
 * device cannot make (nothing to update, no record to reference) is skipped.
 */
import fc from 'fast-check';
import type { AnyModelAdapter, FieldDescriptor } from '../../runtime/contract/model-adapter.js';
import { SyncError } from '../../runtime/core/errors.js';
import { seededRandom as prng } from '../../runtime/transports/simulated/seeded-random.js';

export { prng };
import { readRows, type ExampleLibrary } from './libraries.js';

export interface RandomWrite {
  readonly action: 'create' | 'update' | 'delete';
  /** Index into the registry's models. */
  readonly model: number;
  /** Which existing record to touch or reference. */
  readonly pick: number;
  /** Seed of the values written. */
  readonly seed: number;
}

export const randomWrite: fc.Arbitrary<RandomWrite> = fc.record({
  action: fc.constantFrom('create', 'create', 'create', 'update', 'update', 'delete'),
  model: fc.nat(),
  pick: fc.nat(),
  seed: fc.nat(),
});

const TEXTS = ['a', 'Holidays', 'notes.txt', '#a1b2c3', '/Volumes/Photos', 'Ünïcode ✓', 'x'.repeat(40)];
const INTEGERS = [0, 1, 2, 3, 5, 42, 4096];
const NUMBERS = [0, 0.5, 1.25, 3, 1000.75];
const DATES = ['2024-05-01T12:00:00Z', '2024-06-15T08:30:00.250Z', '2025-01-01T00:00:00+02:00'];

/** A random value the field accepts, or undefined when none of the candidates fits it. */
function valueFor(field: FieldDescriptor, random: () => number, uuid: () => string): unknown {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  if (field.nullable && random() < 0.2) return null;
  const candidates: unknown[] = (() => {
    switch (field.kind) {
      case 'string':
        return [pick(TEXTS), ...TEXTS];
      case 'integer':
        return [pick(INTEGERS), ...INTEGERS];
      case 'number':
        return [pick(NUMBERS), ...NUMBERS];
      case 'boolean':
        return [random() < 0.5];
      case 'uuid':
        return [uuid()];
      case 'dateTime':
        return [pick(DATES)];
      case 'enum':
        return [pick(field.enumValues!)];
      case 'json':
        return [{ text: pick(TEXTS) }, [pick(TEXTS)]];
    }
  })();
  for (const candidate of candidates) {
    try {
      field.codec.encode(candidate);
      return candidate;
    } catch {
      // Not this one: try the next candidate.
    }
  }
  return field.nullable ? null : undefined;
}

/** Ids of a model's records on this device, in key order; only this device's own when `onlyOwn`. */
function recordIds(library: ExampleLibrary, adapter: AnyModelAdapter, onlyOwn = false): string[] {
  const owner = adapter.owner === null ? 'NULL' : `"${adapter.owner}"`;
  const rows = readRows(library, `SELECT "${adapter.primaryKey}" AS id, ${owner} AS owner FROM "${adapter.table}" ORDER BY 1`) as {
    id: string;
    owner: string | null;
  }[];
  return rows.filter((row) => !onlyOwn || row.owner === library.deviceId).map((row) => row.id);
}

/** Models deep in the reference graph are written more often, so that histories reach them. */
const MODEL_WEIGHTS: Record<string, number> = { Entry: 4, Album: 3, UserMetadata: 3, TagOnEntry: 3, EntryInAlbum: 3, Location: 2, Volume: 2, Tag: 2 };

function creatableAncestor(library: ExampleLibrary, adapter: AnyModelAdapter, depth = 0): AnyModelAdapter {
  for (const reference of adapter.references) {
    const parent = library.registry.byName(reference.model)!;
    if (reference.nullable || parent === adapter || depth > 5) continue;
    const ids = recordIds(library, parent);
    const needed = reference.field === adapter.owner ? !ids.includes(library.deviceId) : ids.length === 0;
    if (needed) return creatableAncestor(library, parent, depth + 1);
  }
  return adapter;
}

/**
 * Makes the write on `library` if it can. Returns what it did, for failure reports; refused writes
 * that the device could not know would fail are errors of the test, so they are rethrown.
 */
export function applyRandomWrite(library: ExampleLibrary, write: RandomWrite): string {
  const adapters = library.registry.dependencyOrder.flatMap((adapter) => Array<AnyModelAdapter>(MODEL_WEIGHTS[adapter.name] ?? 1).fill(adapter));
  const chosen = adapters[write.model % adapters.length]!;
  // A create whose required parent is absent creates that parent instead (so histories grow trees).
  const adapter = write.action === 'create' ? creatableAncestor(library, chosen) : chosen;
  const random = prng(write.seed);
  const uuid = () => {
    const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`;
  };
  const writer = (tx: unknown) =>
    (tx as Record<string, { create(input: unknown): { id: string }; update(id: string, patch: unknown): unknown; delete(id: string): boolean }>)[
      adapter.accessor
    ]!;
  const ownOnly = adapter.owner !== null;
  const candidates = recordIds(library, adapter, ownOnly);
  const target = candidates[write.pick % Math.max(1, candidates.length)];

  /** A value for each chosen field; references point to records this device holds. */
  const valuesFor = (fields: readonly FieldDescriptor[]): Record<string, unknown> | undefined => {
    const values: Record<string, unknown> = {};
    for (const field of fields) {
      const reference = adapter.references.find((item) => item.field === field.name);
      if (reference) {
        const parent = library.registry.byName(reference.model)!;
        const ids = recordIds(library, parent);
        if (ids.length === 0 || (field.nullable && random() < 0.3)) {
          if (!field.nullable) return undefined;
          values[field.name] = null;
        } else values[field.name] = ids[Math.floor(random() * ids.length)];
        continue;
      }
      const value = valueFor(field, random, uuid);
      if (value === undefined) return undefined;
      values[field.name] = value;
    }
    return values;
  };

  try {
    switch (write.action) {
      case 'create': {
        if (
          adapter.name === 'Device' &&
          (candidates.length > 0 || readRows(library, 'SELECT 1 FROM _sync_tombstone WHERE record = ?', library.deviceId).length > 0)
        ) {
          return `skip: ${adapter.name} exists or was deleted`;
        }
        const ownerReference = adapter.references.find((reference) => reference.field === adapter.owner);
        if (ownerReference && !recordIds(library, library.registry.byName(ownerReference.model)!).includes(library.deviceId)) {
          return `skip: no ${ownerReference.model} record of this device yet`;
        }
        const fields = adapter.fields.filter(
          (field) => field.name !== adapter.primaryKey && field.name !== adapter.owner && (!field.optionalOnCreate || random() < 0.6),
        );
        const input = valuesFor(fields);
        if (!input) return `skip: no parent for ${adapter.name}`;
        const created = library.transact((tx) => writer(tx).create(input));
        return `create ${adapter.name} ${created.id}`;
      }
      case 'update': {
        if (!target) return `skip: no ${adapter.name} to update`;
        const changeable = adapter.fields.filter(
          (field) =>
            field.name !== adapter.primaryKey &&
            field.name !== adapter.owner &&
            !adapter.references.some((reference) => reference.field === field.name && reference.onDelete === 'cascade'),
        );
        const fields = changeable.filter(() => random() < 0.4);
        const patch = valuesFor(fields.length > 0 ? fields : changeable.slice(0, 1));
        if (!patch) return `skip: no value for ${adapter.name}`;
        library.transact((tx) => writer(tx).update(target, patch));
        return `update ${adapter.name} ${target} ${JSON.stringify(patch)}`;
      }
      case 'delete': {
        if (!target) return `skip: no ${adapter.name} to delete`;
        // Deleting its Device record removes all of a device's own data for good: keep it rare.
        if (adapter.name === 'Device' && write.seed % 10 !== 0) return 'skip: keep the Device record';
        library.transact((tx) => writer(tx).delete(target));
        return `delete ${adapter.name} ${target}`;
      }
    }
  } catch (error) {
    if (error instanceof SyncError) throw new Error(`the ${write.action} of ${adapter.name} was refused: ${error.message}`);
    throw error;
  }
}
