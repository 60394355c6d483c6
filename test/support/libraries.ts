/**
 * Libraries of the example schema on real SQLite files in a temporary directory, and helpers to
 * move changes between them and to read their synced state for exact comparison.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registry } from '../../generated/index.js';
import type { Registry } from '../../runtime/contract/registry.js';
import type { ChangeEntry } from '../../runtime/core/change-entry.js';
import type { Library } from '../../runtime/library/library.js';
import { openLibrary, type LibraryOptions } from '../../runtime/library/open-library.js';

export type ExampleLibrary = Library<typeof registry>;

export const LIBRARY_ID = '00000000-0000-4000-8000-000000000001';
export const DEVICES = [
  '0000000a-0000-4000-8000-00000000000a',
  '0000000b-0000-4000-8000-00000000000b',
  '0000000c-0000-4000-8000-00000000000c',
  '0000000d-0000-4000-8000-00000000000d',
] as const;
export const [DEVICE_A, DEVICE_B, DEVICE_C] = DEVICES;

const directories: string[] = [];
process.once('exit', () => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

export function temporaryDirectory(label: string): string {
  const directory = mkdtempSync(path.join(tmpdir(), `syncgen-${label}-`));
  directories.push(directory);
  return directory;
}

/** How a test opens a device: `registry`, another schema than the example's (typed as the example's: cast it back). */
export type DeviceOptions = Partial<Omit<LibraryOptions<typeof registry>, 'deviceId' | 'registry'>> & { readonly registry?: Registry<any, any> };

/** Opens a device's library in `dir` (a new temporary directory by default). */
export function openDevice(deviceId: string, options: DeviceOptions = {}): Promise<ExampleLibrary> {
  return openLibrary({
    dir: options.dir ?? temporaryDirectory('device'),
    libraryId: LIBRARY_ID,
    deviceId,
    durability: 'normal',
    ...options,
    registry: options.registry ?? registry,
  }) as Promise<ExampleLibrary>;
}

const readers = new Map<string, Database.Database>();

/** Rows of a query on a read-only connection to the library's file (kept open per file). */
export function readRows(library: ExampleLibrary, sql: string, ...parameters: unknown[]): unknown[] {
  let reader = readers.get(library.file);
  if (!reader?.open) {
    reader = new Database(library.file, { readonly: true });
    readers.set(library.file, reader);
  }
  return reader.prepare(sql).all(...parameters);
}

/** Closes the read-only connections of `readRows` to a library's file (before closing it). */
export function closeReaders(library: ExampleLibrary): void {
  readers.get(library.file)?.close();
  readers.delete(library.file);
}

/** Every entry a library holds, all origins. */
export function heldEntries(library: ExampleLibrary): ChangeEntry[] {
  return library.outbox.missingFrom(new Map(), Number.MAX_SAFE_INTEGER);
}

/** Delivers to `to` everything `from` holds that `to` lacks. */
export function deliver(from: ExampleLibrary, to: ExampleLibrary) {
  return to.applyChanges(from.outbox.missingFrom(to.outbox.cursors(), Number.MAX_SAFE_INTEGER));
}

/**
 * The synced state of a library, for exact comparison: every model table and per-device table,
 * row by row in key order with every column (clocks and versions as hex), and the tombstones.
 */
export function syncedState(library: ExampleLibrary): Record<string, Record<string, unknown>[]> {
  const db = new Database(library.file, { readonly: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND (name NOT LIKE '\\_%' ESCAPE '\\' OR name = '_sync_tombstone') ORDER BY name")
      .pluck()
      .all() as string[];
    const state: Record<string, Record<string, unknown>[]> = {};
    for (const table of tables.filter((name) => !name.includes('migration'))) {
      const rows = db.prepare(`SELECT * FROM "${table}" ORDER BY 1, 2`).all() as Record<string, unknown>[];
      state[table] = rows.map((row) =>
        Object.fromEntries(Object.entries(row).map(([key, value]) => [key, Buffer.isBuffer(value) ? value.toString('hex') : value])),
      );
    }
    return state;
  } finally {
    db.close();
  }
}

export const NOW = '2024-05-01T12:00:00Z';
