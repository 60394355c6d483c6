/** `openLibrary`: opens (creating if needed) a device's copy of a library. */
import { DEFAULT_MAX_DRIFT_MS } from '../core/hlc.js';
import { defaultLogger } from '../core/console-logger.js';
import { InvalidArgumentError } from '../core/errors.js';
import { componentLogger, type Logger } from '../core/logger.js';
import { isUuid } from '../core/uuid.js';
import type { Registry } from '../contract/registry.js';
import { replayQuarantine } from '../merge/replay-quarantine.js';
import { Durability } from '../store/durability.js';
import { openStore } from '../store/open-store.js';
import { ChangeFeed, type LibraryChange } from './change-feed.js';
import { deviceCredentials, type DeviceCredentials } from './device-credentials.js';
import { Library } from './library.js';

export interface LibraryOptions<R extends Registry<any, any>> {
  /** Directory of this device's copy; created if absent. The database is `<dir>/library.db`. */
  readonly dir: string;
  /** The library (the user's synced data set), a UUID shared by all its devices. */
  readonly libraryId: string;
  /** This device, a UUID. A library file belongs to one device. */
  readonly deviceId: string;
  /** The generated registry. */
  readonly registry: R;
  /**
   * `full` (default): each commit is on disk before `transact` returns, so nothing is sent to peers
   * that a power loss could take back. `normal`: several times faster, but a power loss can roll
   * back the last commits after peers received them; the device would then reuse their sequence
   * numbers for different changes, and peers would ignore those as duplicates. Use `normal` only for
   * data you can rebuild, or in tests.
   */
  readonly durability?: 'full' | 'normal';
  /** How far ahead of this device's wall clock a remote clock may be (default 5 minutes). */
  readonly maxDriftMs?: number;
  /** The wall clock, in ms (default `Date.now`); injected by tests. */
  readonly now?: () => number;
  /** How many remote changes may wait for records that have not arrived (default 100 000). */
  readonly maxParked?: number;
  /**
   * Where the library logs (errors that cannot be thrown to a caller), and the sync engine
   * (`startSync`) and the TCP transport (`createTcpTransport`) when they are given none: a pino
   * logger, or any object with `debug/info/warn/error(fields, msg)`. Default: warnings and errors to
   * the console, and debug lines when the environment's `DEBUG` names syncgen (`DEBUG=syncgen`).
   */
  readonly logger?: Logger;
  /** @deprecated Use `logger` (errors go to its `error`). Where errors that cannot be thrown to a caller go. */
  readonly onError?: (error: unknown, context: string) => void;
  /**
   * A change listener subscribed before the library opens (as `library.onChange`), so that it hears
   * the changes an upgrade makes as it opens: what the device held for newer schemas, merged now
   * (source `migration`).
   */
  readonly onChange?: (change: LibraryChange<R>) => void;
}

/**
 * Opens (creating if needed) a device's copy of a library: `<dir>/library.db`, migrated to the
 * registry's schemas, and the device's key and certificate beside it (`<dir>/device-key.pem`, owner
 * only, and `<dir>/device-cert.pem`, made on the first open; see `library.credentials`). After an
 * upgrade of the app, what the device held for devices on a newer schema is merged in
 * (`merge/replay-quarantine.ts`). Refuses a
 * file of another library or device (`LibraryMismatchError`), and a key that other users may read
 * or that belongs to another device (`DeviceCredentialsError`).
 *
 * @example
 * const library = await openLibrary({ dir: 'data/laptop', libraryId, deviceId, registry });
 */
export async function openLibrary<R extends Registry<any, any>>(options: LibraryOptions<R>): Promise<Library<R>> {
  for (const [name, value] of [
    ['libraryId', options.libraryId],
    ['deviceId', options.deviceId],
  ] as const) {
    if (!isUuid(value)) throw new InvalidArgumentError(name, value, 'a lower-case UUID');
  }
  const durability = options.durability ?? 'full';
  const { store, reader, file } = await openStore({
    dir: options.dir,
    libraryId: options.libraryId,
    deviceId: options.deviceId,
    registry: options.registry,
    durability,
    now: options.now ?? Date.now,
    maxDriftMs: options.maxDriftMs ?? DEFAULT_MAX_DRIFT_MS,
    maxParked: options.maxParked ?? 100_000,
  });
  const logger = options.logger ?? defaultLogger();
  const log = componentLogger(logger, 'library');
  const reportError =
    options.onError ?? ((error: unknown, context: string) => log.error({ err: error, context }, `${context}: ${(error as Error)?.message ?? String(error)}`));
  const feed = new ChangeFeed(store, reportError);
  if (options.onChange) feed.subscribe(options.onChange as (change: LibraryChange<any>) => void);
  let credentials: DeviceCredentials;
  try {
    // After an upgrade, what this device held for newer devices is merged into the new columns and tables.
    for (const problem of replayQuarantine(store).problems) reportError(problem, 'replaying what was held for a newer schema');
    feed.committed({ kind: 'migration' });
    credentials = await deviceCredentials(options.dir, options.deviceId);
  } catch (error) {
    reader.close();
    store.db.close();
    throw error;
  }
  return new Library<R>({
    libraryId: options.libraryId,
    registry: options.registry,
    file,
    credentials,
    store,
    reader,
    durability: new Durability(store.db, durability, () => store.clock.persist()),
    reportError,
    logger,
    feed,
    now: options.now ?? Date.now,
  });
}
