/**
 * The errors of migrating a library file at open (`migrate-library.ts`), apart from it: they are
 * public API, and their declarations must not pull in better-sqlite3's types.
 */
import { SyncError } from '../core/errors.js';

/** `runtime`: syncgen's own tables (`_sync_*`); `models`: the app's tables, from its registry. */
export type MigrationSetName = 'runtime' | 'models';

/**
 * A file that a newer version of the app (or of its syncgen runtime) migrated past what this app
 * knows: this app would misread it. It was not changed; upgrade the app to open it.
 */
export class SchemaTooNewError extends SyncError {
  /** The number of the newest migration the file ran (`3` for `0003_add_person_nickname`). */
  readonly fileVersion: number;
  /** The number of the newest migration this app knows. */
  readonly appVersion: number;

  constructor(
    readonly file: string,
    readonly of: MigrationSetName,
    /** The newest migration the file ran, e.g. `0003_add_person_nickname`. */
    readonly fileMigration: string,
    /** The newest migration this app knows. */
    readonly appMigration: string,
  ) {
    const what = of === 'models' ? 'its models are' : "syncgen's own tables in it are";
    const by = of === 'models' ? 'a newer version of the app' : 'an app with a newer syncgen runtime';
    super(
      'schema-too-new',
      `${file} was migrated by ${by}: ${what} at migration ${fileMigration}, and this app knows migrations up to ${appMigration}. ` +
        `Upgrade the app${of === 'runtime' ? ' (its syncgen package)' : ''} to open it; the file was not changed.`,
    );
    this.fileVersion = versionOf(fileMigration);
    this.appVersion = versionOf(appMigration);
  }
}

/**
 * A migration that failed or cannot run. The pending migrations of an open run in one
 * transaction, so the file keeps the migrations it had (`fileMigration`) and all of its data.
 */
export class MigrationFailedError extends SyncError {
  constructor(
    readonly file: string,
    /** The migration that failed or cannot run (e.g. `0002~split_name`), or null when the run failed before any. */
    readonly migration: string | null,
    /** The newest migration the file ran and still has, or null for a new file. */
    readonly fileMigration: string | null,
    /** What went wrong, a sentence naming the migration and the file. */
    problem: string,
    /** What the migration threw, when it threw. */
    override readonly cause?: unknown,
  ) {
    const stays = fileMigration === null ? 'stays without migrations' : `stays at migration ${fileMigration}, with its data`;
    super('migration-failed', `${problem}. Nothing of it was kept: the file ${stays}.`);
  }
}

/** `3` for `0003_add_person_nickname` and for the hand-written step `0003~fill_nickname`. */
export function versionOf(migration: string): number {
  return Number.parseInt(migration.slice(0, 4), 10) || 0;
}
