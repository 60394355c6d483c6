/**
 * `inspectLibrary` beside a running app: another process keeps the library open and commits all
 * the while. Every report is one consistent snapshot (each tag the app wrote is one row and one log
 * entry, so rows, entries and the vector agree), later reports see more, and the files beside the
 * library stay those the app made. After the app exits, the report holds every tag it committed and
 * the directory is left byte for byte; after it is killed, the WAL it left is read, never
 * checkpointed into the file.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inspectLibrary } from '../../runtime/library/inspect-library.js';
import type { LibraryReport } from '../../runtime/library/library-report.js';
import { DEVICE_A, temporaryDirectory } from '../support/libraries.js';
import { fileHashes } from '../support/fixtures.js';
import { startWriterProcess } from '../support/writer-process.js';

/** Tags in the table, tag entries in the log, and the device's own cursor: one number when the snapshot is consistent. */
function tagCounts(report: LibraryReport): [number, number, number] {
  const rows = report.tables.find((table) => table.table === 'tag')!.rows;
  const entries = report.log.find((origin) => origin.origin === DEVICE_A)?.entries ?? 0;
  return [rows, entries, report.vector[DEVICE_A] ?? 0];
}

test('while the app writes: consistent snapshots, growing, and no file beside the library but the app’s', async () => {
  const dir = temporaryDirectory('running-app');
  const app = await startWriterProcess(dir);
  try {
    const besides = ['device-cert.pem', 'device-key.pem', 'library.db', 'library.db-shm', 'library.db-wal'];
    const seen: number[] = [];
    for (let read = 0; read < 20; read += 1) {
      const before = await app.count();
      const report = inspectLibrary(dir);
      const after = await app.count();
      const [rows, entries, cursor] = tagCounts(report);
      assert.equal([entries, cursor], [rows, rows], `read ${read}: rows, log entries and cursor agree`);
      assert.ok(rows >= before && rows <= after, `read ${read}: ${rows} tags, committed ${before} before and ${after} after`);
      assert.equal(readdirSync(dir).sort(), besides);
      seen.push(rows);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(
      seen,
      [...seen].sort((x, y) => x - y),
      'each report sees at least what the one before saw',
    );
    assert.ok(new Set(seen).size > 1, `the app wrote while it was inspected: ${seen.join(', ')}`);
  } finally {
    const committed = await app.stop();
    // The app exited and closed its library: read from the file alone, which stays as it is.
    const before = fileHashes(dir);
    assert.equal(Object.keys(before).sort(), ['device-cert.pem', 'device-key.pem', 'library.db']);
    const report = inspectLibrary(dir);
    assert.equal(tagCounts(report), [committed, committed, committed]);
    assert.equal(report.size.wal, 0);
    assert.equal(fileHashes(dir), before, 'nothing beside the file was created or changed');
  }
});

test('after the app was killed mid-write: its WAL is read as it is, never checkpointed', async () => {
  const dir = temporaryDirectory('killed-app');
  const app = await startWriterProcess(dir);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const committed = await app.count();
  await app.kill();
  const files = fileHashes(dir);
  assert.ok('library.db-wal' in files, 'a killed app leaves its WAL');
  const report = inspectLibrary(dir);
  const [rows, entries, cursor] = tagCounts(report);
  assert.equal([entries, cursor], [rows, rows]);
  assert.ok(rows >= committed, `${rows} tags, ${committed} committed when asked`);
  const after = fileHashes(dir);
  // The shared-memory index is SQLite's scratch space (readers record where they read there); the data files stay.
  for (const name of ['library.db', 'library.db-wal', 'device-key.pem', 'device-cert.pem']) assert.is(after[name], files[name], name);
  assert.equal(Object.keys(after).sort(), Object.keys(files).sort());
});

test.run();
