/**
 * The text form of a `LibraryReport`: what `syncgen inspect` prints, one section per part of the
 * file, columns aligned, times in ISO 8601 (UTC), sizes in binary units (the exact bytes are in the
 * report, and in `--json`).
 */
import type { Member } from './members.js';
import type { AwaitedRecordReport, LibraryReport, LogOriginReport, ModelCount, PeerReport, TableReport } from './library-report.js';

/**
 * Renders a report as text for people; scripts read the report itself (`JSON.stringify(report)`).
 *
 * @example
 * import { formatLibraryReport, inspectLibrary } from 'syncgen';
 *
 * console.log(formatLibraryReport(inspectLibrary('data/laptop')));
 */
export function formatLibraryReport(report: LibraryReport): string {
  const { runtime, models } = report.migrations;
  const { db, wal, total } = report.size;
  const sections = [
    columns([
      ['library', report.libraryId],
      ['device', report.deviceId],
      ['schema', `version ${report.schemaVersion} (migrations: models ${models ?? 'none'}, runtime ${runtime ?? 'none'})`],
      ['file', report.file],
      ['size', `${bytes(total)} (database ${bytes(db)}, WAL ${bytes(wal)})`],
    ]),
    section(`tables: ${count(report.tables.length, 'table')}, ${count(sum(report.tables.map((table) => table.rows)), 'row')}`, report.tables.map(tableRow)),
    section(`sync log: ${count(sum(report.log.map((origin) => origin.entries)), 'entry', 'entries')} of ${count(report.log.length, 'origin')}`, [
      ['origin', 'entries', 'seqs', 'pruned up to'],
      ...report.log.map(logRow),
    ]),
    section(
      'version vector (per origin, every change up to this seq is held)',
      Object.entries(report.vector).map(([origin, seq]) => [origin, String(seq)]),
    ),
    section(`peers: ${report.peers.length}`, report.peers.flatMap(peerRows)),
    section(`parked changes: ${report.parked.changes}, waiting for ${count(report.parked.records.length, 'record')}`, report.parked.records.map(awaitedRow)),
    section(`tombstones: ${sum(report.tombstones.map((model) => model.count))}`, report.tombstones.map(countRow)),
    section(
      `held for newer schemas: ${count(sum(report.quarantine.entries.map((model) => model.count)), 'entry', 'entries')}, ` +
        `${count(sum(report.quarantine.records.map((model) => model.count)), 'record')}`,
      [
        ...report.quarantine.entries.map((model) => ['entries', ...countRow(model)]),
        ...report.quarantine.records.map((model) => ['records', ...countRow(model)]),
      ],
    ),
    section(`members: ${report.members.filter((member) => member.active).length} active of ${report.members.length}`, report.members.map(memberRow)),
  ];
  return sections.join('\n\n');
}

type Row = readonly string[];

function tableRow(table: TableReport): Row {
  return [table.table, table.model ?? '-', table.kind === 'perDevice' ? 'per device' : table.strategy, String(table.rows)];
}

function logRow(origin: LogOriginReport): Row {
  const seqs = origin.lowestSeq === null ? '-' : `${origin.lowestSeq}..${origin.highestSeq}`;
  return [origin.origin, String(origin.entries), seqs, String(origin.pruneFloor)];
}

function peerRows(peer: PeerReport): Row[] {
  const acked = Object.entries(peer.acked).map(([origin, seq]) => `${origin} ${seq}`);
  return [[peer.peer, `last seen ${time(peer.lastSeen)}`], ...acked.map((entry, index) => [index === 0 ? '  acked' : '', entry])];
}

function awaitedRow(record: AwaitedRecordReport): Row {
  return [modelName(record), record.record, count(record.changes, 'change')];
}

function countRow(model: ModelCount): Row {
  return [modelName(model), String(model.count)];
}

function memberRow(member: Member): Row {
  const added = `added by ${member.addedBy === member.device ? 'itself' : member.addedBy} at ${time(member.addedAt)}`;
  if (member.active) return [member.device, added];
  const removed = member.conflict ? 'removed: two keys were seen for its id' : `removed by ${member.removedBy} at ${time(member.removedAt!)}`;
  const cut = member.removedAfterSeq === null ? '' : ` (its changes after seq ${member.removedAfterSeq} are refused)`;
  return [member.device, `${added}; ${removed}${cut}`];
}

function modelName(model: { readonly modelId: number; readonly model: string | null }): string {
  return model.model ?? `model #${model.modelId}`;
}

/** A heading and its rows, indented; nothing under it when there are no rows. */
function section(heading: string, rows: readonly Row[]): string {
  return [
    heading,
    ...columns(rows)
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => `  ${line}`),
  ].join('\n');
}

/** Rows with each column padded to its widest cell, three spaces apart. */
function columns(rows: readonly Row[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [index, cell] of row.entries()) widths[index] = Math.max(widths[index] ?? 0, cell.length);
  }
  return rows
    .map((row) =>
      row
        .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]!)))
        .join('   ')
        .trimEnd(),
    )
    .join('\n');
}

function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function time(ms: number): string {
  return new Date(ms).toISOString();
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
