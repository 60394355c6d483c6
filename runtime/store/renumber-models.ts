/**
 * Model ids are stored in the runtime's tables (log, tombstones, parked changes, quarantine). When
 * a schema change renumbers a model (allowed only with `--allow-breaking`), the tables still hold
 * the old id; on open, this rewrites them to the registry's ids, matched by model name, in the
 * open's transaction. Ids may swap between models, so the rewrite goes through negative ids.
 */
import type Database from 'better-sqlite3';
import type { Registry } from '../contract/registry.js';

const TABLES_WITH_MODEL_IDS = ['_sync_log', '_sync_tombstone', '_sync_parked', '_sync_quarantine', '_sync_quarantine_record'];

export function renumberModels(db: Database.Database, registry: Registry<any, any>): void {
  const known = new Map((db.prepare('SELECT id, name FROM _sync_model').all() as { id: number; name: string }[]).map((row) => [row.name, row.id]));
  const moves: { from: number; to: number }[] = [];
  for (const adapter of registry.dependencyOrder) {
    const stored = known.get(adapter.name);
    if (stored !== undefined && stored !== adapter.id) moves.push({ from: stored, to: adapter.id });
  }
  if (moves.length > 0) rewrite(db, moves);
  db.prepare('DELETE FROM _sync_model').run();
  const insert = db.prepare('INSERT INTO _sync_model (id, name) VALUES (?, ?)');
  for (const adapter of registry.dependencyOrder) insert.run(adapter.id, adapter.name);
}

/** A full pass over each table: it runs only on the open after a renumbering. */
function rewrite(db: Database.Database, moves: readonly { from: number; to: number }[]): void {
  for (const table of TABLES_WITH_MODEL_IDS) {
    const update = db.prepare(`UPDATE ${table} SET model = ? WHERE model = ?`);
    for (const { from, to } of moves) update.run(-to, from);
    for (const { to } of moves) update.run(to, -to);
  }
}
