/**
 * Opening a device's library file: `<dir>/library.db` in WAL mode, migrated (`migrate-library.ts`:
 * a file too new for this app is refused untouched), the check that the file belongs to this
 * library and device, the model-id renumbering a breaking schema change may need, and the `Store`
 * over it.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { LibraryMismatchError } from '../core/errors.js';
import type { Registry } from '../contract/registry.js';
import { ChangeCapture } from './change-capture.js';
import { LibraryClock } from './library-clock.js';
import { ParkedChanges } from './parked-changes.js';
import { MemberTable } from './members.js';
import { migrateLibrary } from './migrate-library.js';
import { renumberModels } from './renumber-models.js';
import { createModelStores, type Store } from './store.js';
import { SyncLog } from './sync-log.js';
import { MODEL_MIGRATION_LOCK_TABLE, MODEL_MIGRATION_TABLE, SYNC_MIGRATION_LOCK_TABLE, SYNC_MIGRATION_TABLE, syncMigrations } from './sync-tables.js';
import { Tombstones } from './tombstones.js';

export interface StoreOptions {
  readonly dir: string;
  readonly libraryId: string;
  readonly deviceId: string;
  readonly registry: Registry;
  readonly durability: 'full' | 'normal';
  readonly now: () => number;
  readonly maxDriftMs: number;
  readonly maxParked: number;
}

/** The store, and a read-only connection to the same file for the app's queries. */
export async function openStore(options: StoreOptions): Promise<{ store: Store; reader: Database.Database; file: string }> {
  mkdirSync(options.dir, { recursive: true });
  const file = path.join(options.dir, 'library.db');
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.durability === 'normal' ? 'NORMAL' : 'FULL'}`);
    db.pragma('busy_timeout = 5000');
    await migrateLibrary(db, file, [
      { of: 'runtime', provider: syncMigrations, table: SYNC_MIGRATION_TABLE, lockTable: SYNC_MIGRATION_LOCK_TABLE },
      { of: 'models', provider: options.registry.migrations, table: MODEL_MIGRATION_TABLE, lockTable: MODEL_MIGRATION_LOCK_TABLE },
    ]);
    db.transaction(() => {
      claimFile(db, file, options.libraryId, options.deviceId);
      renumberModels(db, options.registry);
    }).immediate();
  } catch (error) {
    db.close();
    throw error;
  }
  const stores = createModelStores(db, options.registry);
  const store: Store = {
    db,
    deviceId: options.deviceId,
    registry: options.registry,
    stores,
    storesByName: new Map([...stores.values()].map((model) => [model.name, model])),
    tombstones: new Tombstones(db),
    parked: new ParkedChanges(db, options.maxParked),
    log: new SyncLog(db, options.deviceId),
    clock: new LibraryClock(db, options.deviceId, options.now, options.maxDriftMs),
    members: new MemberTable(db),
    changes: new ChangeCapture(db, options.deviceId),
  };
  const reader = new Database(file, { readonly: true, fileMustExist: true });
  return { store, reader, file };
}

/** Records the library and device ids in a new file; refuses a file of another library or device. */
function claimFile(db: Database.Database, file: string, libraryId: string, deviceId: string): void {
  const read = db.prepare('SELECT value FROM _sync_state WHERE key = ?').pluck();
  const write = db.prepare('INSERT INTO _sync_state (key, value) VALUES (?, ?)');
  const found = { libraryId: read.get('libraryId') as string | undefined, deviceId: read.get('deviceId') as string | undefined };
  if (found.libraryId === undefined) {
    write.run('libraryId', libraryId);
    write.run('deviceId', deviceId);
    return;
  }
  if (found.libraryId !== libraryId || found.deviceId !== deviceId) {
    throw new LibraryMismatchError(file, { libraryId, deviceId }, { libraryId: String(found.libraryId), deviceId: String(found.deviceId) });
  }
}
