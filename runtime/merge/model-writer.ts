/**
 * Writes to one model inside a transaction: `tx.<model>.create / update / delete`. Each write
 * stores its rows, its clock or owner version, tombstones, and queues its sync-log entry.
 *
 * Local writes are strict where remote applies are lenient (see `conflict-rules.ts` for the rules
 * themselves): writing a record of another device, referencing a record that is absent or
 * deleted, moving a cascade reference, or touching a deleted record are errors here.
 */
import { randomUUID } from 'node:crypto';
import type { ChangeEntry, ChangeKind } from '../core/change-entry.js';
import { FieldValueError, MissingReferenceError, RecordDeletedError, RecordExistsError, RecordNotFoundError, UnknownFieldError } from '../core/errors.js';
import type { AnyModelAdapter, CreateInput, RecordOf, UpdateInput } from '../contract/model-adapter.js';
import type { ModelStore, Values } from '../store/model-store.js';
import { readRecord } from '../store/read-record.js';
import type { Store } from '../store/store.js';
import { carriedCascadeReference, changedCascadeReference, checkOwner, isDeleted, referenceState } from './conflict-rules.js';
import { deleteWithChildren } from './delete-cascade.js';
import { encodeField } from './field-values.js';
import { releaseParked } from './release-parked.js';

/** Writes to one model inside a transaction. */
export interface ModelWriter<A extends AnyModelAdapter> {
  /** Creates a record; omitted optional fields take their default (or null), an omitted key a new UUID. */
  create(input: CreateInput<A>): RecordOf<A>;
  /** Changes the given fields; returns the record as it now is. */
  update(id: string, patch: UpdateInput<A>): RecordOf<A>;
  /** Deletes a record, with the schema's cascade; false when it was already deleted. */
  delete(id: string): boolean;
}

/** @internal The open transaction's entries, logged when its callback returns. */
export interface WriteSession {
  readonly entries: ChangeEntry[];
  /** This device's next seq, read once per transaction. */
  nextSeq: number;
}

const CASCADE_FIXED =
  'references its parent with onDelete cascade, so it is fixed when the record is created (whether a record is deleted with its ' +
  'parent must not depend on the order devices hear of changes); delete and re-create the record to move it';

