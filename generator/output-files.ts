/**
 * The generator's file system side, for the CLI: reading schemas, the schema history and the names
 * of the hand-written migration steps, comparing generated files with what is on disk (`--check`),
 * and writing them. The output directory belongs to the generator: files it no longer makes are
 * removed, and it refuses to touch a file it did not write.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GeneratorError } from './errors.js';
import { isGeneratedContent, wasEditedByHand, type GeneratedFile } from './emit/generated-file.js';
import type { HistorySource } from './history/version-file.js';
import { compareText } from './naming.js';
import type { SchemaSource } from './validate/validate-schemas.js';

/** Where things are, and how to print each path for the user. */
export interface Layout {
  readonly schemaDir: string;
  readonly outDir: string;
  readonly historyDir: string;
  /** The app's hand-written migration steps, read, never written. */
  readonly migrationsDir: string;
  /** Turns an absolute path into what the user sees (relative to the working directory). */
  readonly display: (absolute: string) => string;
}

/** `*.json` directly in a directory, sorted; a missing directory reads as empty. */
function readJsonFiles(directory: string, display: Layout['display']): { file: string; text: string }[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((name) => name.endsWith('.json') && statSync(path.join(directory, name)).isFile())
    .sort(compareText)
    .map((name) => ({ file: display(path.join(directory, name)), text: readFileSync(path.join(directory, name), 'utf8') }));
}

export function readSchemas(layout: Layout): SchemaSource[] {
  if (!existsSync(layout.schemaDir)) {
    throw new GeneratorError('no-schemas', `the schema directory ${layout.display(layout.schemaDir)} does not exist (pass --schema <dir>)`);
  }
  return readJsonFiles(layout.schemaDir, layout.display);
}

export function readHistorySources(layout: Layout): HistorySource[] {
  return readJsonFiles(layout.historyDir, layout.display);
}

/** The names of the files in the folder of hand-written migration steps; none when it is absent. */
export function readHandMigrationFiles(layout: Layout): string[] {
  if (!existsSync(layout.migrationsDir)) return [];
  return readdirSync(layout.migrationsDir)
    .filter((name) => statSync(path.join(layout.migrationsDir, name)).isFile())
    .sort(compareText);
}

export interface OutputProblem {
  readonly kind: 'stale' | 'edited' | 'missing' | 'extra' | 'migration-due';
  readonly file: string;
}

/** Every difference between the generated files and the disk; empty when up to date. */
export function checkOutput(files: readonly GeneratedFile[], layout: Layout): OutputProblem[] {
  const problems: OutputProblem[] = [];
  const expected = new Set<string>();
  for (const file of files) {
    if (file.kind === 'history') {
      problems.push({ kind: 'migration-due', file: layout.display(path.join(layout.historyDir, file.path)) });
      continue;
    }
    const target = path.join(layout.outDir, file.path);
    expected.add(target);
    const shown = layout.display(target);
    if (!existsSync(target)) problems.push({ kind: 'missing', file: shown });
    else {
      const onDisk = readFileSync(target, 'utf8');
      if (onDisk !== file.content) problems.push({ kind: wasEditedByHand(onDisk) ? 'edited' : 'stale', file: shown });
    }
  }
  for (const existing of listFiles(layout.outDir)) {
    if (!expected.has(existing)) problems.push({ kind: 'extra', file: layout.display(existing) });
  }
  return problems.sort((a, b) => compareText(a.file, b.file));
}

export const PROBLEM_TEXT: Record<OutputProblem['kind'], string> = {
  stale: 'out of date: the schemas now generate something else',
  edited: 'edited by hand: generated files are rewritten on every run',
  missing: 'missing',
  extra: 'not generated from any schema',
  'migration-due': 'missing: the schemas changed since the last generate, so a new migration is due',
};

/**
 * Writes the files: new history files into the history directory, code into the output directory,
 * whose other generated files are removed. Refuses (and writes nothing) when the output directory
 * holds a file that syncgen did not generate.
 */
export function writeOutput(files: readonly GeneratedFile[], layout: Layout): { written: number; removed: number } {
  const foreign = listFiles(layout.outDir).filter((file) => !isGeneratedContent(readFileSync(file, 'utf8')));
  if (foreign.length > 0) {
    throw new GeneratorError(
      'foreign-files-in-output',
      `the output directory holds files that syncgen did not generate:\n${foreign.map((file) => `  ${layout.display(file)}`).join('\n')}\n` +
        'It is emptied on every run; move them elsewhere, or pass another --out.',
    );
  }
  const targets = new Set<string>();
  let written = 0;
  for (const file of files) {
    const target = path.join(file.kind === 'history' ? layout.historyDir : layout.outDir, file.path);
    targets.add(target);
    if (existsSync(target) && readFileSync(target, 'utf8') === file.content) continue;
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    written += 1;
  }
  let removed = 0;
  for (const existing of listFiles(layout.outDir)) {
    if (targets.has(existing)) continue;
    rmSync(existing);
    removed += 1;
  }
  removeEmptyDirectories(layout.outDir);
  return { written, removed };
}

function listFiles(directory: string): string[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(directory, entry.name);
      return entry.isDirectory() ? listFiles(full) : [full];
    })
    .sort(compareText);
}

function removeEmptyDirectories(directory: string): void {
  if (!existsSync(directory)) return;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const full = path.join(directory, entry.name);
    removeEmptyDirectories(full);
    if (readdirSync(full).length === 0) rmdirSync(full);
  }
}
