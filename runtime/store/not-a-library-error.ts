/**
 * A path that `inspectLibrary` (`syncgen inspect`) cannot read as a syncgen library. One code,
 * `not-a-library`; `reason` tells the cases apart.
 */
import { SyncError } from '../core/errors.js';

/**
 * - `missing`: no such file or directory;
 * - `no-database`: a directory without a `library.db`;
 * - `not-sqlite`: a file that is not a SQLite database;
 * - `not-syncgen`: a SQLite database that is not a syncgen library;
 * - `outdated`: a library that an older syncgen wrote, which lacks tables this one reads (its app migrates it when it opens it);
 * - `unreadable`: SQLite failed to read it (its message says why).
 */
export type NotALibraryReason = 'missing' | 'no-database' | 'not-sqlite' | 'not-syncgen' | 'outdated' | 'unreadable';

export class NotALibraryError extends SyncError {
  constructor(
    /** The path as given, or the database file found there. */
    readonly path: string,
    readonly reason: NotALibraryReason,
    message: string,
  ) {
    super('not-a-library', message);
  }
}
