/**
 * Decoded typed reads (`runtime/library/decoded-reads.ts`): every selection form that names a
 * boolean or JSON field reads back the app's value, a hybrid model's per-device table too, NULL
 * as null; expressions and aggregates stay as stored; parameters are app values.
 */
import { sql } from 'kysely';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEVICE_A, NOW, openDevice } from '../support/libraries.js';
import { openReadDatabase } from '../support/read-models.js';

const db = openReadDatabase();
const RED = { color: 'red' };

test('plain columns, table.column and aliases decode; the other columns are as stored, NULL is null', async () => {
  assert.equal(await db.selectFrom('tag').select(['name', 'isPinned', 'style', 'position']).orderBy('name').execute(), [
    { name: 'a', isPinned: true, style: RED, position: 1 },
    { name: 'b', isPinned: false, style: null, position: 2 },
  ]);
  assert.equal(
    await db
      .selectFrom('tag')
      .select(['tag.isPinned as pinned', 'tag.style', (eb) => eb.ref('tag.isPinned').as('again')])
      .where('id', '=', 't1')
      .execute(),
    [{ pinned: true, style: RED, again: true }],
  );
});

test('selectAll(), selectAll(t), table aliases and joins; an outer join without a row gives null', async () => {
  assert.equal(await db.selectFrom('tag').selectAll().where('id', '=', 't1').execute(), [
    { id: 't1', name: 'a', isPinned: true, style: RED, position: 1, _hlc: Buffer.from([1]) },
  ]);
  assert.equal(await db.selectFrom('tag as t').innerJoin('card as c', 'c.tagId', 't.id').selectAll('c').select('t.isPinned as tagPinned').execute(), [
    { id: 'c1', tagId: 't1', title: 'first', archived: false, labels: ['x', 'y'], _hlc: null, tagPinned: true },
  ]);
  assert.equal(
    await db
      .selectFrom('card')
      .leftJoin('tag', 'tag.id', 'card.tagId')
      .select(['card.title', 'archived', 'tag.isPinned', 'tag.style'])
      .orderBy('title')
      .execute(),
    [
      { title: 'first', archived: false, isPinned: true, style: RED },
      { title: 'second', archived: true, isPinned: null, style: null },
    ],
  );
});

test("a hybrid model's per-device table decodes, alone and joined", async () => {
  assert.equal(await db.selectFrom('card__device').select(['_device', 'folded', 'layout']).orderBy('_device').execute(), [
    { _device: 'd1', folded: true, layout: { width: 3 } },
    { _device: 'd2', folded: false, layout: null },
  ]);
  assert.equal(
    await db
      .selectFrom('card')
      .innerJoin('card__device as d', 'd._record', 'card.id')
      .select(['card.labels'])
      .selectAll('d')
      .where('d._device', '=', 'd1')
      .execute(),
    [{ labels: ['x', 'y'], _record: 'c1', _device: 'd1', folded: true, layout: { width: 3 }, _version: Buffer.from([2]) }],
  );
});

test('subqueries in FROM and in a selection resolve to the columns they select', async () => {
  const pinned = db.selectFrom('tag').select(['id', 'isPinned as pinned', 'style']).as('s');
  assert.equal(await db.selectFrom(pinned).select(['s.pinned', 'style']).where('s.id', '=', 't1').execute(), [{ pinned: true, style: RED }]);
  assert.equal(await db.selectFrom(pinned).selectAll().where('s.id', '=', 't2').execute(), [{ id: 't2', pinned: false, style: null }]);
  const nested = db.selectFrom(db.selectFrom('card').selectAll().as('inner')).select(['inner.title', 'inner.labels']).as('outer');
  assert.equal(await db.selectFrom(nested).selectAll().orderBy('title').execute(), [
    { title: 'first', labels: ['x', 'y'] },
    { title: 'second', labels: null },
  ]);
  const tagPinned = await db
    .selectFrom('card')
    .select(['title', (eb) => eb.selectFrom('tag').select('tag.isPinned').whereRef('tag.id', '=', 'card.tagId').as('tagPinned')])
    .orderBy('title')
    .execute();
  assert.equal(tagPinned, [
    { title: 'first', tagPinned: true },
    { title: 'second', tagPinned: null },
  ]);
});

test('CTEs resolve to their bodies, one through another, under a column list too', async () => {
  const rows = await db
    .with('pinned', (qb) => qb.selectFrom('tag').select(['name', 'isPinned', 'style']))
    .with('named(label, flag)', (qb) => qb.selectFrom('pinned').select(['name as label', 'isPinned as flag']))
    .selectFrom('named')
    .innerJoin('pinned', 'pinned.name', 'named.label')
    .select(['named.label', 'named.flag', 'pinned.style'])
    .orderBy('label')
    .execute();
  assert.equal(rows, [
    { label: 'a', flag: true, style: RED },
    { label: 'b', flag: false, style: null },
  ]);
  const archived = await db
    .withRecursive('chain(id, archived)', (qb) =>
      qb
        .selectFrom('card')
        .select(['id', 'archived'])
        .where('id', '=', 'c1')
        .unionAll((eb) => eb.selectFrom('chain').innerJoin('card', 'card.tagId', 'chain.id').select(['card.id', 'card.archived'])),
    )
    .selectFrom('chain')
    .selectAll()
    .execute();
  assert.equal(archived, [{ id: 'c1', archived: false }]);
});

