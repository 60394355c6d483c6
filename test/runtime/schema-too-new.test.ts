/**
 * A newer file, an older app: a library file that a newer version of the app (or of its syncgen
 * runtime) migrated is refused with a `SchemaTooNewError` before any migration runs, and the file
 * is left byte for byte as it was. A migration that cannot run in the file's order, or that
 * fails, is a `MigrationFailedError` naming it.
 */
import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MigrationFailedError, SchemaTooNewError } from '../../runtime/index.js';
import { syncMigrations } from '../../runtime/store/sync-tables.js';
import { DEVICE_A, temporaryDirectory } from '../support/libraries.js';
import { fileState, openPerson, v1Registry, v2, withMigrations } from '../support/person-versions.js';

const v1 = await v1Registry();

/** A closed library file at v2 of the app, with one person. */
async function fileAtV2(): Promise<string> {
  const library = await openPerson(v2, temporaryDirectory('too-new'), DEVICE_A);
  library.transact((tx) => tx.person.create({ name: 'Ada Lovelace' }));
  library.close();
  return library.file;
}

async function refusal(open: Promise<unknown>): Promise<unknown> {
  return open.then(
    () => assert.unreachable('the file was opened'),
    (error: unknown) => error,
  );
}

test('a file a newer app migrated is refused before any migration, naming both versions; the file is untouched', async () => {
  const file = await fileAtV2();
  const bytes = readFileSync(file);
  const before = fileState(file);

  const error = await refusal(openPerson(v1, file.replace(/\/library\.db$/, ''), DEVICE_A));
  assert.instance(error, SchemaTooNewError);
  const tooNew = error as SchemaTooNewError;
  assert.is(tooNew.code, 'schema-too-new');
  assert.equal(
    { file: tooNew.file, of: tooNew.of, fileMigration: tooNew.fileMigration, fileVersion: tooNew.fileVersion },
    { file, of: 'models', fileMigration: '0002~split_name', fileVersion: 2 },
  );
  assert.equal({ appMigration: tooNew.appMigration, appVersion: tooNew.appVersion }, { appMigration: '0001_initial', appVersion: 1 });
  assert.is(
    tooNew.message,
    `${file} was migrated by a newer version of the app: its models are at migration 0002~split_name, and this app knows migrations up to ` +
      '0001_initial. Upgrade the app to open it; the file was not changed.',
  );

  assert.ok(readFileSync(file).equals(bytes), 'the file has the same bytes');
  assert.not.ok(existsSync(`${file}-wal`), 'no write-ahead log is left behind');
  assert.equal(fileState(file), before);
  assert.equal(before.personColumns, ['id', 'name', '_hlc', '_hlc_name', 'first', 'last', '_hlc_first', '_hlc_last']);
});

test('a hand-written step counts: an app without it refuses a file that ran it, though both have generated migration 0002', async () => {
  const file = await fileAtV2();
  const bytes = readFileSync(file);
  const withoutStep = withMigrations(v2, (migrations) => delete migrations['0002~split_name']);
  const error = (await refusal(openPerson(withoutStep, file.replace(/\/library\.db$/, ''), DEVICE_A))) as SchemaTooNewError;
  assert.instance(error, SchemaTooNewError);
  assert.equal([error.fileMigration, error.fileVersion, error.appMigration, error.appVersion], ['0002~split_name', 2, '0002_add_person_first_and_more', 2]);
  assert.ok(readFileSync(file).equals(bytes));
});

