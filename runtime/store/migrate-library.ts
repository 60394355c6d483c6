/**
 * Migrating a library file when it opens: the runtime's own tables, then the models' (the
 * generated migrations and the app's hand-written steps, in one sequence).
 *
 * Every set is checked before anything runs, so a file this app cannot take is refused as it is:
 * a file that a newer app version migrated (`SchemaTooNewError`) or one whose migrations this
 * app orders differently (`MigrationFailedError`) is read, never written. Left to Kysely, both
 * would surface as "corrupted migrations" after the runtime's own pending migrations had already
 * run. The pending migrations of a set then run in one transaction: all of them, or none.
 */
import type Database from 'better-sqlite3';
import { Kysely, Migrator, type MigrationProvider } from 'kysely';
import { LibraryDialect } from './library-dialect.js';
import { MigrationFailedError, SchemaTooNewError, type MigrationSetName } from './migration-errors.js';

/** One migration sequence and the table that records which of its migrations a file ran. */
export interface MigrationSet {
  /** `runtime`: syncgen's own tables (`_sync_*`); `models`: the app's tables, from its registry. */
  readonly of: MigrationSetName;
  readonly provider: MigrationProvider;
  readonly table: string;
  readonly lockTable: string;
}

/** Migration names in the order they run: by UTF-16 code unit, as Kysely sorts its providers' keys. */
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

interface Plan {
  readonly set: MigrationSet;
  readonly newest: string | null;
}

/**
 * Checks every set against the file, then runs what each lacks, runtime first.
 * @throws SchemaTooNewError, before anything ran, when the file ran migrations newer than the app's.
 * @throws MigrationFailedError when a migration cannot run (nothing ran) or failed (its set's pending migrations are rolled back).
 */
export async function migrateLibrary(db: Database.Database, file: string, sets: readonly MigrationSet[]): Promise<void> {
  const plans: Plan[] = [];
  for (const set of sets) plans.push(await check(db, file, set));
  for (const plan of plans) await run(db, file, plan);
}

/** Reads what the file ran and compares it with what the app knows; writes nothing. */
async function check(db: Database.Database, file: string, set: MigrationSet): Promise<Plan> {
  const known = Object.keys(await set.provider.getMigrations()).sort(byName);
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(set.table) !== undefined;
  const ran = hasTable ? (db.prepare(`SELECT name FROM "${set.table}"`).pluck().all() as string[]).sort(byName) : [];
  const newest = ran.at(-1) ?? null;
  const appNewest = known.at(-1) ?? '(none)';
  const unknown = ran.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    if (unknown.every((name) => byName(name, appNewest) > 0)) throw new SchemaTooNewError(file, set.of, newest!, appNewest);
    throw new MigrationFailedError(
      file,
      unknown[0]!,
      newest,
      `${file} ran migration ${unknown[0]}, which this app does not have though it knows later ones: the file was migrated ` +
        'from another schema history (an app built from another branch of the schemas?); open it with the app that migrated it',
    );
  }
  const misplaced = newest === null ? undefined : known.find((name) => !ran.includes(name) && byName(name, newest) < 0);
  if (misplaced !== undefined) {
    throw new MigrationFailedError(
      file,
      misplaced,
      newest,
      `migration ${misplaced} cannot run on ${file}: it is new to the file but orders before ${newest}, which the file already ran. ` +
        'A migration added later must be numbered after every migration already shipped (a hand-written step: after the newest generated one)',
    );
  }
  return { set, newest };
}

async function run(db: Database.Database, file: string, { set, newest }: Plan): Promise<void> {
  // The dialect would close the connection on destroy; this Kysely is only dropped, never destroyed.
  const kysely = new Kysely<unknown>({ dialect: new LibraryDialect({ database: db }) });
  const migrator = new Migrator({
    db: kysely,
    provider: set.provider,
    migrationTableName: set.table,
    migrationLockTableName: set.lockTable,
    // Kysely orders the migrations a file ran by time, then by this; it must be the order it runs them in.
    nameComparator: byName,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error === undefined) return;
  const failed = results?.find((result) => result.status === 'Error')?.migrationName;
  const cause = error instanceof Error ? error.message : String(error);
  const problem =
    failed === undefined ? `migrating the ${set.of} of ${file} failed before any migration ran: ${cause}` : `migration ${failed} failed on ${file}: ${cause}`;
  throw new MigrationFailedError(file, failed ?? null, newest, problem, error);
}
