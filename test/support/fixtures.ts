/**
 * Golden fixture cases: `test/fixtures/<case>/schema` (with `schema/snapshots` as the migration
 * history so far) in, `test/fixtures/<case>/expected/{generated,snapshots}` out.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, type GenerateOptions } from '../../generator/generate.js';
import type { GeneratedFile } from '../../generator/generated-file.js';

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const REPO_DIR = fileURLToPath(new URL('../../', import.meta.url));

export function fixtureCases(): string[] {
  return readdirSync(FIXTURES_DIR)
    .filter((name) => existsSync(path.join(FIXTURES_DIR, name, 'schema')))
    .sort();
}

function jsonFiles(directory: string, display: string): { file: string; text: string }[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({ file: `${display}/${name}`, text: readFileSync(path.join(directory, name), 'utf8') }));
}

export function generateFixture(name: string, options: GenerateOptions = {}): Promise<GeneratedFile[]> {
  const schemaDir = path.join(FIXTURES_DIR, name, 'schema');
  return generate(jsonFiles(schemaDir, 'schema'), {
    snapshots: jsonFiles(path.join(schemaDir, 'snapshots'), 'schema/snapshots'),
    ...options,
  });
}

/** Every file under a directory, by path relative to it. */
export function readTree(directory: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (at: string) => {
    if (!existsSync(at)) return;
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(directory, full).split(path.sep).join('/'), readFileSync(full, 'utf8'));
    }
  };
  walk(directory);
  return files;
}

/** The expected output of a case, split like the generator's result. */
export function expectedFiles(name: string): { code: Map<string, string>; snapshots: Map<string, string> } {
  const root = path.join(FIXTURES_DIR, name, 'expected');
  return { code: readTree(path.join(root, 'generated')), snapshots: readTree(path.join(root, 'snapshots')) };
}

/** Rewrites a case's expected output (run the tests with UPDATE_GOLDEN=1, then review the diff). */
export function writeExpected(name: string, files: readonly GeneratedFile[]): void {
  const root = path.join(FIXTURES_DIR, name, 'expected');
  rmSync(root, { recursive: true, force: true });
  for (const file of files) {
    const target = path.join(root, file.kind === 'code' ? 'generated' : 'snapshots', file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
}

const scratchDirs: string[] = [];
process.once('exit', () => {
  for (const directory of scratchDirs) rmSync(directory, { recursive: true, force: true });
});

/**
 * A scratch directory inside the repository (so generated code there resolves `syncgen/runtime`),
 * removed when the test process exits.
 */
export function scratchDir(label: string): string {
  const directory = path.join(REPO_DIR, 'test', '.tmp', `${label}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(directory, { recursive: true });
  scratchDirs.push(directory);
  return directory;
}
