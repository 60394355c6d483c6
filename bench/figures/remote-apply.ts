/**
 * Figure 3: applying remote shared changes (per-field LWW over Tag records, 1 to 3 fields per
 * update, 10% of them conflicting with newer local edits) in batches of 1000, against the raw
 * batched upsert + append of the same rows; the same with the app listening (one change listener
 * and one live query, as a UI has: the listener's overhead); and, for scale, yjs and Automerge
 * merging the same field edits in memory (no storage at all).
 */
import * as Automerge from '@automerge/automerge';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import { registry } from '../../generated/index.js';
import type { ChangeEntry } from '../../runtime/core/change-entry.js';
import { encodeHlc } from '../../runtime/core/hlc.js';
import { openLibrary } from 'syncgen';
import type { AnyModelAdapter, SqlValue } from '../../runtime/contract/model-adapter.js';
import { seededRandom } from '../../runtime/transports/simulated/seeded-random.js';
import { summarize, time, type Figure } from '../measure.js';
import { appIndexes, openRawStore } from '../raw-baseline.js';
import { encodedRow, ratioSample } from './local-commits.js';

const ORIGIN = '0000000b-0000-4000-8000-00000000000b';
const TARGET = '0000000a-0000-4000-8000-00000000000a';
const LIBRARY = '00000000-0000-4000-8000-000000000001';
const NOW = '2024-05-01T12:00:00Z';
const START = 1_716_552_000_000;
const FIELDS = ['name', 'color', 'icon', 'description', 'isPinned', 'position'] as const;

interface Edit {
  readonly record: number;
  readonly fields: Record<string, SqlValue>;
}

/** `changes` field edits over `changes / 10` records, from a seeded PRNG. */
function makeEdits(changes: number, random: () => number): { records: string[]; edits: Edit[] } {
  const records = Array.from({ length: Math.max(1, Math.floor(changes / 10)) }, () => randomUUID());
  const value = (field: (typeof FIELDS)[number], n: number): SqlValue => {
    switch (field) {
      case 'color':
        return `#${(n & 0xffffff).toString(16).padStart(6, '0')}`;
      case 'isPinned':
        return n % 2;
      case 'position':
        return n % 1000;
      default:
        return `${field} ${n}`;
    }
  };
  const edits = Array.from({ length: changes }, (_, index) => {
    const fields: Record<string, SqlValue> = {};
    const count = 1 + Math.floor(random() * 3);
    for (let picked = 0; picked < count; picked += 1) {
      const field = FIELDS[Math.floor(random() * FIELDS.length)]!;
      fields[field] = value(field, index);
    }
    return { record: Math.floor(random() * records.length), fields };
  });
  return { records, edits };
}

export async function remoteApplyFigure(options: { changes: number; runs: number }): Promise<Figure> {
  const random = seededRandom(3);
  const { records, edits } = makeEdits(options.changes, random);
  const inserts: ChangeEntry[] = records.map((record, index) => ({
    origin: ORIGIN,
    seq: index + 1,
    hlc: encodeHlc({ wallMs: START, counter: index, device: ORIGIN }),
    model: 5,
    record,
    kind: 'insert',
    data: { name: 'Tag', color: null, icon: null, description: null, isPinned: 0, position: 0, createdAt: NOW },
  }));
  const updates: ChangeEntry[] = edits.map((edit, index) => ({
    origin: ORIGIN,
    seq: records.length + index + 1,
    hlc: encodeHlc({ wallMs: START + 1000 + Math.floor(index / 1000), counter: index % 1000, device: ORIGIN }),
    model: 5,
    record: records[edit.record]!,
    kind: 'update',
    data: edit.fields,
  }));

  // Each run: a fresh target holding the records, with newer local edits of 10% of them (conflicts).
  let library: Awaited<ReturnType<typeof openLibrary<typeof registry>>> | undefined;
  let libraryDir = '';
  const prepare = async () => {
    library?.close();
    libraryDir = mkdtempSync(path.join(tmpdir(), 'syncgen-bench-apply-'));
    library = await openLibrary({ dir: libraryDir, libraryId: LIBRARY, deviceId: TARGET, registry, durability: 'full', now: () => START + 3_600_000 });
    for (let start = 0; start < inserts.length; start += 1000) library.applyChanges(inserts.slice(start, start + 1000));
    library.transact((tx) => {
      records.forEach((record, index) => {
        if (index % 10 === 0) tx.tag.update(record, { name: 'local, newer', isPinned: true });
      });
    });
  };
  const applyBatch = (start: number) => {
    const outcome = library!.applyChanges(updates.slice(start, start + 1000));
    if (outcome.refused.length > 0) throw new Error(outcome.refused[0]!.error.message);
  };
  const ours = await time(
    options.runs,
    () => {
      for (let start = 0; start < updates.length; start += 1000) applyBatch(start);
    },
    prepare,
  );
  // As a UI listens: a change listener, and a live query of one tag (a detail view) that runs after
  // every commit; the event loop turns between batches, as frames arrive, so the query runs in between.
  let notices = 0;
  let queryRuns = 0;
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const listened = await time(
    options.runs,
    async () => {
      for (let start = 0; start < updates.length; start += 1000) {
        applyBatch(start);
        await turn();
      }
      await turn();
    },
    async () => {
      await prepare();
      library!.onChange(() => {
        notices += 1;
      });
      library!.watch(library!.db.selectFrom('tag').selectAll().where('id', '=', records[0]!), () => {
        queryRuns += 1;
      });
    },
  );
  if (notices === 0 || queryRuns < 2) throw new Error(`the app heard ${notices} notices and ${queryRuns} query results`);
  library?.close();

  const adapter = registry.models.tag as AnyModelAdapter;
  const rows = updates.map((entry) => encodedRow(adapter, { id: entry.record, name: 'Tag', createdAt: NOW, ...decodeFields(entry.data!) }));
  const indexes = appIndexes(path.join(libraryDir, 'library.db'), adapter.table);
  let raw: ReturnType<typeof openRawStore> | undefined;
  const theirs = await time(
    options.runs,
    () => {
      for (let start = 0; start < rows.length; start += 1000) raw!.writeBatch(rows.slice(start, start + 1000));
    },
    () => {
      raw?.close();
      raw = openRawStore(mkdtempSync(path.join(tmpdir(), 'syncgen-bench-raw-')), adapter, 'full', indexes);
    },
  );
  raw?.close();

  const yjsMerge = measureYjs(records, edits);
  const automergeMerge = measureAutomerge(records, edits);
  const ratio = Math.max(ours.median, listened.median) / theirs.median;
  return {
    id: 3,
    name: `applying ${options.changes.toLocaleString('en-US')} remote shared changes (per-field LWW, 1-3 fields each, 10% conflicts), batches of 1000`,
    rows: [
      { label: 'syncgen applyChanges (synchronous=FULL)', unit: 'ms', sample: ours },
      { label: 'raw upsert + log append, batched', unit: 'ms', sample: theirs },
      { label: 'ratio', unit: '×', sample: ratioSample(ours, theirs) },
      { label: 'syncgen applyChanges, one change listener and one live query registered', unit: 'ms', sample: listened },
      { label: 'ratio, listened to', unit: '×', sample: ratioSample(listened, theirs) },
      { label: 'listener overhead (listened / not)', unit: '×', sample: ratioSample(listened, ours) },
      { label: 'yjs: applying the same edits as one update to a Y.Doc (memory only)', unit: 'ms', sample: yjsMerge },
      { label: 'Automerge: merging the same edits into a document (memory only)', unit: 'ms', sample: automergeMerge },
      { label: 'syncgen / yjs', unit: '×', sample: summarize([ours.median / yjsMerge.median]) },
      { label: 'syncgen / Automerge', unit: '×', sample: summarize([ours.median / automergeMerge.median]) },
    ],
    target: '≤ 2× raw',
    met: ratio <= 2,
  };
}

