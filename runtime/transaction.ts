/**
 * The TransactionManager: the only write path. `library.transact(tx => ...)` runs one SQLite
 * transaction in which every create, update and delete writes its rows, per-field clocks or owner
 * version, tombstones and its sync-log entry; all of it commits together or none of it does.
 *
 * The callback is synchronous: better-sqlite3 transactions are, and an `await` inside one would
 * let other work interleave with it. A callback that returns a promise is refused and rolled back.
 *
 * Local writes are strict where remote applies are lenient: writing a record of another device,
 * referencing a record that is absent or deleted, or touching a deleted record are errors here.
 * A cascade reference is fixed at create: a device that hears of a parent's delete must reach the
 * same verdict on the child whatever else it has heard, which a movable child would not allow.
 */
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { ChangeEntry, ChangeKind } from './change-entry.js';
import {
  AsyncTransactionError,
  FieldValueError,
  MissingReferenceError,
  NotOwnerError,
  RecordDeletedError,
  RecordExistsError,
  RecordNotFoundError,
  TransactionClosedError,
  UnknownFieldError,
} from './errors.js';
import { deleteWithChildren, encodeField, readRecord, referenceState, type LibraryCore } from './library-core.js';
import type { AnyModelAdapter, CreateInput, RecordOf, UpdateInput } from './model-adapter.js';
import type { ModelStore, Values } from './model-store.js';
import type { MissingRecord } from './parked-changes.js';
import type { Registry } from './registry.js';
import { releaseParked } from './remote-apply.js';

/** Writes to one model inside a transaction. */
export interface ModelWriter<A extends AnyModelAdapter> {
  /** Creates a record; omitted optional fields take their default (or null), an omitted key a new UUID. */
  create(input: CreateInput<A>): RecordOf<A>;
  /** Changes the given fields; returns the record as it now is. */
  update(id: string, patch: UpdateInput<A>): RecordOf<A>;
  /** Deletes a record, with the schema's cascade; false when it was already deleted. */
  delete(id: string): boolean;
}

export type ModelsOf<R> = R extends Registry<infer M, infer _DB> ? M : never;

/** `tx.tag.create(...)`: one writer per model, by accessor. */
export type Transaction<R extends Registry<any, any>> = { readonly [K in keyof ModelsOf<R>]: ModelWriter<ModelsOf<R>[K]> };

interface WriteSession {
  readonly entries: ChangeEntry[];
  /** This device's next seq, read once per transaction. */
  nextSeq: number;
}

export class TransactionManager<R extends Registry<any, any>> {
  readonly #core: LibraryCore;
  readonly #tx: Transaction<R>;
  readonly #reportError: (error: unknown, context: string) => void;
  #session: WriteSession | null = null;
  /** The transaction around a callback and the log append of its entries. */
  readonly #commit: Database.Transaction<(fn: (tx: Transaction<R>) => unknown, session: WriteSession) => unknown>;

  constructor(core: LibraryCore, reportError: (error: unknown, context: string) => void) {
    this.#core = core;
    this.#reportError = reportError;
    const writers: Record<string, ModelWriter<AnyModelAdapter>> = {};
    for (const store of core.stores.values()) writers[store.adapter.accessor] = this.#writer(store);
    this.#tx = Object.freeze(writers) as Transaction<R>;
    // Made once: better-sqlite3 builds a wrapper on every `transaction()` call.
    this.#commit = core.db.transaction((fn: (tx: Transaction<R>) => unknown, session: WriteSession) => {
      const value = fn(this.#tx);
      if (isThenable(value)) {
        // The async callback goes on after its first await, outside the transaction; its writes
        // then fail, and that rejection is reported instead of being lost.
        Promise.resolve(value).catch((error: unknown) => this.#reportError(error, 'async transact callback'));
        throw new AsyncTransactionError();
      }
      // The log is the record of the clock too (see `library-clock.ts`): nothing else to write.
      this.#core.log.appendOwn(session.entries);
      return value;
    });
  }

