/**
 * Where the test fixtures and the repository are, reading a fixture's file tree, and scratch
 * directories. The generator's golden-fixture helpers are in `test/generator/golden-fixtures.ts`.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const REPO_DIR = fileURLToPath(new URL('../../', import.meta.url));

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

/** Every file of a directory (not its subdirectories) and a hash of its content: to show that nothing beside a file changed. */
export function fileHashes(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir).map((name) => [
      name,
      createHash('sha256')
        .update(readFileSync(path.join(dir, name)))
        .digest('hex'),
    ]),
  );
}

const scratchDirs: string[] = [];
process.once('exit', () => {
  for (const directory of scratchDirs) rmSync(directory, { recursive: true, force: true });
});

/**
 * A scratch directory inside the repository (so generated code there resolves `syncgen`),
 * removed when the test process exits.
 */
export function scratchDir(label: string): string {
  const directory = path.join(REPO_DIR, 'test', '.tmp', `${label}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(directory, { recursive: true });
  scratchDirs.push(directory);
  return directory;
}
