/**
 * Two small models for the typed-read tests, with booleans and JSON everywhere a read can meet
 * them: `tag` (logBased), and `card` (hybrid) with its per-device table `card__device`. Adapters
 * by hand (the decoding reads only tables and fields), tables by SQL, in an in-memory database.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { columns, type ColumnCodec } from '../../runtime/contract/column-codecs.js';
import type { AnyModelAdapter, FieldDescriptor, FieldKind } from '../../runtime/contract/model-adapter.js';
import { DecodedReadsDialect } from '../../runtime/library/decoded-reads.js';

export interface Style {
  color: string;
  bold?: boolean;
}

export interface ReadTestDatabase {
  tag: { id: string; name: string; isPinned: boolean; style: Style | null; position: number; _hlc: Uint8Array | null };
  card: { id: string; tagId: string | null; title: string; archived: boolean; labels: string[] | null; _hlc: Uint8Array | null };
  card__device: { _record: string; _device: string; folded: boolean; layout: { width: number } | null; _version: Uint8Array };
}

function field(name: string, kind: FieldKind, codec: ColumnCodec<unknown>, options: { nullable?: boolean; perDevice?: boolean } = {}): FieldDescriptor {
  const { nullable = false, perDevice = false } = options;
  return { name, kind, nullable, optionalOnCreate: true, perDevice, clockColumn: null, codec: nullable ? columns.nullable(codec) : codec };
}

function model(name: string, id: number, table: string, fields: FieldDescriptor[], deviceTable?: string): AnyModelAdapter {
  const device = deviceTable === undefined ? null : { table: deviceTable, upsert: '', select: '', selectByRecord: '', deleteByRecord: '' };
  const sql = { insert: '', upsert: '', merge: null, delete: '', selectById: '', exists: '', page: '', device };
  const strategy = deviceTable === undefined ? 'logBased' : 'hybrid';
  return { name, id, accessor: name.toLowerCase(), table, strategy, primaryKey: 'id', owner: null, fields, references: [], sql };
}

export const readModels = {
  models: {
    tag: model('Tag', 1, 'tag', [
      field('id', 'uuid', columns.uuid),
      field('name', 'string', columns.text()),
      field('isPinned', 'boolean', columns.boolean),
      field('style', 'json', columns.json('object'), { nullable: true }),
      field('position', 'integer', columns.integer()),
    ]),
    card: model(
      'Card',
      2,
      'card',
      [
        field('id', 'uuid', columns.uuid),
        field('tagId', 'uuid', columns.uuid, { nullable: true }),
        field('title', 'string', columns.text()),
        field('archived', 'boolean', columns.boolean),
        field('labels', 'json', columns.json('array'), { nullable: true }),
        field('folded', 'boolean', columns.boolean, { perDevice: true }),
        field('layout', 'json', columns.json('object'), { nullable: true, perDevice: true }),
      ],
      'card__device',
    ),
  },
};

/** The stored rows: tag `a` pinned with a style, `b` not; card `first` on tag `a`, `second` on none, archived; `first` folded on d1 only. */
const ROWS = `
  CREATE TABLE tag (id TEXT PRIMARY KEY, name TEXT NOT NULL, isPinned INTEGER NOT NULL, style TEXT, position INTEGER NOT NULL, _hlc BLOB);
  CREATE TABLE card (id TEXT PRIMARY KEY, tagId TEXT, title TEXT NOT NULL, archived INTEGER NOT NULL, labels TEXT, _hlc BLOB);
  CREATE TABLE card__device (_record TEXT NOT NULL, _device TEXT NOT NULL, folded INTEGER NOT NULL, layout TEXT, _version BLOB NOT NULL, PRIMARY KEY (_record, _device));
  INSERT INTO tag VALUES ('t1', 'a', 1, '{"color":"red"}', 1, x'01'), ('t2', 'b', 0, NULL, 2, NULL);
  INSERT INTO card VALUES ('c1', 't1', 'first', 0, '["x","y"]', NULL), ('c2', NULL, 'second', 1, NULL, NULL);
  INSERT INTO card__device VALUES ('c1', 'd1', 1, '{"width":3}', x'02'), ('c1', 'd2', 0, NULL, x'03');
`;

/** A Kysely over a fresh in-memory database of the read models, decoding as `library.db` does. */
export function openReadDatabase(): Kysely<ReadTestDatabase> {
  const database = new Database(':memory:');
  database.exec(ROWS);
  return new Kysely<ReadTestDatabase>({ dialect: new DecodedReadsDialect(new SqliteDialect({ database }), readModels) });
}