  /** Runs `fn` in one transaction; returns its result and the entries it logged. */
  run<T>(fn: (tx: Transaction<R>) => T): { result: T; entries: ChangeEntry[] } {
    if (this.#session) throw new TransactionClosedError('transact was called inside another transact; use the tx you have');
    const session: WriteSession = { entries: [], nextSeq: 0 };
    this.#session = session;
    try {
      const result = this.#commit.immediate(fn, session) as T;
      return { result, entries: session.entries };
    } finally {
      this.#session = null;
    }
  }

  #active(): WriteSession {
    if (!this.#session) throw new TransactionClosedError('this tx belongs to a transact callback that has ended; write inside library.transact');
    return this.#session;
  }

  #writer(store: ModelStore): ModelWriter<AnyModelAdapter> {
    const core = this.#core;
    const { adapter } = store;
    const record = (id: string) => readRecord(core, store, id)!;
    // Entries are written to the log when the callback returns, all at once, in the same transaction.
    const log = (kind: ChangeKind, id: string, hlc: Buffer, data: Values | null) => {
      const session = this.#active();
      if (session.nextSeq === 0) session.nextSeq = core.log.cursor(core.deviceId) + 1;
      session.entries.push({ origin: core.deviceId, seq: session.nextSeq++, hlc, model: adapter.id, record: id, kind, data });
    };

    return {
      create: (input) => {
        this.#active();
        const given = fieldsOf(store, input);
        const keyInput = given[adapter.primaryKey] ?? (adapter.owner === adapter.primaryKey ? core.deviceId : null);
        const id = keyInput === null ? randomUUID() : (encodeField(store, store.key, keyInput) as string);
        // A key made here is a new random UUID: no deleted record has it.
        if (keyInput !== null && core.tombstones.has(adapter.id, id)) throw new RecordDeletedError(store.name, id);
        const values: Values = {};
        for (const field of store.writable) {
          let value = given[field.name];
          if (value === undefined) {
            if (field.name === adapter.owner) value = core.deviceId;
            else if (field.defaultValue !== undefined) value = field.defaultValue;
            else if (field.nullable) value = null;
            else throw new FieldValueError(store.name, field.name, field.codec.expected, undefined, `is required: a create must give ${field.codec.expected}`);
          }
          values[field.name] = encodeField(store, field, value);
        }
        checkOwner(core, store, id, values);
        checkReferences(core, store, values);
        const hlc = core.clock.tick();
        try {
          store.insert(id, values, hlc);
        } catch (error) {
          // The primary key says it exists: cheaper than a lookup before every create.
          if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new RecordExistsError(store.name, id);
          throw error;
        }
        if (store.deviceFields.length > 0) store.upsertDevice(id, core.deviceId, values, hlc);
        log('insert', id, hlc, values);
        if (core.parked.count > 0) releaseParked(core, [{ model: adapter.id, record: id }]);
        const created: Record<string, unknown> = { [adapter.primaryKey]: id };
        for (const field of store.fields.values()) if (field !== store.key) created[field.name] = field.codec.decode(values[field.name] ?? null);
        return created as never;
      },

      update: (idInput, patch) => {
        this.#active();
        const id = encodeField(store, store.key, idInput) as string;
        const row = existingRow(core, store, id);
        const given = fieldsOf(store, patch);
        if (adapter.primaryKey in given) throw new UnknownFieldError(store.name, adapter.primaryKey, 'is the primary key; it cannot change');
        const changed: Values = {};
        for (const [name, value] of Object.entries(given)) changed[name] = encodeField(store, store.fields.get(name)!, value);
        if (adapter.owner !== null) {
          checkOwner(core, store, id, row);
          if (adapter.owner in changed && changed[adapter.owner] !== row[adapter.owner]) {
            throw new UnknownFieldError(store.name, adapter.owner, 'is the owner field; it cannot change');
          }
        }
        for (const reference of adapter.references) {
          if (reference.onDelete === 'cascade' && reference.field in changed && changed[reference.field] !== row[reference.field]) {
            throw new UnknownFieldError(store.name, reference.field, CASCADE_FIXED);
          }
        }
        checkReferences(core, store, changed);
        if (Object.keys(changed).length === 0) return record(id) as never;
        const hlc = core.clock.tick();
        let data: Values;
        if (store.isStateBased) {
          data = { ...pick(row, store.values), ...changed };
          store.upsert(id, data, hlc);
        } else {
          data = pick(changed, store.values);
          if (Object.keys(data).length > 0) store.merge(id, data, hlc);
          const deviceChanges = pick(changed, store.deviceFields);
          if (Object.keys(deviceChanges).length > 0) {
            const own = store.deviceRow(id, core.deviceId) ?? deviceDefaults(store);
            const device = { ...pick(own, store.deviceFields), ...deviceChanges };
            store.upsertDevice(id, core.deviceId, device, hlc);
            Object.assign(data, device);
          }
        }
        log('update', id, hlc, data);
        return record(id) as never;
      },

      delete: (idInput) => {
        this.#active();
        const id = encodeField(store, store.key, idInput) as string;
        if (core.tombstones.has(adapter.id, id)) return false;
        const row = existingRow(core, store, id);
        checkOwner(core, store, id, row);
        const hlc = core.clock.tick();
        const removed: MissingRecord[] = deleteWithChildren(core, store, id, hlc);
        log('delete', id, hlc, null);
        releaseParked(core, removed);
        return true;
      },
    };
  }
}

