/**
 * Random local writes for a library of any schema version of the evolution fixtures
 * (`test/fixtures/evolution-v*`): creates, updates and deletes of the models and fields that the
 * library's own registry has, read from its adapters. A write is the same few numbers as the
 * example's (`random-writes.ts`: action, model, which record, value seed), resolved against the
 * device's data when it runs, so shrinking keeps histories valid.
 *
 * Unlike the example's generator, a create names its record's id, taken from `newId`: the ids (and
 * so which record a later write picks) are the same on every replay of a seed. References point to
 * records the device holds; device-owned records are written only by their owner; a write the
 * device cannot make (nothing to update, nothing to reference) is skipped.
 */
import type { AnyModelAdapter, FieldDescriptor } from '../../runtime/contract/model-adapter.js';
import type { Registry } from '../../runtime/contract/registry.js';
import { SyncError } from '../../runtime/core/errors.js';
import type { Library } from '../../runtime/library/library.js';
import { readRows, type ExampleLibrary } from './libraries.js';
import { prng, type RandomWrite } from './random-writes.js';

type AnyLibrary = Library<any>;

const TEXTS = ['a', 'Holidays', 'notes.txt', '#a1b2c3', 'Ünïcode ✓', 'x'.repeat(40)];
const NUMBERS = [0, 0.25, 0.5, 1];
const INTEGERS = [0, 1, 7, 4096];
const DATES = ['2024-05-01T12:00:00Z', '2024-06-15T08:30:00.250Z', '2025-01-01T00:00:00+02:00'];
/** Written more often: Tag has the most fields and the reference across versions. */
const MODEL_WEIGHTS: Record<string, number> = { Tag: 3, Note: 2, Profile: 2 };

/** Deterministic UUIDs (version 4 layout): `tag` tells apart the makers, `counter` the ids of one maker. */
export function sequentialId(tag: number, counter: number): string {
  const hex = (value: number, length: number) => value.toString(16).padStart(length, '0');
  return `${hex(tag, 8)}-0000-4000-8000-${hex(counter, 12)}`;
}

function valueFor(field: FieldDescriptor, random: () => number): unknown {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  if (field.nullable && random() < 0.2) return null;
  const candidate = (() => {
    switch (field.kind) {
      case 'string':
        return pick(TEXTS);
      case 'number':
        return pick(NUMBERS);
      case 'integer':
        return pick(INTEGERS);
      case 'boolean':
        return random() < 0.5;
      case 'dateTime':
        return pick(DATES);
      case 'enum':
        return pick(field.enumValues!);
      case 'json':
        return { text: pick(TEXTS) };
      case 'uuid':
        return undefined;
    }
  })();
  try {
    field.codec.encode(candidate);
    return candidate;
  } catch {
    return field.nullable ? null : undefined;
  }
}

function recordIds(library: AnyLibrary, adapter: AnyModelAdapter, onlyOwn: boolean): string[] {
  const owner = adapter.owner === null ? 'NULL' : `"${adapter.owner}"`;
  const rows = readRows(library as unknown as ExampleLibrary, `SELECT "${adapter.primaryKey}" AS id, ${owner} AS owner FROM "${adapter.table}" ORDER BY 1`) as {
    id: string;
    owner: string | null;
  }[];
  return rows.filter((row) => !onlyOwn || row.owner === library.deviceId).map((row) => row.id);
}

/**
 * Makes the write on `library` with the models of its own registry, if it can. Returns what it
 * did, for failure reports; a refused write the device could not know would fail is an error of
 * the test, so it is rethrown.
 */
export function applyVersionWrite(library: AnyLibrary, write: RandomWrite, newId: () => string): string {
  const registry = library.registry as Registry<any, any>;
  const adapters = registry.dependencyOrder.flatMap((adapter) => Array<AnyModelAdapter>(MODEL_WEIGHTS[adapter.name] ?? 1).fill(adapter));
  const adapter = adapters[write.model % adapters.length]!;
  const random = prng(write.seed);
  const writer = (tx: unknown) =>
    (tx as Record<string, { create(input: unknown): { id: string }; update(id: string, patch: unknown): unknown; delete(id: string): boolean }>)[
      adapter.accessor
    ]!;
  const candidates = recordIds(library, adapter, adapter.owner !== null);
  const target = candidates[write.pick % Math.max(1, candidates.length)];

  /** A value for each field; references point to records this device holds (or null). */
  const valuesFor = (fields: readonly FieldDescriptor[]): Record<string, unknown> | undefined => {
    const values: Record<string, unknown> = {};
    for (const field of fields) {
      const reference = adapter.references.find((item) => item.field === field.name);
      if (reference) {
        const ids = recordIds(library, registry.byName(reference.model)!, false);
        if (ids.length === 0 || (field.nullable && random() < 0.3)) {
          if (!field.nullable) return undefined;
          values[field.name] = null;
        } else values[field.name] = ids[Math.floor(random() * ids.length)];
        continue;
      }
      const value = valueFor(field, random);
      if (value === undefined) return undefined;
      values[field.name] = value;
    }
    return values;
  };
  const writable = adapter.fields.filter((field) => field.name !== adapter.primaryKey && field.name !== adapter.owner);

  try {
    switch (write.action) {
      case 'create': {
        const input = valuesFor(writable.filter((field) => !field.optionalOnCreate || random() < 0.6));
        if (!input) return `skip: no value for ${adapter.name}`;
        const created = library.transact((tx) => writer(tx).create({ ...input, [adapter.primaryKey]: newId() }));
        return `create ${adapter.name} ${created.id}`;
      }
      case 'update': {
        if (!target) return `skip: no ${adapter.name} to update`;
        const changeable = writable.filter(
          (field) => !adapter.references.some((reference) => reference.field === field.name && reference.onDelete === 'cascade'),
        );
        const fields = changeable.filter(() => random() < 0.4);
        const patch = valuesFor(fields.length > 0 ? fields : changeable.slice(0, 1));
        if (!patch) return `skip: no value for ${adapter.name}`;
        library.transact((tx) => writer(tx).update(target, patch));
        return `update ${adapter.name} ${target} ${JSON.stringify(patch)}`;
      }
      case 'delete': {
        if (!target) return `skip: no ${adapter.name} to delete`;
        library.transact((tx) => writer(tx).delete(target));
        return `delete ${adapter.name} ${target}`;
      }
    }
  } catch (error) {
    if (error instanceof SyncError) throw new Error(`the ${write.action} of ${adapter.name} was refused: ${error.message}`);
    throw error;
  }
}
