/**
 * What each commit changed in the model tables, seen by SQLite itself: temporary triggers on the
 * tables of the models someone listens to call back into JavaScript for every row inserted,
 * updated (with the columns whose values differ) or deleted. Every write path is covered, those
 * written later included: local writes, received entries, parked entries released, snapshot and
 * fetched records, cascades and `setNull` clears, the replay at an upgrade.
 *
 * Why triggers: the merge runs in SQL (a per-field last-writer-wins UPDATE, an upsert that keeps a
 * newer version), so only SQLite knows whether a write changed a value. Temporary triggers live in
 * the connection, not in the file: nothing of them is synced, migrated or seen by other processes,
 * and a library nobody listens to has none (no cost at all).
 *
 * A record's changes within one commit are folded: created then changed is created; changed then
 * deleted is deleted; created then deleted is nothing; a field changed and changed back is not
 * changed (its value before the commit is kept and compared when the commit is taken).
 */
import type Database from 'better-sqlite3';
import type { SqlValue } from '../core/sql-value.js';
import type { FieldDescriptor } from '../contract/model-adapter.js';
import type { ModelStore } from './model-store.js';

export type RecordChangeKind = 'created' | 'updated' | 'deleted';

/** One record's change in a commit. */
export interface RecordChange {
  readonly kind: RecordChangeKind;
  /** The fields whose values changed (`updated` only), in the model's field order. */
  readonly fields: readonly string[];
  /** Deleted, or cleared, by a cascade from a deleted record rather than by a change of its own. */
  readonly cascade: boolean;
}

/** Per model id, per record id: what a commit changed. */
export type CommitChanges = ReadonlyMap<number, ReadonlyMap<string, RecordChange>>;

const FUNCTION = 'syncgen_row_changed';
const OP_INSERT = 0;
const OP_UPDATE = 1;
const OP_DELETE = 2;
/** Bits per mask argument: SQLite integers are 64-bit, the shifts stay well inside. */
const MASK_BITS = 30;

/** A record's changes so far in the open commit. */
interface Pending {
  kind: RecordChangeKind | null;
  cascade: boolean;
  /** Per field index (shared fields, then perDevice ones): the stored value before the commit. */
  readonly before: Map<number, SqlValue>;
  /** Field indexes written more than once: only those need their value compared when taken. */
  readonly rewritten: Set<number>;
}

interface Watched {
  readonly model: ModelStore;
  /** Shared fields (the model table's value columns), then perDevice fields. */
  readonly fields: readonly FieldDescriptor[];
}

export class ChangeCapture {
  /** Set by a delete while it removes or clears what references the deleted record (`merge/delete-cascade.ts`). */
  cascading = false;
  readonly #db: Database.Database;
  readonly #deviceId: string;
  readonly #watched = new Map<number, Watched>();
  #pending = new Map<number, Map<string, Pending>>();
  #registered = false;

  constructor(db: Database.Database, deviceId: string) {
    this.#db = db;
    this.#deviceId = deviceId;
  }

  /** Whether any model is watched (else nothing is captured and `take` returns null). */
  get active(): boolean {
    return this.#watched.size > 0;
  }

