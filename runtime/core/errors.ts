/**
 * The runtime's error tree. Every error the runtime throws or reports is a `SyncError` with a
 * stable `code` from the one table below; it carries the offending values as fields and says what
 * to do in its message. Callers branch on the class or the code, never on message text.
 *
 * The classes live beside what throws them (clock errors in `hlc.ts`, value errors with the column
 * codecs, wire errors with the codec, transport refusals with the transports); the app sees them
 * all through `syncgen`.
 */

/** Every runtime error code and what it means. */
export const SYNC_ERROR_CODES = {
  // The library file and the API.
  'library-mismatch': 'the database file belongs to another library or device',
  'library-closed': 'a library used after close()',
  'migration-failed': 'a migration of the library database failed or cannot run; it names the migration (the database is left as it was before the open)',
  'schema-too-new': 'a library database that a newer version of the app (or of its syncgen runtime) migrated: upgrade the app (the database is not changed)',
  'not-a-library':
    'a path given to inspectLibrary (syncgen inspect) that is not a readable syncgen library: no such directory, no library.db, not SQLite, or not syncgen',
  'invalid-argument': 'an argument of the wrong shape, such as a library or device id that is not a lower-case UUID',
  'invalid-registry': 'generated registry parts that disagree with each other: regenerate generated/',
  'async-transaction': 'a transact callback returned a promise; it must be synchronous',
  'transaction-closed': 'a transaction used outside its transact callback, or transact called inside another',
  // The device's key and certificate, beside the library file.
  'device-key-exposed': "the device's private key file (device-key.pem) can be read or written by other users: chmod 600 it",
  'invalid-device-credentials': "the device's key or certificate is unreadable, they do not match, or they belong to another device",
  // Records and their values.
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
  'own-origin': "a change in this device's own name sent by a peer (only this device writes its own entries)",
  equivocation: 'a peer sent a change that differs from the one this device holds under the same origin and seq',
  'unsolicited-response': 'a response, or a record in one, that this device did not ask that peer for',
  // Clocks.
  'clock-drift': "a remote clock too far ahead of this device's wall clock",
  'invalid-clock': 'bytes that are not an encoded HLC',
  // Frames and messages.
  oversized: 'a frame larger than the limit',
  malformed: 'bytes that are not a well-formed message',
  'unsupported-version': 'a peer that speaks another protocol version',
  'unknown-type': 'a message type this device does not know',
  'wrong-library': 'a peer or message of another library',
  'schema-mismatch': 'a peer whose schema version this device cannot sync with (a breaking change lies between them): upgrade the older app',
  'too-many-invalid': 'a peer that kept sending invalid frames, disconnected',
  // Connections.
  'not-a-peer': 'a connection that does not speak the syncgen handshake',
  'invalid-device-id':
    "a peer that announced a device id that is not a lower-case UUID or not its certificate's, or this device's own id with its key (a copy of its directory)",
  'not-a-member': 'a device whose key is not a member of this library (pair it with an invite, or add it with library.members.add)',
  'device-removed': 'a device removed from the library: its connections, and its changes written after its removal, are refused',
  'device-key-changed': "a peer that presented another key than the library's membership binds to its device id, or this device's own id with another key",
  'invite-invalid':
    'an invite code that is malformed, of another library, unknown to the inviter or already used, or an inviter with another key than the code names',
  'invite-expired': 'an invite redeemed after it expired: ask a member for a new one',
  'handshake-timeout': 'a connection that did not finish its handshake in time',
  'too-many-connections': 'a connection closed at once because the most connections allowed were still in their handshake',
  'idle-timeout': 'an authenticated peer that sent nothing for too long, disconnected',
  'refused-by-peer': 'the peer refused this device (its reason is in the message)',
  'not-connected': 'a send to a peer that has no open connection',
  'send-timeout': 'a send that did not complete in time',
  'not-listening': 'an address asked of a transport that does not listen',
  // Bugs.
  unreachable: 'a case the types rule out was reached: a bug in syncgen',
} as const;

export type SyncErrorCode = keyof typeof SYNC_ERROR_CODES;

/** Base class of every error of the runtime. */
export class SyncError extends Error {
  constructor(
    readonly code: SyncErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** An argument of the wrong shape. */
export class InvalidArgumentError extends SyncError {
  constructor(
    readonly argument: string,
    readonly received: unknown,
    expected: string,
  ) {
    super('invalid-argument', `${argument} must be ${expected}, got ${JSON.stringify(received)}`);
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

/** A peer sent an entry in this device's own name: only this device writes its own entries, so it is never stored. */
export class ForeignOwnEntryError extends SyncError {
  constructor(
    readonly origin: string,
    readonly seq: number,
  ) {
    super('own-origin', `entry ${origin}#${seq} claims this device as its origin; only this device writes its own entries, so it was refused`);
  }
}

/**
 * An entry of a device removed from the library, written after its cut (`removedAfterSeq`: what
 * the remover held of it): never stored nor relayed, so a lost or stolen device writes nothing
 * more into the library. Its entries up to the cut stay.
 */
export class RemovedDeviceError extends SyncError {
  constructor(
    readonly origin: string,
    readonly seq: number,
    readonly cut: number,
  ) {
    super('device-removed', `entry ${origin}#${seq} was written after its device was removed from the library (entries after #${cut} are refused)`);
  }
}

/**
 * A snapshot record that says this device made a change it does not hold (a state, a field, a
 * delete or a per-device row under this device's clock, newer than what this device has): only
 * this device writes its own changes, and it holds every one of them, so the record is refused.
 */
export class ForeignOwnStateError extends SyncError {
  constructor(
    readonly model: string,
    readonly record: string,
    what: string,
  ) {
    super('own-origin', `${model} ${record}: a snapshot record claims ${what} by this device that it never made; refused`);
  }
}

/**
 * A second, different version of an entry this device holds (same origin and seq, other content):
 * some member sent different devices different changes under one name. The first version is kept.
 * `held` and `received` are content digests of the two versions; `peer` sent the second (null
 * when the entries were applied directly, not by the sync engine).
 */
export class EquivocationError extends SyncError {
  constructor(
    readonly origin: string,
    readonly seq: number,
    readonly held: string,
    readonly received: string,
    readonly peer: string | null = null,
  ) {
    super(
      'equivocation',
      `entry ${origin}#${seq}${peer === null ? '' : ` from peer ${peer}`} differs from the one held (content ${received.slice(0, 16)}, held ${held.slice(0, 16)}): ` +
        'some device sent different changes under one origin and seq; the one held is kept',
    );
  }
}

/** A response (or a record in one) that this device did not ask that peer for, or no longer waits for: never merged. */
export class UnsolicitedResponseError extends SyncError {
  constructor(
    readonly peer: string,
    readonly what: string,
  ) {
    super('unsolicited-response', `${what} from peer ${peer} answers no request this device is waiting for; it was not merged`);
  }
}
