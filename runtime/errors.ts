/**
 * The runtime's typed errors. Every error has a stable `code` (the table below), carries the
 * offending values as fields, and says what to do in its message. Callers branch on the class or
 * the code, never on message text.
 */
import { ClockDriftError, HlcFormatError } from './hlc.js';

/** Every runtime error code and what it means. */
export const SYNC_ERROR_CODES = {
  'library-mismatch': 'the database file belongs to another library or device',
  'library-closed': 'a library used after close()',
  'migration-failed': 'a migration of the library database failed (the database is left as it was before it)',
  'async-transaction': 'a transact callback returned a promise; it must be synchronous',
  'transaction-closed': 'a transaction used outside its transact callback, or transact called inside another',
  'unknown-model': 'a model name or id that the registry does not have',
  'unknown-field': 'a field that the model does not have',
  'invalid-value': 'a value that the field cannot hold',
  'record-exists': 'a create with the key of an existing record',
  'record-not-found': 'an update or delete of a record that does not exist',
  'record-deleted': 'a write to a record that was deleted (deletes are final)',
  'not-owner': 'a write to device-owned data by a device that does not own it',
  'missing-reference': 'a reference to a record that does not exist or was deleted',
  'invalid-change': 'a remote change that is malformed',
  'parking-full': 'too many remote changes wait for records that have not arrived',
  'clock-drift': 'a remote clock too far ahead of this device\'s wall clock',
  'invalid-clock': 'bytes that are not an encoded HLC',
} as const;

export type SyncErrorCode = keyof typeof SYNC_ERROR_CODES;

export class SyncError extends Error {
  constructor(
    readonly code: SyncErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class LibraryMismatchError extends SyncError {
  constructor(
    readonly file: string,
    readonly expected: { libraryId: string; deviceId: string },
    readonly found: { libraryId: string; deviceId: string },
  ) {
    super(
      'library-mismatch',
      `${file} holds library ${found.libraryId} of device ${found.deviceId}, not library ${expected.libraryId} of device ${expected.deviceId}; ` +
        'open it with its own ids, or give this library another directory',
    );
  }
}

export class AsyncTransactionError extends SyncError {
  constructor() {
    super(
      'async-transaction',
      'the transact callback returned a promise; it must be synchronous (an await inside would let other work interleave with the ' +
        'open SQLite transaction). Do the async work before or after transact. Nothing was written.',
    );
  }
}

export class TransactionClosedError extends SyncError {
  constructor(reason: string) {
    super('transaction-closed', reason);
  }
}

export class UnknownModelError extends SyncError {
  constructor(readonly model: string | number) {
    super('unknown-model', `no model ${typeof model === 'number' ? `with id ${model}` : JSON.stringify(model)} in the registry (the peers' schemas differ?)`);
  }
}

export class UnknownFieldError extends SyncError {
  constructor(
    readonly model: string,
    readonly field: string,
    readonly reason = 'is not a field of the model',
  ) {
    super('unknown-field', `${model}.${field} ${reason}`);
  }
}

export class FieldValueError extends SyncError {
  constructor(
    readonly model: string,
    readonly field: string,
    readonly expected: string,
    readonly received: unknown,
    detail: string,
  ) {
    super('invalid-value', `${model}.${field}: ${detail}`);
  }
}

export class RecordExistsError extends SyncError {
  constructor(
    readonly model: string,
    readonly id: string,
  ) {
    super('record-exists', `${model} ${id} already exists; update it, or create with another id`);
  }
}

export class RecordNotFoundError extends SyncError {
  constructor(
    readonly model: string,
    readonly id: string,
  ) {
    super('record-not-found', `${model} ${id} does not exist`);
  }
}

export class RecordDeletedError extends SyncError {
  constructor(
    readonly model: string,
    readonly id: string,
  ) {
    super('record-deleted', `${model} ${id} was deleted; deletes are final, so create a new record instead`);
  }
}

export class NotOwnerError extends SyncError {
  constructor(
    readonly model: string,
    readonly id: string,
    readonly owner: string,
    readonly device: string,
  ) {
    super('not-owner', `${model} ${id} is owned by device ${owner}; device ${device} cannot write it (device-owned data has one writer)`);
  }
}

export class MissingReferenceError extends SyncError {
  constructor(
    readonly model: string,
    readonly field: string,
    readonly target: string,
    readonly id: string,
    readonly deleted: boolean,
  ) {
    super('missing-reference', `${model}.${field} references ${target} ${id}, which ${deleted ? 'was deleted' : 'does not exist'}`);
  }
}

export class InvalidChangeError extends SyncError {
  constructor(reason: string) {
    super('invalid-change', `invalid remote change: ${reason}`);
  }
}

export class ParkingFullError extends SyncError {
  constructor(readonly limit: number) {
    super('parking-full', `${limit} remote changes already wait for records that have not arrived; this change is refused until they do (its sender retries)`);
  }
}

export { ClockDriftError, HlcFormatError };
