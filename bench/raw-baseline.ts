/**
 * The baseline every storage figure is measured against: raw better-sqlite3 prepared statements
 * doing the same storage work as a sync write (an upsert of the row, and an append of a log row
 * carrying the change as MessagePack), on a table of the same columns and the same indexes as the
 * app's table (the schema's declared indexes and those on reference columns: an app writing that
 * model to SQLite without syncgen keeps them too), with the same journal and synchronous settings
 * as the library under test. What syncgen adds on top (clock columns, tombstone checks, the
 * cursor, the clock) is what the ratios measure.
 */
import Database from 'better-sqlite3';
import { Packr } from 'msgpackr';
import path from 'node:path';
import type { AnyModelAdapter, SqlValue } from '../runtime/contract/model-adapter.js';

const packr = new Packr({ useRecords: false });

export interface RawStore {
  readonly db: Database.Database;
  /** Upserts one row and appends its log row. */
  write(values: Record<string, SqlValue>): void;
  /** `count` writes in one transaction. */
  writeBatch(rows: readonly Record<string, SqlValue>[]): void;
  close(): void;
}

/**
 * The `CREATE INDEX` statements of a model's table in a library database: the app's indexes, to
 * replay on a raw table (they name app columns only, never the sync columns).
 */
export function appIndexes(libraryFile: string, table: string): string[] {
  const library = new Database(libraryFile, { readonly: true });
  try {
    return library
      .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name")
      .pluck()
      .all(table) as string[];
  } finally {
    library.close();
  }
}

/** A raw store in `dir`; `indexes` are the app's `CREATE INDEX` statements for the table (see `appIndexes`). */
export function openRawStore(dir: string, adapter: AnyModelAdapter, durability: 'full' | 'normal', indexes: readonly string[]): RawStore {
  const db = new Database(path.join(dir, `raw-${adapter.table}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
  const columns = adapter.fields.map((field: AnyModelAdapter['fields'][number]) => field.name);
  const key = adapter.primaryKey;
  db.exec(`CREATE TABLE IF NOT EXISTS "${adapter.table}" (${columns.map((column: string) => `"${column}"`).join(', ')}, PRIMARY KEY ("${key}")) WITHOUT ROWID`);
  for (const index of indexes) db.exec(index.replace(/^CREATE INDEX /i, 'CREATE INDEX IF NOT EXISTS '));
  db.exec(
    'CREATE TABLE IF NOT EXISTS log (origin TEXT NOT NULL, seq INTEGER NOT NULL, hlc BLOB NOT NULL, model INTEGER NOT NULL, record TEXT NOT NULL, kind INTEGER NOT NULL, data BLOB, PRIMARY KEY (origin, seq)) WITHOUT ROWID',
  );
  const upsert = db.prepare(
    `INSERT INTO "${adapter.table}" (${columns.map((column: string) => `"${column}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ` +
      `ON CONFLICT ("${key}") DO UPDATE SET ${columns
        .filter((column: string) => column !== key)
        .map((column: string) => `"${column}" = excluded."${column}"`)
        .join(', ')}`,
  );
  const append = db.prepare('INSERT INTO log (origin, seq, hlc, model, record, kind, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const origin = '0000000a-0000-4000-8000-00000000000a';
  const clock = Buffer.alloc(24);
  let seq = (db.prepare('SELECT max(seq) FROM log').pluck().get() as number | null) ?? 0;
  const write = (values: Record<string, SqlValue>) => {
    upsert.run(columns.map((column: string) => values[column] ?? null));
    seq += 1;
    clock.writeUIntBE(seq, 0, 6);
    append.run(origin, seq, clock, adapter.id, values[key], 1, packr.pack(values));
  };
  const batch = db.transaction((rows: readonly Record<string, SqlValue>[]) => {
    for (const row of rows) write(row);
  });
  const single = db.transaction((values: Record<string, SqlValue>) => write(values));
  return { db, write: (values) => single(values), writeBatch: (rows) => batch(rows), close: () => db.close() };
}