test('a union decodes a column that every arm selects from a field of the same kind', async () => {
  const names = db.selectFrom('tag').select(['name', 'isPinned']);
  assert.equal(
    await names
      .union(db.selectFrom('card').select(['title as name', 'archived as isPinned']))
      .orderBy('name')
      .execute(),
    [
      { name: 'a', isPinned: true },
      { name: 'b', isPinned: false },
      { name: 'first', isPinned: false },
      { name: 'second', isPinned: true },
    ],
  );
  // An arm whose column is an expression leaves it as stored.
  assert.equal(
    await names
      .union(db.selectFrom('card').select(['title as name', sql<boolean>`1`.as('isPinned')]))
      .orderBy('name')
      .limit(2)
      .execute(),
    [
      { name: 'a', isPinned: 1 },
      { name: 'b', isPinned: 0 },
    ],
  );
});

test('aggregates and other expressions are left as stored; min and max of a column decode', async () => {
  const row = await db
    .selectFrom('tag')
    .select((eb) => [
      eb.fn.sum<number>('isPinned').as('pinnedCount'),
      eb.fn.countAll<number>().as('count'),
      eb.fn.max('isPinned').as('anyPinned'),
      eb.fn.min('style').as('firstStyle'),
      sql<string>`json_extract(style, '$.color')`.as('color'),
      sql<number>`${sql.ref('isPinned')} + 0`.as('stored'),
    ])
    .where('id', '=', 't1')
    .executeTakeFirstOrThrow();
  assert.equal(row, { pinnedCount: 1, count: 1, anyPinned: true, firstStyle: RED, color: 'red', stored: 1 });
});

test('parameters are app values: booleans bind as 0 or 1, JSON values as their text', async () => {
  const names = (rows: { name: string }[]) => rows.map((row) => row.name);
  const tags = db.selectFrom('tag').select('name').orderBy('name');
  assert.equal(names(await tags.where('isPinned', '=', true).execute()), ['a']);
  assert.equal(names(await tags.where('isPinned', '!=', true).execute()), ['b']);
  assert.equal(names(await tags.where('isPinned', 'in', [false]).execute()), ['b']);
  assert.equal(names(await tags.where('isPinned', 'is', true).execute()), ['a']);
  assert.equal(names(await tags.where(sql<boolean>`${sql.ref('isPinned')} = ${false}`).execute()), ['b']);
  assert.equal(names(await tags.where('style', '=', RED).execute()), ['a']);
  assert.equal(names(await tags.where('style', '=', { color: 'blue' }).execute()), []);
  const cards = await db.selectFrom('card').select('title').where('labels', '=', ['x', 'y']).where('archived', '=', false).execute();
  assert.equal(cards, [{ title: 'first' }]);
  const devices = await db.selectFrom('card__device').select('_device').where('folded', '=', true).where('layout', '=', { width: 3 }).execute();
  assert.equal(devices, [{ _device: 'd1' }]);
});

test('a query that runs again reuses its analysis; queries of one builder in flight together keep their own; a stream decodes', async () => {
  const query = db.selectFrom('tag').select(['name', 'isPinned']).where('isPinned', '=', false);
  assert.equal(await query.execute(), [{ name: 'b', isPinned: false }]);
  assert.equal(await query.execute(), [{ name: 'b', isPinned: false }]);
  const compiled = query.compile();
  assert.equal((await db.executeQuery(compiled)).rows, [{ name: 'b', isPinned: false }]);
  // Builders derived from one selectFrom share a query id: decoding follows each compiled query instead.
  const tags = db.selectFrom('tag').where('id', '=', 't1');
  const [decoded, stored] = await Promise.all([tags.select('isPinned').execute(), tags.select(sql<number>`isPinned`.as('isPinned')).execute()]);
  assert.equal([decoded, stored], [[{ isPinned: true }], [{ isPinned: 1 }]]);
  const streamed: unknown[] = [];
  for await (const row of db.selectFrom('tag').select(['name', 'isPinned']).orderBy('name').stream()) streamed.push(row);
  assert.equal(streamed, [
    { name: 'a', isPinned: true },
    { name: 'b', isPinned: false },
  ]);
});

test('library.db reads the example models decoded, and takes app values as parameters', async () => {
  const library = await openDevice(DEVICE_A);
  const filter = { text: 'trip', kinds: ['file' as const] };
  library.transact((tx) => {
    tx.tag.create({ name: 'Holidays', isPinned: true, createdAt: NOW });
    tx.tag.create({ name: 'Work', createdAt: NOW });
    tx.collection.create({ name: 'Trips', kind: 'smart', filter, createdAt: NOW });
    tx.collection.create({ name: 'Manual', createdAt: NOW });
  });
  assert.equal(await library.db.selectFrom('tag').select(['name', 'isPinned']).where('isPinned', '=', true).execute(), [{ name: 'Holidays', isPinned: true }]);
  assert.equal(await library.db.selectFrom('collection').select(['name', 'filter']).orderBy('name').execute(), [
    { name: 'Manual', filter: null },
    { name: 'Trips', filter },
  ]);
  assert.equal(await library.db.selectFrom('collection').select('name').where('filter', '=', filter).execute(), [{ name: 'Trips' }]);
  library.close();
});

test.after(() => db.destroy());

test.run();