/** @internal The writer of one model; `active` returns the open transaction's session, or throws when none is open. */
export function modelWriter(store: Store, model: ModelStore, active: () => WriteSession): ModelWriter<AnyModelAdapter> {
  const { adapter } = model;
  const record = (id: string) => readRecord(store, model, id)!;
  // Entries are written to the log when the callback returns, all at once, in the same transaction.
  const log = (kind: ChangeKind, id: string, hlc: Uint8Array, data: Values | null) => {
    const session = active();
    if (session.nextSeq === 0) session.nextSeq = store.log.cursor(store.deviceId) + 1;
    session.entries.push({ origin: store.deviceId, seq: session.nextSeq++, hlc, model: adapter.id, record: id, kind, data });
  };

  return {
    create: (input) => {
      active();
      const given = fieldsOf(model, input);
      const keyInput = given[adapter.primaryKey] ?? (adapter.owner === adapter.primaryKey ? store.deviceId : null);
      const id = keyInput === null ? randomUUID() : (encodeField(model, model.key, keyInput) as string);
      // A key made here is a new random UUID: no deleted record has it.
      if (keyInput !== null && isDeleted(store, adapter.id, id)) throw new RecordDeletedError(model.name, id);
      const values: Values = {};
      for (const field of model.writable) {
        let value = given[field.name];
        if (value === undefined) {
          if (field.name === adapter.owner) value = store.deviceId;
          else if (field.defaultValue !== undefined) value = field.defaultValue;
          else if (field.nullable) value = null;
          else throw new FieldValueError(model.name, field.name, field.codec.expected, undefined, `is required: a create must give ${field.codec.expected}`);
        }
        values[field.name] = encodeField(model, field, value);
      }
      checkOwner(model, id, values, store.deviceId);
      checkReferences(store, model, values);
      const hlc = store.clock.tick();
      try {
        model.insert(id, values, hlc);
      } catch (error) {
        // The primary key says it exists: cheaper than a lookup before every create.
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new RecordExistsError(model.name, id);
        throw error;
      }
      if (model.deviceFields.length > 0) model.upsertDevice(id, store.deviceId, values, hlc);
      log('insert', id, hlc, values);
      if (store.parked.count > 0) releaseParked(store, [{ model: adapter.id, record: id }]);
      const created: Record<string, unknown> = { [adapter.primaryKey]: id };
      for (const field of model.fields.values()) if (field !== model.key) created[field.name] = field.codec.decode(values[field.name] ?? null);
      return created as never;
    },

    update: (idInput, patch) => {
      active();
      const id = encodeField(model, model.key, idInput) as string;
      const row = existingRow(store, model, id);
      const given = fieldsOf(model, patch);
      if (adapter.primaryKey in given) throw new UnknownFieldError(model.name, adapter.primaryKey, 'is the primary key; it cannot change');
      const changed: Values = {};
      for (const [name, value] of Object.entries(given)) changed[name] = encodeField(model, model.fields.get(name)!, value);
      if (adapter.owner !== null) {
        checkOwner(model, id, row, store.deviceId);
        if (adapter.owner in changed && changed[adapter.owner] !== row[adapter.owner]) {
          throw new UnknownFieldError(model.name, adapter.owner, 'is the owner field; it cannot change');
        }
      }
      const moved = changedCascadeReference(model, row, changed);
      if (moved) throw new UnknownFieldError(model.name, moved.field, CASCADE_FIXED);
      // Repeated unchanged, a cascade reference is left out of the entry: it never changes, and peers refuse an update that carries one.
      for (let carried = carriedCascadeReference(model, changed); carried; carried = carriedCascadeReference(model, changed)) delete changed[carried.field];
      checkReferences(store, model, changed);
      if (Object.keys(changed).length === 0) return record(id) as never;
      const hlc = store.clock.tick();
      let data: Values;
      if (model.isStateBased) {
        data = { ...pick(row, model.values), ...changed };
        model.upsert(id, data, hlc);
      } else {
        data = pick(changed, model.values);
        if (Object.keys(data).length > 0) model.merge(id, data, hlc);
        const deviceChanges = pick(changed, model.deviceFields);
        if (Object.keys(deviceChanges).length > 0) {
          const own = model.deviceRow(id, store.deviceId) ?? deviceDefaults(model);
          const device = { ...pick(own, model.deviceFields), ...deviceChanges };
          model.upsertDevice(id, store.deviceId, device, hlc);
          Object.assign(data, device);
        }
      }
      log('update', id, hlc, data);
      return record(id) as never;
    },

    delete: (idInput) => {
      active();
      const id = encodeField(model, model.key, idInput) as string;
      if (isDeleted(store, adapter.id, id)) return false;
      const row = existingRow(store, model, id);
      checkOwner(model, id, row, store.deviceId);
      const hlc = store.clock.tick();
      const removed = deleteWithChildren(store, model, id, hlc);
      log('delete', id, hlc, null);
      releaseParked(store, removed);
      return true;
    },
  };
}

/** The input's fields, refusing names the model does not have. */
function fieldsOf(model: ModelStore, input: unknown): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new FieldValueError(model.name, '(input)', 'an object of fields', input, 'expected an object of fields');
  }
  const given: Record<string, unknown> = {};
  for (const name in input) {
    if (!Object.hasOwn(input, name)) continue;
    if (!model.fields.has(name)) throw new UnknownFieldError(model.name, name);
    const value = (input as Record<string, unknown>)[name];
    if (value !== undefined) given[name] = value;
  }
  return given;
}

function existingRow(store: Store, model: ModelStore, id: string): Values {
  const row = model.row(id);
  if (row) return row;
  if (isDeleted(store, model.adapter.id, id)) throw new RecordDeletedError(model.name, id);
  throw new RecordNotFoundError(model.name, id);
}

/** A local write may only reference records that exist here. */
function checkReferences(store: Store, model: ModelStore, values: Values): void {
  for (const reference of model.adapter.references) {
    const id = values[reference.field];
    if (id === undefined || id === null) continue;
    const target = referenceState(store, reference.model, id as string);
    if (target.state !== 'present') {
      throw new MissingReferenceError(model.name, reference.field, reference.model, id as string, target.state === 'deleted');
    }
  }
}

function pick(values: Values, fields: readonly { name: string }[]): Values {
  const picked: Values = {};
  for (const field of fields) if (field.name in values) picked[field.name] = values[field.name]!;
  return picked;
}

function deviceDefaults(model: ModelStore): Values {
  const values: Values = {};
  for (const field of model.deviceFields) values[field.name] = field.codec.encode(field.defaultValue ?? null);
  return values;
}
