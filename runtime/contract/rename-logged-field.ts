/**
 * The sync log's half of a field rename. A generated migration renames the field's column; the
 * log still names the field in every entry it holds (`data` is MessagePack by field name), and
 * this device relays those entries to peers on its new version, which read the new name only. So
 * the same migration calls this, in its transaction, to rename the field in the logged entries of
 * its model: the file never holds a renamed column beside a log in the old names.
 *
 * The log holds model ids as of the last open (a renumbering is applied at open, after the
 * migrations): the id is looked up by the model's name in `_sync_model` (what the last open
 * recorded), else the id the schema had before this migration.
 */
import { sql, type Kysely } from 'kysely';
import { packData, unpackData } from '../core/change-entry.js';
import type { SqlValue } from '../core/sql-value.js';

/** The model as the schema before this migration had it. */
export interface LoggedModel {
  readonly name: string;
  readonly id: number;
}

/**
 * Renames `from` to `to` in the data of every logged entry of `model` (keeping the fields' order).
 * A database without the runtime's tables (a bare migration test) has nothing to rename.
 */
export async function renameLoggedField(db: Kysely<any>, model: LoggedModel, from: string, to: string): Promise<void> {
  const tables = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('_sync_log', '_sync_model')`.execute(db);
  const present = new Set(tables.rows.map((row) => row.name));
  if (!present.has('_sync_log')) return;
  let id = model.id;
  if (present.has('_sync_model')) {
    const known = await sql<{ id: number }>`SELECT id FROM _sync_model WHERE name = ${model.name}`.execute(db);
    id = known.rows[0]?.id ?? model.id;
  }
  const entries = await sql<{ origin: string; seq: number; data: Uint8Array }>`
    SELECT origin, seq, data FROM _sync_log WHERE model = ${id} AND data IS NOT NULL`.execute(db);
  for (const entry of entries.rows) {
    const data = unpackData(entry.data)!;
    if (!Object.hasOwn(data, from)) continue;
    const renamed: Record<string, SqlValue> = Object.fromEntries(Object.entries(data).map(([name, value]) => [name === from ? to : name, value]));
    await sql`UPDATE _sync_log SET data = ${packData(renamed)} WHERE origin = ${entry.origin} AND seq = ${entry.seq}`.execute(db);
  }
}
