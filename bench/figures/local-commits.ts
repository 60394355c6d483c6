/**
 * Figures 1 and 2: local commits through `library.transact`, against the raw upsert + log append.
 * Figure 1 commits 1000 changes per transaction, figure 2 one change per transaction; both for a
 * logBased model (Tag) and a stateBased one (Entry), at the given durability.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registry } from '../../generated/index.js';
import { openLibrary } from 'syncgen';
import type { AnyModelAdapter, SqlValue } from '../../runtime/contract/model-adapter.js';
import { time, type Figure, type Sample } from '../measure.js';
import { appIndexes, openRawStore } from '../raw-baseline.js';

const DEVICE = '0000000a-0000-4000-8000-00000000000a';
const LIBRARY = '00000000-0000-4000-8000-000000000001';
const NOW = '2024-05-01T12:00:00Z';

/** The column values a create stores, by the adapter's codecs and defaults: what the raw baseline writes. */
export function encodedRow(adapter: AnyModelAdapter, input: Record<string, unknown>): Record<string, SqlValue> {
  const row: Record<string, SqlValue> = {};
  for (const field of adapter.fields as AnyModelAdapter['fields']) {
    const value = input[field.name] ?? field.defaultValue ?? null;
    row[field.name] = field.codec.encode(value);
  }
  return row;
}

export async function localCommitFigures(options: { durability: 'full' | 'normal'; batch: number; singles: number; runs: number }): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'syncgen-bench-'));
  const library = await openLibrary({ dir, libraryId: LIBRARY, deviceId: DEVICE, registry, durability: options.durability });
  library.transact((tx) => tx.device.create({ name: 'bench', os: 'linux', createdAt: NOW }));
  const location = library.transact((tx) => tx.location.create({ name: 'Bench', path: '/bench', createdAt: NOW }));
  const tagInput = () => ({ id: randomUUID(), name: 'Holidays', createdAt: NOW });
  const entryInput = () => ({ id: randomUUID(), deviceId: DEVICE, locationId: location.id, name: 'IMG.jpg', kind: 'file', sizeBytes: 1234, modifiedAt: NOW });
  const models = [
    {
      adapter: registry.models.tag as AnyModelAdapter,
      input: tagInput,
      create: (tx: Parameters<Parameters<typeof library.transact>[0]>[0], input: ReturnType<typeof tagInput>) => tx.tag.create(input),
    },
    {
      adapter: registry.models.entry as AnyModelAdapter,
      input: entryInput,
      create: (tx: Parameters<Parameters<typeof library.transact>[0]>[0], input: ReturnType<typeof entryInput>) => tx.entry.create(input as never),
    },
  ] as const;

  const batched: Figure['rows'][number][] = [];
  const single: Figure['rows'][number][] = [];
  let batchMet = true;
  let singleMet = true;
  for (const model of models) {
    const raw = openRawStore(dir, model.adapter, options.durability, appIndexes(path.join(dir, 'library.db'), model.adapter.table));
    const name = `${model.adapter.name} (${model.adapter.strategy})`;
    // Figure 1: `batch` changes per transaction.
    const inputs = () => Array.from({ length: options.batch }, () => model.input());
    let pending = inputs();
    // A batch takes a few milliseconds, where one stray pause shows: four times the runs.
    const batchRuns = options.runs * 4;
    const ours = await time(
      batchRuns,
      () =>
        library.transact((tx) => {
          for (const input of pending) (model.create as (t: unknown, i: unknown) => unknown)(tx, input);
        }),
      () => (pending = inputs()),
    );
    let rows = pending.map((input) => encodedRow(model.adapter, input));
    const theirs = await time(
      batchRuns,
      () => raw.writeBatch(rows),
      () => (rows = inputs().map((input) => encodedRow(model.adapter, input))),
    );
    const ratio = ours.median / theirs.median;
    batchMet &&= ratio <= 1.5;
    batched.push(
      { label: `${name}: syncgen, ${options.batch} changes per transact`, unit: 'ms', sample: ours },
      { label: `${name}: raw upsert + log append, batched`, unit: 'ms', sample: theirs },
      { label: `${name}: ratio`, unit: '×', sample: ratioSample(ours, theirs) },
    );
    // Figure 2: one change per transaction, `singles` of them per run.
    let singleInputs = Array.from({ length: options.singles }, () => model.input());
    const oursSingle = await time(
      options.runs,
      () => {
        for (const input of singleInputs) library.transact((tx) => (model.create as (t: unknown, i: unknown) => unknown)(tx, input));
      },
      () => (singleInputs = Array.from({ length: options.singles }, () => model.input())),
    );
    let singleRows = singleInputs.map((input) => encodedRow(model.adapter, input));
    const theirsSingle = await time(
      options.runs,
      () => {
        for (const row of singleRows) raw.write(row);
      },
      () => (singleRows = Array.from({ length: options.singles }, () => encodedRow(model.adapter, model.input()))),
    );
    singleMet &&= oursSingle.median / theirsSingle.median <= 1.3;
    single.push(
      { label: `${name}: syncgen, ${options.singles} commits of one change`, unit: 'ms', sample: oursSingle },
      { label: `${name}: raw, one transaction each`, unit: 'ms', sample: theirsSingle },
      { label: `${name}: ratio`, unit: '×', sample: ratioSample(oursSingle, theirsSingle) },
    );
    raw.close();
  }
  library.close();
  return [
    {
      id: 1,
      name: `local commits, ${options.batch} changes per transact (synchronous=${options.durability.toUpperCase()})`,
      rows: batched,
      target: '≤ 1.5× raw',
      met: batchMet,
    },
    {
      id: 2,
      name: `local commits, one change per transact (synchronous=${options.durability.toUpperCase()})`,
      rows: single,
      target: '≤ 1.3× raw',
      met: singleMet,
    },
  ];
}

/** The ratio of medians, with the ratios of the minimums and maximums as its spread. */
export function ratioSample(ours: Sample, theirs: Sample): Sample {
  const spread = [ours.min / theirs.min, ours.max / theirs.max];
  const median = ours.median / theirs.median;
  return { min: Math.min(median, ...spread), median, max: Math.max(median, ...spread) };
}
