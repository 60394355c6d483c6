/**
 * Golden fixture cases for the generator: `test/fixtures/<case>/schema` (with `schema/history` as
 * the schema history so far, and `schema/migrations` the hand-written migration steps) in,
 * `test/fixtures/<case>/expected/{generated,history}` out.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { GeneratedFile } from '../../generator/emit/generated-file.js';
import { generate, type GenerateOptions } from '../../generator/generate.js';
import { FIXTURES_DIR, readTree } from '../support/fixtures.js';

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

/** A case's hand-written migration steps (`schema/migrations/`), imported from `expected/generated/migrations/`. */
function handMigrations(schemaDir: string): GenerateOptions['handMigrations'] {
  const directory = path.join(schemaDir, 'migrations');
  if (!existsSync(directory)) return undefined;
  return { files: readdirSync(directory).sort(), dir: 'schema/migrations', importPath: '../../../schema/migrations' };
}

export function generateFixture(name: string, options: GenerateOptions = {}): Promise<GeneratedFile[]> {
  const schemaDir = path.join(FIXTURES_DIR, name, 'schema');
  const steps = handMigrations(schemaDir);
  return generate(jsonFiles(schemaDir, 'schema'), {
    history: jsonFiles(path.join(schemaDir, 'history'), 'schema/history'),
    ...(steps === undefined ? {} : { handMigrations: steps }),
    ...options,
  });
}

/** The expected output of a case, split like the generator's result. */
export function expectedFiles(name: string): { code: Map<string, string>; history: Map<string, string> } {
  const root = path.join(FIXTURES_DIR, name, 'expected');
  return { code: readTree(path.join(root, 'generated')), history: readTree(path.join(root, 'history')) };
}

/** Rewrites a case's expected output (run the tests with UPDATE_GOLDEN=1, then review the diff). */
export function writeExpected(name: string, files: readonly GeneratedFile[]): void {
  const root = path.join(FIXTURES_DIR, name, 'expected');
  rmSync(root, { recursive: true, force: true });
  for (const file of files) {
    const target = path.join(root, file.kind === 'code' ? 'generated' : 'history', file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
}
