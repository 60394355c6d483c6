/**
 * `tablesRead` (`runtime/library/tables-read.ts`): the tables a query reads, what a live query
 * watches.
 */
import { sql } from 'kysely';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tablesRead } from '../../runtime/library/decoded-reads.js';
import { openReadDatabase } from '../support/read-models.js';

const db = openReadDatabase();

test('a table, aliased or not, and the tables it joins', () => {
  assert.equal(tablesRead(db.selectFrom('tag').selectAll().toOperationNode()), ['tag']);
  const joined = db.selectFrom('tag as t').innerJoin('card as c', 'c.tagId', 't.id').leftJoin('card__device', 'card__device._record', 'c.id');
  assert.equal(tablesRead(joined.select(['t.name', 'c.title']).toOperationNode()), ['card', 'card__device', 'tag']);
});

test('subqueries in FROM, in selections and in WHERE count; references to a source do not', () => {
  const sub = db.selectFrom('card').select(['id', 'tagId']).as('s');
  assert.equal(tablesRead(db.selectFrom(sub).select('s.id').toOperationNode()), ['card']);
  const query = db
    .selectFrom('tag')
    .select((eb) => ['name', eb.selectFrom('card__device').select('folded').whereRef('card__device._record', '=', 'tag.id').limit(1).as('folded')])
    .where('id', 'in', db.selectFrom('card').select('tagId'));
  assert.equal(tablesRead(query.toOperationNode()), ['card', 'card__device', 'tag']);
});

test("CTE bodies count, a CTE's name does not, even where it hides a table", () => {
  const query = db
    .with('pinned', (qb) => qb.selectFrom('tag').select(['id', 'isPinned']).where('isPinned', '=', true))
    .selectFrom('pinned')
    .innerJoin('card', 'card.tagId', 'pinned.id')
    .select('card.title');
  assert.equal(tablesRead(query.toOperationNode()), ['card', 'tag']);
  const hiding = db
    .with('tag', (qb) => qb.selectFrom('card').select('title as name'))
    .selectFrom('tag')
    .select('name');
  assert.equal(tablesRead(hiding.toOperationNode()), ['card']);
});

test('a table given to sql as a node counts; sql text is not parsed', () => {
  const raw = sql<{ n: number }>`select count(*) as n from ${sql.table('card')} join tag on 1`;
  assert.equal(tablesRead(raw.compile(db).query), ['card']);
});

test.after(() => db.destroy());

test.run();
