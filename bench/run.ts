/**
 * `npm run bench`: every figure with its baseline measured in the same run, as ratios of medians
 * after a warm-up. Prints a table and writes `bench/results/latest.json` (machine, versions, each
 * figure's min/median/max). Not part of `npm test`, which runs only `--smoke` (tiny sizes).
 *
 *   npm run bench -- [--rows 100000] [--peers 10] [--runs 5] [--only 1,2,6] [--smoke]
 */
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { localCommitFigures } from './figures/local-commits.js';
import { fanOutFigure } from './figures/fan-out.js';
import { handshakeFigure } from './figures/handshake.js';
import { initialSyncFigure } from './figures/initial-sync.js';
import { lossyNetworkFigure } from './figures/lossy-network.js';
import { remoteApplyFigure } from './figures/remote-apply.js';
import { wireCodecFigure } from './figures/wire-codec.js';
import type { Figure } from './measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    peers: { type: 'string', default: '10' },
    runs: { type: 'string', default: '5' },
    only: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const smoke = values.smoke;
const rows = smoke ? 200 : Number(values.rows);
const peers = smoke ? 2 : Number(values.peers);
const runs = smoke ? 1 : Number(values.runs);
const only = values.only ? new Set(values.only.split(',').map(Number)) : null;
const wanted = (id: number) => !only || only.has(id);

// Every figure's files, and its child processes', go in one directory, removed at the end.
const scratch = mkdtempSync(path.join(os.tmpdir(), 'syncgen-bench-'));
process.env.TMPDIR = scratch;
process.once('exit', () => rmSync(scratch, { recursive: true, force: true }));

const figures: Figure[] = [];
const started = Date.now();
if (wanted(1) || wanted(2)) {
  for (const durability of ['full', 'normal'] as const) {
    figures.push(
      ...(await localCommitFigures({ durability, batch: smoke ? 50 : 1000, singles: smoke ? 20 : durability === 'full' ? 500 : 2000, runs })).filter((figure) =>
        wanted(figure.id),
      ),
    );
  }
}
if (wanted(3)) figures.push(await remoteApplyFigure({ changes: rows, runs }));
if (wanted(4)) figures.push(await initialSyncFigure({ entries: rows, runs: Math.min(runs, 3) }));
if (wanted(5)) figures.push(await fanOutFigure({ peers, changes: smoke ? 5 : 300 }));
if (wanted(6)) figures.push(await wireCodecFigure({ changes: smoke ? 100 : 1000, runs: smoke ? 1 : 20 }));
if (wanted(7)) figures.push(await lossyNetworkFigure({ peers, changes: smoke ? 100 : 10_000 }));
if (wanted(8)) figures.push(await handshakeFigure({ connections: smoke ? 3 : 50 }));

const format = (value: number, unit: string) => (unit === '×' ? value.toFixed(2) : value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2));
for (const figure of figures.sort((a, b) => a.id - b.id)) {
  console.log(`\n${figure.id}. ${figure.name} — target ${figure.target}: ${figure.met === null ? 'reported' : figure.met ? 'met' : 'MISSED'}`);
  for (const row of figure.rows) {
    console.log(
      `   ${row.label.padEnd(64)} ${format(row.sample.median, row.unit).padStart(12)} ${row.unit.padEnd(10)} (min ${format(row.sample.min, row.unit)}, max ${format(row.sample.max, row.unit)})`,
    );
  }
  if (figure.note) console.log(`   ${figure.note}`);
}

const versions = (names: string[]) =>
  Object.fromEntries(
    names.map((name) => [name, (JSON.parse(readFileSync(path.join(here, '..', 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version]),
  );
const results = {
  measuredAt: new Date().toISOString(),
  durationSeconds: Math.round((Date.now() - started) / 1000),
  options: { rows, peers, runs, smoke },
  machine: {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
  },
  versions: {
    node: process.version,
    sqlite: new Database(':memory:').prepare('SELECT sqlite_version()').pluck().get() as string,
    ...versions(['better-sqlite3', 'kysely', 'msgpackr', 'yjs', '@automerge/automerge']),
  },
  figures,
};
const out = values.out ?? path.join(here, 'results', smoke ? 'smoke.json' : 'latest.json');
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nresults written to ${path.relative(process.cwd(), out)}`);
