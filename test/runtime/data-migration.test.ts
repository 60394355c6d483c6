/**
 * Data migrations by hand: a library at v1 with data, opened by v2 of the app, runs the generated
 * migration (new fields) and the hand-written step (filling them from the old field) in one
 * transaction; a step that throws leaves the file at v1 with its data. The step's writes are the
 * device's own: no sync entry, no clock; what older devices write later is merged as any change
 * (docs/generator.md, "Hand-written steps").
 */
import { sql } from 'kysely';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MigrationFailedError } from '../../runtime/index.js';
import { DEVICE_A, DEVICE_B, temporaryDirectory } from '../support/libraries.js';
import { type PersonLibrary, fileState, openPerson, query, v1Registry, v2, withMigrations } from '../support/person-versions.js';

const v1 = await v1Registry();

/** A closed v1 library with three people; returns its directory, file and their ids. */
async function v1Library(deviceId = DEVICE_A) {
  const dir = temporaryDirectory('data-migration');
  const library = await openPerson(v1, dir, deviceId);
  const ids = library.transact((tx) => ['Ada Lovelace', 'Plato', 'Mary Ann Evans'].map((name) => tx.person.create({ name }).id as string));
  library.close();
  return { dir, file: library.file, ids };
}

const people = (file: string) => query(file, 'SELECT name, first, last, _hlc_first, _hlc_last FROM person ORDER BY name');
const entries = (library: PersonLibrary) => library.outbox.missingFrom(new Map(), Number.MAX_SAFE_INTEGER);

test('v1 data opened by v2: the generated migration adds first and last, the hand-written step fills them, in order', async () => {
  const { dir, file } = await v1Library();
  const library = await openPerson(v2, dir, DEVICE_A);
  const held = entries(library).length;
  library.close();
  assert.equal(people(file), [
    { name: 'Ada Lovelace', first: 'Ada', last: 'Lovelace', _hlc_first: null, _hlc_last: null },
    { name: 'Mary Ann Evans', first: 'Mary', last: 'Ann Evans', _hlc_first: null, _hlc_last: null },
    { name: 'Plato', first: 'Plato', last: null, _hlc_first: null, _hlc_last: null },
  ]);
  assert.equal(fileState(file).models, ['0001_initial', '0002_add_person_first_and_more', '0002~split_name']);
  assert.is(held, 3, 'the three creates; the step wrote no sync entry');
});

test('the generated migration and the hand-written step of an open run in one transaction', async () => {
  const { dir, file } = await v1Library();
  const statements: string[] = [];
  const watched = withMigrations(v2, (migrations) => {
    const step = migrations['0002~split_name']!;
    migrations['0002~split_name'] = {
      async up(db) {
        statements.push(((await sql`SELECT count(*) AS n FROM pragma_table_info('person')`.execute(db)).rows[0] as { n: number }).n.toString());
        // Inside a transaction, a nested BEGIN fails: the step shares the open's transaction.
        const nested = await sql`BEGIN`.execute(db).then(
          () => 'began',
          (error: Error) => error.message,
        );
        statements.push(nested);
        await step.up(db);
      },
    };
  });
  (await openPerson(watched, dir, DEVICE_A)).close();
  assert.equal(statements, ['8', 'cannot start a transaction within a transaction']);
  assert.equal((people(file)[0] as { first: string }).first, 'Ada');
});

test('a hand-written step that throws leaves the file at v1 with its data, and the generated migration before it is undone', async () => {
  const { dir, file, ids } = await v1Library();
  const before = { state: fileState(file), rows: query(file, 'SELECT * FROM person ORDER BY id') };
  const throwing = withMigrations(v2, (migrations) => {
    migrations['0002~split_name'] = {
      async up(db) {
        await sql`UPDATE person SET first = 'half done'`.execute(db);
        throw new Error('a name without a space');
      },
    };
  });
  const error = await openPerson(throwing, dir, DEVICE_A).then(
    () => assert.unreachable('the step threw'),
    (caught: unknown) => caught,
  );
  assert.instance(error, MigrationFailedError);
  const failed = error as MigrationFailedError;
  assert.equal([failed.migration, failed.fileMigration, (failed.cause as Error).message], ['0002~split_name', '0001_initial', 'a name without a space']);
  assert.is(
    failed.message,
    `migration 0002~split_name failed on ${file}: a name without a space. Nothing of it was kept: the file stays at migration 0001_initial, with its data.`,
  );
  assert.equal(fileState(file), before.state);
  assert.equal(before.state.personColumns, ['id', 'name', '_hlc', '_hlc_name']);
  assert.equal(query(file, 'SELECT * FROM person ORDER BY id'), before.rows);
  assert.is(before.rows.length, ids.length);

  // The file is intact: the fixed app opens it and migrates it.
  (await openPerson(v2, dir, DEVICE_A)).close();
  assert.is((people(file)[0] as { first: string }).first, 'Ada');
});

test('sync: the step runs on each device and sends nothing; a later write of the old field by a v1 device changes that field only', async () => {
  const a = await openPerson(v1, temporaryDirectory('v1-device'), DEVICE_A);
  const [ada] = a.transact((tx) => [tx.person.create({ name: 'Ada Lovelace' }).id as string]);
  const b1 = await openPerson(v1, temporaryDirectory('v2-device'), DEVICE_B);
  b1.applyChanges(entries(a));
  b1.close();

  const b = await openPerson(v2, b1.file.replace(/\/library\.db$/, ''), DEVICE_B);
  assert.equal(
    entries(b).map((entry) => entry.origin),
    [DEVICE_A],
    "B holds A's create and nothing of its own: the step is not a change",
  );
  a.transact((tx) => tx.person.update(ada!, { name: 'Ada King' }));
  b.applyChanges(entries(a).filter((entry) => entry.seq > 1));
  b.close();
  a.close();
  assert.equal(people(b.file), [{ name: 'Ada King', first: 'Ada', last: 'Lovelace', _hlc_first: null, _hlc_last: null }]);
});

test('a write to the new fields wins over what the step derived; a device that receives records after its step ran gets them as written', async () => {
  const { dir, file, ids } = await v1Library();
  const a = await openPerson(v2, dir, DEVICE_A);
  a.transact((tx) => tx.person.update(ids[0]!, { last: 'Byron' }));
  const b = await openPerson(v2, temporaryDirectory('v2-peer'), DEVICE_B);
  b.applyChanges(entries(a));
  a.close();
  b.close();
  const ada = (copy: string) => query(copy, `SELECT first, last FROM person WHERE id = '${ids[0]}'`)[0];
  assert.equal(ada(file), { first: 'Ada', last: 'Byron' }, 'A: derived first, written last');
  // B was new: its step ran on an empty table, and the log holds no value of first (docs/generator.md).
  assert.equal(ada(b.file), { first: null, last: 'Byron' }, 'B: only what was written');
});

test('a write to the new fields that a v1 device kept for the newer schema wins over what its own step derives when it upgrades', async () => {
  const { dir, ids } = await v1Library();
  const a = await openPerson(v2, dir, DEVICE_A);
  a.transact((tx) => tx.person.update(ids[0]!, { last: 'Byron' }));
  const b1 = await openPerson(v1, temporaryDirectory('kept'), DEVICE_B);
  b1.applyChanges(entries(a));
  b1.close();
  a.close();
  const b = await openPerson(v2, b1.file.replace(/\/library\.db$/, ''), DEVICE_B);
  b.close();
  assert.equal(query(b.file, `SELECT first, last FROM person WHERE id = '${ids[0]}'`), [{ first: 'Ada', last: 'Byron' }]);
});

test.run();
