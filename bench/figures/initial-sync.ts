/**
 * Figure 4: a new device's initial sync of N Entries + N/10 Tags + N/10 links from another process
 * over TCP on loopback, end to end (the receiver, a process of its own, from its transport's start
 * to holding everything), against copying the same rows between two SQLite files with raw
 * statements. The receiver's peak RSS is reported at N/10 and at N rows (streamed and paged: it
 * must not grow with the data).
 */
import Database from 'better-sqlite3';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { summarize, type Figure, type Sample } from '../measure.js';
import { appIndexes } from '../raw-baseline.js';
import { ratioSample } from './local-commits.js';

const TABLES = ['tag', 'entry', 'tag_on_entry'];
const script = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'initial-sync-device.ts');

/** A device process, and the messages it sends, one at a time. */
interface DeviceChild {
  readonly child: ChildProcess;
  next(): Promise<Record<string, unknown>>;
}

function run(args: string[]): DeviceChild {
  const child = fork(script, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const received: Record<string, unknown>[] = [];
  const waiting: { resolve: (message: Record<string, unknown>) => void; reject: (error: Error) => void }[] = [];
  let failed: Error | null = null;
  child.on('message', (message) => {
    const waiter = waiting.shift();
    if (waiter) waiter.resolve(message as Record<string, unknown>);
    else received.push(message as Record<string, unknown>);
  });
  child.once('exit', (code) => {
    if (code === 0) return;
    failed = new Error(`${args[0]} exited with ${code}`);
    for (const waiter of waiting.splice(0)) waiter.reject(failed);
  });
  return {
    child,
    next: () => {
      const message = received.shift();
      if (message) return Promise.resolve(message);
      if (failed) return Promise.reject(failed);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
  };
}

/** One initial sync of `entries` rows: build the source once, then `runs` fresh receivers, each admitted to the source's membership (and the source to its). */
async function syncOnce(entries: number, runs: number): Promise<{ time: Sample; rss: number; rows: number; sourceFile: string }> {
  const sourceDir = mkdtempSync(path.join(tmpdir(), 'syncgen-bench-source-'));
  const sourceChild = run(['source', sourceDir, String(entries)]);
  const source = await sourceChild.next();
  const vector = JSON.stringify(source.vector);
  const times: number[] = [];
  let rss = 0;
  for (let index = 0; index < runs; index += 1) {
    const receiverChild = run([
      'receiver',
      mkdtempSync(path.join(tmpdir(), 'syncgen-bench-receiver-')),
      `127.0.0.1:${source.port}`,
      vector,
      source.fingerprint as string,
    ]);
    const { device, fingerprint } = await receiverChild.next();
    sourceChild.child.send({ admit: { device, fingerprint } });
    await sourceChild.next();
    receiverChild.child.send({ admitted: true });
    const receiver = await receiverChild.next();
    times.push(receiver.elapsedMs as number);
    rss = Math.max(rss, receiver.maxRssKiB as number);
  }
  sourceChild.child.kill();
  const rows = entries + 2 * Math.max(1, entries / 10);
  return { time: summarize(times), rss, rows, sourceFile: path.join(sourceDir, 'library.db') };
}

/**
 * The baseline: the same rows read from one SQLite file and written to another, raw, into tables
 * with the app's indexes (replayed from the source file), so both sides do the same storage work.
 */
function rawCopy(sourceFile: string, runs: number): Sample {
  const indexes = new Map(TABLES.map((table) => [table, appIndexes(sourceFile, table)]));
  const times: number[] = [];
  for (let index = 0; index < runs; index += 1) {
    const from = new Database(sourceFile, { readonly: true });
    const to = new Database(path.join(mkdtempSync(path.join(tmpdir(), 'syncgen-bench-copy-')), 'copy.db'));
    to.pragma('journal_mode = WAL');
    to.pragma('synchronous = FULL');
    const started = performance.now();
    for (const table of TABLES) {
      const columns = (from.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all() as string[]).filter((column) => !column.startsWith('_'));
      to.exec(`CREATE TABLE "${table}" (${columns.map((column) => `"${column}"`).join(', ')}, PRIMARY KEY ("id")) WITHOUT ROWID`);
      for (const index of indexes.get(table)!) to.exec(index);
      const insert = to.prepare(`INSERT INTO "${table}" VALUES (${columns.map(() => '?').join(', ')})`);
      const read = from.prepare(`SELECT ${columns.map((column) => `"${column}"`).join(', ')} FROM "${table}"`).raw();
      let batch: unknown[][] = [];
      const flush = to.transaction((rows: unknown[][]) => {
        for (const row of rows) insert.run(row);
      });
      for (const row of read.iterate() as Iterable<unknown[]>) {
        batch.push(row);
        if (batch.length === 1000) {
          flush(batch);
          batch = [];
        }
      }
      flush(batch);
    }
    times.push(performance.now() - started);
    from.close();
    to.close();
  }
  return summarize(times);
}

export async function initialSyncFigure(options: { entries: number; runs: number }): Promise<Figure> {
  const small = await syncOnce(Math.max(10, Math.floor(options.entries / 10)), 1);
  const full = await syncOnce(options.entries, options.runs);
  const copy = rawCopy(full.sourceFile, options.runs);
  const rate = (full.rows / full.time.median) * 1000;
  const ratio = full.time.median / copy.median;
  const growth = full.rss / small.rss;
  return {
    id: 4,
    name: `a new device's initial sync of ${options.entries.toLocaleString('en-US')} Entries + ${(options.entries / 10).toLocaleString('en-US')} Tags + their links, from another process over TCP`,
    rows: [
      { label: `syncgen, end to end (${full.rows.toLocaleString('en-US')} rows)`, unit: 'ms', sample: full.time },
      { label: 'rows per second', unit: 'rows/s', sample: summarize([rate]) },
      { label: 'raw copy of the same rows between two SQLite files', unit: 'ms', sample: copy },
      { label: 'ratio', unit: '×', sample: ratioSample(full.time, copy) },
      { label: `receiver peak RSS at ${small.rows.toLocaleString('en-US')} rows`, unit: 'MiB', sample: summarize([small.rss / 1024]) },
      { label: `receiver peak RSS at ${full.rows.toLocaleString('en-US')} rows`, unit: 'MiB', sample: summarize([full.rss / 1024]) },
      { label: 'RSS growth for 10× the rows', unit: '×', sample: summarize([growth]) },
    ],
    target: '≥ 50k rows/s, ≤ 3× raw copy, RSS growth ≤ 1.5× at 10× rows',
    met: rate >= 50_000 && ratio <= 3 && growth <= 1.5,
  };
}