const CASCADE_FIXED =
  'references its parent with onDelete cascade, so it is fixed when the record is created (whether a record is deleted with its ' +
  'parent must not depend on the order devices hear of changes); delete and re-create the record to move it';

/** The input's fields, refusing names the model does not have. */
function fieldsOf(store: ModelStore, input: unknown): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new FieldValueError(store.name, '(input)', 'an object of fields', input, 'expected an object of fields');
  }
  const given: Record<string, unknown> = {};
  for (const name in input) {
    if (!Object.hasOwn(input, name)) continue;
    if (!store.fields.has(name)) throw new UnknownFieldError(store.name, name);
    const value = (input as Record<string, unknown>)[name];
    if (value !== undefined) given[name] = value;
  }
  return given;
}

function existingRow(core: LibraryCore, store: ModelStore, id: string): Values {
  const row = store.row(id);
  if (row) return row;
  if (core.tombstones.has(store.adapter.id, id)) throw new RecordDeletedError(store.name, id);
  throw new RecordNotFoundError(store.name, id);
}

/** Device-owned data is written only by its owner. */
function checkOwner(core: LibraryCore, store: ModelStore, id: string, values: Values): void {
  const { owner, primaryKey } = store.adapter;
  if (owner === null) return;
  const ownerId = owner === primaryKey ? id : values[owner];
  if (ownerId !== core.deviceId) throw new NotOwnerError(store.name, id, String(ownerId), core.deviceId);
}

/** A local write may only reference records that exist here. */
function checkReferences(core: LibraryCore, store: ModelStore, values: Values): void {
  for (const reference of store.adapter.references) {
    const id = values[reference.field];
    if (id === undefined || id === null) continue;
    const target = referenceState(core, reference.model, id as string);
    if (target.state !== 'present') {
      throw new MissingReferenceError(store.name, reference.field, reference.model, id as string, target.state === 'deleted');
    }
  }
}

function pick(values: Values, fields: readonly { name: string }[]): Values {
  const picked: Values = {};
  for (const field of fields) if (field.name in values) picked[field.name] = values[field.name]!;
  return picked;
}

function deviceDefaults(store: ModelStore): Values {
  const values: Values = {};
  for (const field of store.deviceFields) values[field.name] = field.codec.encode(field.defaultValue ?? null);
  return values;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
