/**
 * What `syncgen generate` does: reads the schemas, their history and the names of the hand-written
 * migration steps (imported by the migration index, by a path from the output), type-checks the result, then
 * writes it, or with `--check` only compares it with the disk. Exit codes: 0 done or up to date,
 * 1 schema error or stale output.
 *
 * Loaded lazily by `generate-command.ts`: this module pulls in the whole generator.
 */
import path from 'node:path';
import { GeneratorError } from '../errors.js';
import { generate } from '../generate.js';
import { HAND_MIGRATION_FILE } from '../history/hand-migrations.js';
import { checkOutput, type Layout, PROBLEM_TEXT, readHandMigrationFiles, readHistorySources, readSchemas, writeOutput } from '../output-files.js';
import { typecheckGenerated } from '../typecheck.js';
import { displayPath } from './display-path.js';
import type { Io } from './io.js';

export interface GenerateRequest {
  readonly schema: string;
  readonly out: string;
  /** Absent: `<schema>/history`. */
  readonly history: string | undefined;
  /** The hand-written migration steps; absent: `<schema>/migrations`. */
  readonly migrations: string | undefined;
  readonly check: boolean;
  readonly allowBreaking: boolean;
}

export async function runGenerate(request: GenerateRequest, io: Io): Promise<number> {
  const schemaDir = path.resolve(io.cwd, request.schema);
  const layout: Layout = {
    schemaDir,
    outDir: path.resolve(io.cwd, request.out),
    historyDir: request.history === undefined ? path.join(schemaDir, 'history') : path.resolve(io.cwd, request.history),
    migrationsDir: request.migrations === undefined ? path.join(schemaDir, 'migrations') : path.resolve(io.cwd, request.migrations),
    display: (absolute) => displayPath(io.cwd, absolute),
  };
  const fromIndex = path.relative(path.join(layout.outDir, 'migrations'), layout.migrationsDir).split(path.sep).join('/');
  const fixCommand = `npx syncgen generate${request.schema !== 'schema' ? ` --schema ${request.schema}` : ''}${request.out !== 'generated' ? ` --out ${request.out}` : ''}`;

  try {
    const stepFiles = readHandMigrationFiles(layout);
    const files = await generate(readSchemas(layout), {
      history: readHistorySources(layout),
      allowBreaking: request.allowBreaking,
      historyDir: layout.display(layout.historyDir),
      handMigrations: { files: stepFiles, dir: layout.display(layout.migrationsDir), importPath: fromIndex.startsWith('.') ? fromIndex : `./${fromIndex}` },
    });
    if (request.check) {
      const problems = checkOutput(files, layout);
      if (problems.length === 0) {
        io.out(`syncgen: ${layout.display(layout.outDir)}/ is up to date with ${layout.display(layout.schemaDir)}/`);
        return 0;
      }
      io.err(`syncgen: ${layout.display(layout.outDir)}/ is not what ${layout.display(layout.schemaDir)}/ generates:`);
      for (const problem of problems) io.err(`  ${problem.file}: ${PROBLEM_TEXT[problem.kind]}`);
      io.err(`Run \`${fixCommand}\` to fix.`);
      return 1;
    }
    const steps = stepFiles.filter((name) => HAND_MIGRATION_FILE.test(name)).map((name) => path.join(layout.migrationsDir, name));
    await typecheckGenerated(files, io.cwd, { outDir: layout.outDir, steps });
    const { written, removed } = writeOutput(files, layout);
    const migration = files.find((file) => file.kind === 'history');
    io.out(
      `syncgen: ${written === 0 && removed === 0 ? 'up to date' : `wrote ${written} file${written === 1 ? '' : 's'}, removed ${removed}`} ` +
        `in ${layout.display(layout.outDir)}/` +
        (migration ? `; new migration ${migration.path.replace(/\.json$/, '')}` : ''),
    );
    return 0;
  } catch (error) {
    if (error instanceof GeneratorError) {
      io.err(`syncgen: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
