/**
 * The app's hand-written migration steps: data changes no schema diff can express (split `name`
 * into `first` and `last`), in a folder the generator reads but never writes
 * (`schema/migrations/0002_split_name.ts`, exporting `up(db)` and optionally `down(db)`).
 *
 * The generator only numbers them into the sequence of generated migrations, so one `Migrator`
 * runs both in order and in one transaction: the step `NNNN_<slug>` runs after generated
 * migration NNNN and before NNNN+1; steps of one number run by slug. Its Kysely name, what a
 * library file records having run, is `NNNN~<slug>`: `~` sorts after every character of a
 * generated name, so Kysely's name order is that order.
 */
import { HandMigrationError } from '../errors.js';
import type { SchemaVersion } from './version-file.js';

/** Where the steps are, as `generate` is told. */
export interface HandMigrationFolder {
  /** The names of the files in the folder (`0002_split_name.ts`), in any order. */
  readonly files: readonly string[];
  /** The folder as the user names it, for messages and the migration index's header (default `schema/migrations`). */
  readonly dir?: string;
  /** The folder relative to `<out>/migrations/`, for the index's imports (default `../../schema/migrations`). */
  readonly importPath?: string;
}

/** One step, as the migration index imports and names it. */
export interface HandMigration {
  /** The file as the user names it, e.g. `schema/migrations/0002_split_name.ts`. */
  readonly file: string;
  /** The generated migration it follows. */
  readonly number: number;
  /** Its Kysely name, e.g. `0002~split_name`. */
  readonly name: string;
  /** The import specifier from `<out>/migrations/index.ts`, e.g. `../../schema/migrations/0002_split_name.js`. */
  readonly specifier: string;
  /** The identifier it is imported as, e.g. `step0002_split_name`. */
  readonly binding: string;
}

/** A step's file name: the number of the migration it follows, a slug, and a module extension. */
export const HAND_MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.(ts|mts)$/;

const CODE_FILE = /\.(ts|mts|cts|js|mjs|cjs)$/;
// Generated code is TypeScript, type-checked with the steps it imports: a step is TypeScript too.
const IMPORT_EXTENSION: Record<string, string> = { ts: 'js', mts: 'mjs' };

/** The `~` of a step's Kysely name: after `_`, digits and letters, so a step sorts after the generated migration of its number. */
export const HAND_STEP_SEPARATOR = '~';

/**
 * Reads the folder's file names into steps, in the order they run. Other files than code (a
 * README) are ignored; a code file that is not a step is refused, so a misnamed step never goes
 * missing silently.
 * @param history the schema history after this run (with the migration it appends, if any).
 * @throws HandMigrationError naming the file: a wrong name, a number the history does not have yet, a duplicate.
 */
export function handMigrations(folder: HandMigrationFolder | undefined, history: readonly SchemaVersion[]): HandMigration[] {
  if (folder === undefined) return [];
  const dir = folder.dir ?? 'schema/migrations';
  const importPath = (folder.importPath ?? '../../schema/migrations').replace(/\\/g, '/').replace(/\/$/, '');
  const newest = history.at(-1)?.migration;
  const steps = new Map<string, HandMigration>();
  for (const name of [...folder.files].sort()) {
    if (!CODE_FILE.test(name)) continue;
    const file = `${dir}/${name}`;
    const match = HAND_MIGRATION_FILE.exec(name);
    if (match === null || name.endsWith('.d.ts')) {
      throw new HandMigrationError(
        file,
        'a hand-written migration step is named NNNN_<slug> (lower case, digits and _) with .ts or .mts, ' +
          'where NNNN is the generated migration it runs after, e.g. 0002_split_name.ts; keep other modules out of this folder',
      );
    }
    const [, digits, slug, extension] = match as unknown as [string, string, string, string];
    const number = Number(digits);
    if (number === 0) throw new HandMigrationError(file, 'a step runs after the generated migration of its number, so numbers start at 0001');
    if (number > history.length) {
      throw new HandMigrationError(
        file,
        `a step runs after the generated migration of its number, and the schema history has no migration ${digits} ` +
          `(it ends at ${newest ?? 'nothing yet'}): number it after a migration the history has`,
      );
    }
    const stepName = `${digits}${HAND_STEP_SEPARATOR}${slug}`;
    const twin = steps.get(stepName);
    if (twin) throw new HandMigrationError(file, `${twin.file} is the same step (${stepName}); keep one of them`);
    steps.set(stepName, {
      file,
      number,
      name: stepName,
      specifier: `${importPath}/${digits}_${slug}.${IMPORT_EXTENSION[extension]}`,
      binding: `step${digits}_${slug}`,
    });
  }
  return [...steps.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