test("a file whose runtime tables a newer syncgen migrated is refused the same way, before the models' migrations", async () => {
  const dir = temporaryDirectory('runtime-too-new');
  (await openPerson(v1, dir, DEVICE_A)).close();
  const file = `${dir}/library.db`;
  const db = new Database(file);
  db.prepare('INSERT INTO _sync_migration (name, timestamp) VALUES (?, ?)').run('9999_from_a_newer_runtime', new Date(0).toISOString());
  db.close();
  const bytes = readFileSync(file);

  // The app is newer in its models (v2) and older in its runtime: nothing may run, not even the models' migrations.
  const error = (await refusal(openPerson(v2, dir, DEVICE_A))) as SchemaTooNewError;
  assert.instance(error, SchemaTooNewError);
  const newestRuntime = Object.keys(await syncMigrations.getMigrations())
    .sort()
    .at(-1)!;
  assert.equal(
    { of: error.of, code: error.code, fileMigration: error.fileMigration, fileVersion: error.fileVersion, appMigration: error.appMigration },
    { of: 'runtime', code: 'schema-too-new', fileMigration: '9999_from_a_newer_runtime', fileVersion: 9999, appMigration: newestRuntime },
  );
  assert.is(error.appVersion, Number(newestRuntime.slice(0, 4)));
  assert.match(error.message, /an app with a newer syncgen runtime: .* Upgrade the app \(its syncgen package\) to open it; the file was not changed\.$/);
  assert.ok(readFileSync(file).equals(bytes));
  assert.equal(fileState(file).models, ['0001_initial']);
});

test('a migration numbered before one the file already ran is refused by name, before anything runs', async () => {
  const file = await fileAtV2();
  const bytes = readFileSync(file);
  const late = withMigrations(v2, (migrations) => {
    migrations['0001~added_late'] = { async up() {} };
  });
  const error = (await refusal(openPerson(late, file.replace(/\/library\.db$/, ''), DEVICE_A))) as MigrationFailedError;
  assert.instance(error, MigrationFailedError);
  assert.equal([error.code, error.migration, error.fileMigration], ['migration-failed', '0001~added_late', '0002~split_name']);
  assert.is(
    error.message,
    `migration 0001~added_late cannot run on ${file}: it is new to the file but orders before 0002~split_name, which the file already ran. ` +
      'A migration added later must be numbered after every migration already shipped (a hand-written step: after the newest generated one). ' +
      'Nothing of it was kept: the file stays at migration 0002~split_name, with its data.',
  );
  assert.ok(readFileSync(file).equals(bytes));
});

test('a file migrated from another schema history is named as such, not as too new', async () => {
  const file = await fileAtV2();
  const db = new Database(file);
  db.prepare("UPDATE _model_migration SET name = '0002_add_person_nickname' WHERE name = '0002_add_person_first_and_more'").run();
  db.close();
  const error = (await refusal(openPerson(v2, file.replace(/\/library\.db$/, ''), DEVICE_A))) as MigrationFailedError;
  assert.instance(error, MigrationFailedError);
  assert.is(error.migration, '0002_add_person_nickname');
  assert.match(error.message, /which this app does not have though it knows later ones: the file was migrated from another schema history/);
});

test('a migration that throws is named with its cause, and the file keeps its migrations and data', async () => {
  const dir = temporaryDirectory('failing');
  const library = await openPerson(v1, dir, DEVICE_A);
  library.transact((tx) => tx.person.create({ name: 'Ada Lovelace' }));
  library.close();
  const before = fileState(library.file);
  const failing = withMigrations(v2, (migrations) => {
    migrations['0002_add_person_first_and_more'] = {
      async up() {
        throw new Error('disk full');
      },
    };
  });
  const error = (await refusal(openPerson(failing, dir, DEVICE_A))) as MigrationFailedError;
  assert.instance(error, MigrationFailedError);
  assert.equal(
    [error.code, error.migration, error.fileMigration, (error.cause as Error).message],
    ['migration-failed', '0002_add_person_first_and_more', '0001_initial', 'disk full'],
  );
  assert.is(
    error.message,
    `migration 0002_add_person_first_and_more failed on ${library.file}: disk full. Nothing of it was kept: the file stays at migration 0001_initial, with its data.`,
  );
  assert.equal(fileState(library.file), before);
});

test.run();
