/**
 * Field names across schema versions. Entries and snapshot records carry values by field name, and
 * a field renamed by the schema history (`renamedFrom`) has another name on a device of a version
 * before the rename. The newer of two peers translates, both ways, so an older app needs to know
 * nothing of renames made after it:
 * - what a peer of an older version sends is read in its names (`inward`, by the version in the
 *   frame's envelope), and stored, logged and relayed in this device's own;
 * - what goes to a peer of an older version is written in its names (`outward`, by the version its
 *   frames announce).
 * Every device thus holds its own version's names, and every hop is between two known versions, so
 * relays of any version stay correct, and chained renames apply one after another (a name that
 * did not exist yet on the peer, kept there as an unknown field, is translated the same way).
 * A registry without renames gets no `FieldNames` at all, and a peer of the same version no
 * translation: neither costs anything per entry.
 */
import type { ChangeEntry } from '../core/change-entry.js';
import type { SqlValue } from '../core/sql-value.js';
import type { SnapshotRecord } from '../core/snapshot-record.js';
import type { SyncMessage } from './messages.js';

/** A field rename as the wire sees it: the model by id. */
export interface WireRename {
  /** The schema version whose migration renamed the field. */
  readonly version: number;
  readonly model: number;
  readonly from: string;
  readonly to: string;
}

/** Field names from one version to another: per model id, each name that changes and what it becomes. */
export class Translation {
  readonly #names: ReadonlyMap<number, ReadonlyMap<string, string>>;

  constructor(names: ReadonlyMap<number, ReadonlyMap<string, string>>) {
    this.#names = names;
  }

  /** The message with its entries' or records' field names translated; other messages as they are. */
  message(message: SyncMessage): SyncMessage {
    switch (message.type) {
      case 'StateChange':
      case 'SharedChange':
        return { ...message, entry: this.entry(message.entry) };
      case 'StateBatch':
      case 'SharedChangeBatch':
      case 'SharedChangeResponse':
        return { ...message, entries: this.entries(message.entries) };
      case 'StateResponse':
      case 'RecordResponse':
        return { ...message, records: message.records.map((record) => this.record(record)) };
      default:
        return message;
    }
  }

  entries(entries: readonly ChangeEntry[]): ChangeEntry[] {
    return entries.map((entry) => this.entry(entry));
  }

  entry(entry: ChangeEntry): ChangeEntry {
    const names = this.#names.get(entry.model);
    if (!names || entry.data === null) return entry;
    const data = renamed(entry.data, names);
    return data === entry.data ? entry : { ...entry, data };
  }

  record(record: SnapshotRecord): SnapshotRecord {
    const names = this.#names.get(record.model);
    if (!names) return record;
    return {
      ...record,
      values: record.values && renamed(record.values, names),
      clocks: record.clocks && renamed(record.clocks, names),
      devices: record.devices.map((row) => ({ ...row, values: renamed(row.values, names) })),
    };
  }
}

/** The renames of a registry, by version: the translations to and from each older version. */
export class FieldNames {
  readonly #renames: readonly WireRename[];
  readonly #inward = new Map<number, Translation | null>();
  readonly #outward = new Map<number, Translation | null>();

  private constructor(renames: readonly WireRename[]) {
    this.#renames = [...renames].sort((a, b) => a.version - b.version);
  }

  /** Null when there is nothing to translate: the engine then does no work for renames. */
  static of(renames: readonly WireRename[] | undefined): FieldNames | null {
    return renames && renames.length > 0 ? new FieldNames(renames) : null;
  }

  /** From the names of a peer of `version` to this device's; null when they are the same. */
  inward(version: number): Translation | null {
    let translation = this.#inward.get(version);
    if (translation === undefined) {
      const renames = this.#renames.filter((rename) => rename.version > version);
      translation = this.#translation(renames, 'from', 'to');
      this.#inward.set(version, translation);
    }
    return translation;
  }

  /** From this device's names to those of a peer of `version`; null when they are the same. */
  outward(version: number): Translation | null {
    let translation = this.#outward.get(version);
    if (translation === undefined) {
      const renames = this.#renames.filter((rename) => rename.version > version).reverse();
      translation = this.#translation(renames, 'to', 'from');
      this.#outward.set(version, translation);
    }
    return translation;
  }

  /** Each name that the renames, applied in order, change: to what it ends as. */
  #translation(renames: readonly WireRename[], source: 'from' | 'to', target: 'from' | 'to'): Translation | null {
    if (renames.length === 0) return null;
    const byModel = new Map<number, Map<string, string>>();
    for (const start of renames) {
      let name = start[source];
      for (const rename of renames) if (rename.model === start.model && rename[source] === name) name = rename[target];
      const names = byModel.get(start.model) ?? new Map<string, string>();
      byModel.set(start.model, names);
      if (!names.has(start[source])) names.set(start[source], name);
    }
    return new Translation(byModel);
  }
}

/** `values` with each name in `names` replaced, in the same order; the same object when none is there. */
function renamed<V extends SqlValue | Uint8Array>(values: Readonly<Record<string, V>>, names: ReadonlyMap<string, string>): Readonly<Record<string, V>> {
  let found = false;
  for (const name in values) if (names.has(name)) found = true;
  if (!found) return values;
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [names.get(name) ?? name, value]));
}