  /** The ids of the models watched. */
  watchedModels(): ReadonlySet<number> {
    return new Set(this.#watched.keys());
  }

  /** Starts capturing the changes of these models (already watched ones are left as they are). */
  watch(models: Iterable<ModelStore>): void {
    const added = [...models].filter((model) => !this.#watched.has(model.adapter.id));
    if (added.length === 0) return;
    if (!this.#registered) {
      this.#db.function(FUNCTION, { varargs: true, deterministic: false }, (...args: unknown[]) => this.#row(args as SqlValue[]));
      this.#registered = true;
    }
    this.#db.transaction(() => {
      for (const model of added) {
        for (const sql of triggersOf(model, this.#deviceId)) this.#db.exec(sql);
        this.#watched.set(model.adapter.id, { model, fields: [...model.values, ...model.deviceFields] });
      }
    })();
  }

  /** What the commit that just ended changed, or null when nothing visible changed. Starts the next commit. */
  take(): CommitChanges | null {
    if (this.#pending.size === 0) return null;
    const pending = this.#pending;
    this.#pending = new Map();
    const changes = new Map<number, Map<string, RecordChange>>();
    for (const [modelId, records] of pending) {
      const watched = this.#watched.get(modelId)!;
      const changed = new Map<string, RecordChange>();
      for (const [record, state] of records) {
        const change = this.#settle(watched, record, state);
        if (change) changed.set(record, change);
      }
      if (changed.size > 0) changes.set(modelId, changed);
    }
    return changes.size > 0 ? changes : null;
  }

  /** The open commit rolled back: what it changed never happened. */
  discard(): void {
    if (this.#pending.size > 0) this.#pending = new Map();
    this.cascading = false;
  }

  /** The trigger's call: `(model, record, op, part, ...masks, ...values before)`; see `triggersOf`. */
  #row(args: SqlValue[]): null {
    const modelId = args[0] as number;
    const record = args[1] as string;
    const op = args[2] as number;
    let records = this.#pending.get(modelId);
    if (!records) {
      records = new Map();
      this.#pending.set(modelId, records);
    }
    let state = records.get(record);
    if (!state) {
      state = { kind: null, cascade: false, before: new Map(), rewritten: new Set() };
      records.set(record, state);
    }
    if (op === OP_DELETE) {
      // Created in this commit and deleted again: nothing happened.
      state.kind = state.kind === 'created' ? null : 'deleted';
      state.cascade = this.cascading;
      if (state.kind === null) records.delete(record);
      return null;
    }
    if (op === OP_INSERT) {
      // A deleted record never comes back (deletes are final); should a migration step do it, it reads as changed.
      state.kind = state.kind === 'deleted' ? 'updated' : 'created';
      return null;
    }
    if (state.kind === null) state.kind = 'updated';
    if (state.kind === 'updated') {
      state.cascade ||= this.cascading;
      this.#noteFields(modelId, state, args);
    }
    return null;
  }

  /** An update's changed columns (or a first perDevice row's values that differ from the defaults), with their values before. */
  #noteFields(modelId: number, state: Pending, args: SqlValue[]): void {
    const { model } = this.#watched.get(modelId)!;
    const device = args[3] === 1;
    const offset = device ? model.values.length : 0;
    const count = device ? model.deviceFields.length : model.values.length;
    const masks = Math.ceil(count / MASK_BITS);
    for (let index = 0; index < count; index += 1) {
      const mask = args[4 + Math.floor(index / MASK_BITS)] as number;
      if ((mask & (1 << (index % MASK_BITS))) === 0) continue;
      const field = offset + index;
      if (state.before.has(field)) state.rewritten.add(field);
      else state.before.set(field, args[4 + masks + index] ?? null);
    }
  }

  /** A record's folded change; a field rewritten in the commit counts only if its value differs from before. */
  #settle(watched: Watched, record: string, state: Pending): RecordChange | null {
    if (state.kind === null) return null;
    if (state.kind !== 'updated') return { kind: state.kind, fields: [], cascade: state.cascade };
    const { model, fields } = watched;
    let row: Record<string, SqlValue> | undefined;
    let own: Record<string, SqlValue> | undefined;
    const changed: number[] = [];
    for (const [field, before] of state.before) {
      if (state.rewritten.has(field)) {
        const descriptor = fields[field]!;
        if (descriptor.perDevice && own === undefined) own = model.deviceRow(record, this.#deviceId);
        if (!descriptor.perDevice && row === undefined) row = model.row(record);
        const now = descriptor.perDevice ? (own?.[descriptor.name] ?? defaultOf(descriptor)) : row?.[descriptor.name];
        if (sameValue(now ?? null, before)) continue;
      }
      changed.push(field);
    }
    if (changed.length === 0) return null;
    changed.sort((a, b) => a - b);
    return { kind: 'updated', fields: changed.map((field) => fields[field]!.name), cascade: state.cascade };
  }
}

/** A perDevice field's stored value while the device has no row of its own. */
function defaultOf(field: FieldDescriptor): SqlValue {
  return field.codec.encode(field.defaultValue ?? null) as SqlValue;
}

function sameValue(a: SqlValue, b: SqlValue): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  return a === b;
}

/**
 * The triggers of one model. The main table's: insert, delete, and an update that changed a value
 * column (a write that lost its merge, or that only moved a clock, changes nothing the app sees).
 * A hybrid model's per-device table: this device's row only (the app sees no other), an insert
 * counted where it differs from the defaults the app saw before. Arguments: model id, record id,
 * op, part (0 the record's table, 1 its per-device row), the changed columns as bit masks, then per
 * column its value before the write when it changed (null otherwise: unchanged columns cost nothing).
 */
export function triggersOf(model: ModelStore, deviceId: string): string[] {
  const { adapter } = model;
  const id = adapter.id;
  const table = quote(adapter.table);
  const key = quote(model.key.name);
  const name = (what: string) => quote(`_syncgen_capture_${adapter.table}_${what}`);
  const triggers = [
    `CREATE TEMP TRIGGER IF NOT EXISTS ${name('insert')} AFTER INSERT ON main.${table} BEGIN SELECT ${FUNCTION}(${id}, NEW.${key}, ${OP_INSERT}, 0); END`,
    `CREATE TEMP TRIGGER IF NOT EXISTS ${name('delete')} AFTER DELETE ON main.${table} BEGIN SELECT ${FUNCTION}(${id}, OLD.${key}, ${OP_DELETE}, 0); END`,
  ];
  // Per field, whether the write changed it (compared with `old`: the row before, or the defaults), as masks, then its value before.
  const columns = (fields: readonly FieldDescriptor[], old: (field: FieldDescriptor) => string) => {
    const differs = fields.map((field) => `NEW.${quote(field.name)} IS NOT ${old(field)}`);
    const masks: string[] = [];
    for (let start = 0; start < differs.length; start += MASK_BITS) {
      masks.push(
        differs
          .slice(start, start + MASK_BITS)
          .map((test, bit) => `((${test}) << ${bit})`)
          .join(' | '),
      );
    }
    const before = fields.map((field, index) => `CASE WHEN ${differs[index]} THEN ${old(field)} END`);
    return { when: differs.join(' OR '), args: [...masks, ...before].join(', ') };
  };
  const previous = (field: FieldDescriptor) => `OLD.${quote(field.name)}`;
  if (model.values.length > 0) {
    const { when, args } = columns(model.values, previous);
    triggers.push(
      `CREATE TEMP TRIGGER IF NOT EXISTS ${name('update')} AFTER UPDATE ON main.${table} WHEN ${when} ` +
        `BEGIN SELECT ${FUNCTION}(${id}, NEW.${key}, ${OP_UPDATE}, 0, ${args}); END`,
    );
  }
  if (adapter.sql.device) {
    const deviceTable = quote(adapter.sql.device.table);
    const own = `NEW."_device" = ${literal(deviceId)}`;
    const changed = columns(model.deviceFields, previous);
    const fromDefaults = columns(model.deviceFields, (field) => literal(defaultOf(field)));
    triggers.push(
      `CREATE TEMP TRIGGER IF NOT EXISTS ${name('device_insert')} AFTER INSERT ON main.${deviceTable} WHEN ${own} AND (${fromDefaults.when}) ` +
        `BEGIN SELECT ${FUNCTION}(${id}, NEW."_record", ${OP_UPDATE}, 1, ${fromDefaults.args}); END`,
      `CREATE TEMP TRIGGER IF NOT EXISTS ${name('device_update')} AFTER UPDATE ON main.${deviceTable} WHEN ${own} AND (${changed.when}) ` +
        `BEGIN SELECT ${FUNCTION}(${id}, NEW."_record", ${OP_UPDATE}, 1, ${changed.args}); END`,
    );
  }
  return triggers;
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/** A stored value as an SQL literal (defaults and device ids: text, numbers, null). */
function literal(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  return `X'${Buffer.from(value).toString('hex')}'`;
}
