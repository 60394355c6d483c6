/**
 * Reading a library file without touching it, while its app may be running (`syncgen inspect`).
 *
 * SQLite's read-only mode alone is not enough: on a WAL file that no app has open (no `-wal` and
 * `-shm` beside it), a read-only connection creates both and leaves them there. So:
 * - with `-wal` and `-shm` beside the file (its app runs, or crashed), a read-only connection reads
 *   it in place. It sees every commit in the WAL, and it never checkpoints: its file descriptor is
 *   read-only, so SQLite never gets the exclusive lock that a checkpoint at close needs.
 * - without them, it reads a hard link to the file in a temporary directory (a copy where no link can
 *   be made), where SQLite's own `-wal` and `-shm` then go. If an app opened the file meanwhile (the
 *   files beside it changed), the result is dropped and the read runs again, in place.
 */
import Database from 'better-sqlite3';
import { constants, copyFileSync, existsSync, linkSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NotALibraryError } from './not-a-library-error.js';

/** A library file open for reading: the connection, the file as found, and the ids it belongs to. */
export interface OpenLibraryFile {
  readonly db: Database.Database;
  readonly file: string;
  readonly libraryId: string;
  readonly deviceId: string;
}

const ATTEMPTS = 3;

/**
 * Runs `read` in one read transaction (one consistent snapshot, whatever the app commits
 * meanwhile) on the library at `location`: its directory, or its `library.db`.
 * @throws NotALibraryError when `location` is not a readable syncgen library.
 */
export function readLibraryFile<T>(location: string, read: (library: OpenLibraryFile) => T): T {
  const file = libraryFile(location);
  for (let attempt = 1; ; attempt += 1) {
    const before = besideFile(file);
    if (before.inUse) return readAt(file, file, read);
    const temporary = mkdtempSync(path.join(tmpdir(), 'syncgen-inspect-'));
    try {
      for (const suffix of before.wal ? ['', '-wal'] : ['']) linkOrCopy(file + suffix, path.join(temporary, `library.db${suffix}`));
      const result = readAt(file, path.join(temporary, 'library.db'), read);
      if (sameState(before, besideFile(file))) return result;
    } finally {
      rmSync(temporary, { recursive: true, force: true });
    }
    if (attempt === ATTEMPTS) throw new NotALibraryError(location, 'unreadable', `${file} kept changing while it was read; try again`);
  }
}

/** The database file of a library directory, or the file itself. */
function libraryFile(location: string): string {
  const absolute = path.resolve(location);
  if (!existsSync(absolute)) throw new NotALibraryError(location, 'missing', `no library at ${location}: no such file or directory`);
  if (!statSync(absolute).isDirectory()) return absolute;
  const file = path.join(absolute, 'library.db');
  if (!existsSync(file)) {
    throw new NotALibraryError(
      location,
      'no-database',
      `no library at ${location}: the directory has no library.db (give the directory that the app opened the library in)`,
    );
  }
  return file;
}

interface BesideState {
  /** `-wal` and `-shm` are there: an app has the file open (or crashed with it open). */
  readonly inUse: boolean;
  readonly wal: boolean;
  readonly shm: boolean;
  readonly size: number;
  readonly modified: number;
}

function besideFile(file: string): BesideState {
  const { size, mtimeMs } = statSync(file);
  const wal = existsSync(`${file}-wal`);
  const shm = existsSync(`${file}-shm`);
  return { inUse: wal && shm, wal, shm, size, modified: mtimeMs };
}

function sameState(a: BesideState, b: BesideState): boolean {
  return a.wal === b.wal && a.shm === b.shm && a.size === b.size && a.modified === b.modified;
}

function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    // Another file system, or a file of another user: a copy (a clone where the file system can).
    copyFileSync(from, to, constants.COPYFILE_FICLONE);
  }
}

/** Opens `opened` (the file itself, or its link) read-only and runs `read` in a read transaction. */
function readAt<T>(file: string, opened: string, read: (library: OpenLibraryFile) => T): T {
  let db: Database.Database | undefined;
  try {
    db = new Database(opened, { readonly: true, fileMustExist: true });
    const connection = db;
    return connection.transaction(() => read({ db: connection, file, ...libraryIds(connection, file) }))();
  } catch (error) {
    throw error instanceof Database.SqliteError ? unreadable(file, error) : error;
  } finally {
    db?.close();
  }
}

function libraryIds(db: Database.Database, file: string): { libraryId: string; deviceId: string } {
  const hasState = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sync_state'").pluck().get() !== undefined;
  const ids = hasState
    ? (db.prepare("SELECT key, value FROM _sync_state WHERE key IN ('libraryId', 'deviceId')").all() as { key: string; value: unknown }[])
    : [];
  const id = (key: string) => ids.find((row) => row.key === key)?.value;
  const libraryId = id('libraryId');
  const deviceId = id('deviceId');
  if (typeof libraryId !== 'string' || typeof deviceId !== 'string') {
    throw new NotALibraryError(file, 'not-syncgen', `${file} is a SQLite database, but not a syncgen library: it has no library and device ids (_sync_state)`);
  }
  return { libraryId, deviceId };
}

function unreadable(file: string, error: InstanceType<typeof Database.SqliteError>): NotALibraryError {
  if (error.code === 'SQLITE_NOTADB') return new NotALibraryError(file, 'not-sqlite', `${file} is not a SQLite database (nor a syncgen library)`);
  return new NotALibraryError(file, 'unreadable', `${file} cannot be read: ${error.message}`);
}
