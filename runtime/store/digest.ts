/**
 * A digest of a device's synced state: every model table and per-device table (all columns,
 * clocks and versions included, in key order) and the tombstones. Devices that hold the same
 * changes have the same digest; tests and the example compare them.
 */
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { DEVICE_COLUMN, RECORD_COLUMN } from '../contract/storage-columns.js';
import type { Registry } from '../contract/registry.js';

export function digestOf(reader: Database.Database, registry: Registry): string {
  const hash = createHash('sha256');
  const tables: [string, string][] = [['_sync_tombstone', 'model, record']];
  for (const adapter of registry.dependencyOrder) {
    tables.push([adapter.table, `"${adapter.primaryKey}"`]);
    if (adapter.sql.device) tables.push([adapter.sql.device.table, `${RECORD_COLUMN}, ${DEVICE_COLUMN}`]);
  }
  for (const [table, order] of tables.sort(([a], [b]) => (a < b ? -1 : 1))) {
    hash.update(`${table}\n`);
    for (const row of reader.prepare(`SELECT * FROM "${table}" ORDER BY ${order}`).iterate() as Iterable<Record<string, unknown>>) {
      hash.update(JSON.stringify(Object.values(row).map((value) => (Buffer.isBuffer(value) ? value.toString('hex') : value))));
      hash.update('\n');
    }
  }
  return hash.digest('hex');
}