function decodeFields(data: Readonly<Record<string, SqlValue>>): Record<string, unknown> {
  const adapter = registry.models.tag as AnyModelAdapter;
  return Object.fromEntries(
    Object.entries(data).map(([name, value]) => [
      name,
      adapter.fields.find((field: AnyModelAdapter['fields'][number]) => field.name === name)!.codec.decode(value),
    ]),
  );
}

/** Doc A makes the edits; the merge is doc B (with its own 10% edits) applying A's update. */
function measureYjs(records: string[], edits: Edit[]): ReturnType<typeof summarize> {
  const a = new Y.Doc();
  const tagsA = a.getMap<Y.Map<unknown>>('tags');
  a.transact(() => {
    for (const record of records) tagsA.set(record, new Y.Map());
  });
  const base = Y.encodeStateAsUpdate(a);
  for (let start = 0; start < edits.length; start += 1000) {
    a.transact(() => {
      for (const edit of edits.slice(start, start + 1000)) {
        for (const [field, value] of Object.entries(edit.fields)) tagsA.get(records[edit.record]!)!.set(field, value);
      }
    });
  }
  const update = Y.encodeStateAsUpdate(
    a,
    Y.encodeStateVector(
      (() => {
        const empty = new Y.Doc();
        Y.applyUpdate(empty, base);
        return empty;
      })(),
    ),
  );
  const durations: number[] = [];
  for (let run = 0; run < 3; run += 1) {
    const b = new Y.Doc();
    Y.applyUpdate(b, base);
    const tagsB = b.getMap<Y.Map<unknown>>('tags');
    b.transact(() => {
      records.forEach((record, index) => {
        if (index % 10 === 0) tagsB.get(record)!.set('name', 'local');
      });
    });
    const started = performance.now();
    Y.applyUpdate(b, update);
    durations.push(performance.now() - started);
  }
  return summarize(durations);
}

function measureAutomerge(records: string[], edits: Edit[]): ReturnType<typeof summarize> {
  let a = Automerge.from<{ tags: Record<string, Record<string, SqlValue>> }>({ tags: Object.fromEntries(records.map((record) => [record, {}])) });
  const base = Automerge.clone(a);
  for (let start = 0; start < edits.length; start += 1000) {
    a = Automerge.change(a, (doc) => {
      for (const edit of edits.slice(start, start + 1000)) Object.assign(doc.tags[records[edit.record]!]!, edit.fields);
    });
  }
  const durations: number[] = [];
  for (let run = 0; run < 2; run += 1) {
    let b = Automerge.clone(base);
    b = Automerge.change(b, (doc) => {
      records.forEach((record, index) => {
        if (index % 10 === 0) doc.tags[record]!.name = 'local';
      });
    });
    const started = performance.now();
    b = Automerge.merge(b, a);
    durations.push(performance.now() - started);
  }
  return summarize(durations);
}
