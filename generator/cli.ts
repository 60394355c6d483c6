/**
 * `syncgen generate [--schema dir] [--out dir] [--history dir] [--check] [--allow-breaking]`
 *
 * A thin shell around `generate`: it reads the schemas and their history, type-checks the result,
 * then writes it, or with `--check` only compares it with the disk. Exit codes: 0 done or up to
 * date, 1 schema error or stale output, 2 wrong usage.
 */
import path from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { GeneratorError } from './errors.js';
import { generate } from './generate.js';
import { checkOutput, PROBLEM_TEXT, readHistorySources, readSchemas, writeOutput, type Layout } from './output-files.js';
import { typecheckGenerated } from './typecheck.js';

const USAGE = `Usage: syncgen generate [options]

Options:
  --schema <dir>      model schemas, one JSON Schema file per model (default: schema)
  --out <dir>         generated code; emptied and rewritten (default: generated)
  --history <dir>     schema history (the storage layout after each migration), checked in (default: <schema>/history)
  --check             write nothing; exit 1 naming every file that is not what the schemas generate
  --allow-breaking    accept breaking schema changes and generate migrations that rebuild tables
  --help              show this help`;

interface Io {
  readonly cwd: string;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const processIo: Io = { cwd: process.cwd(), out: (line) => console.log(line), err: (line) => console.error(line) };

const OPTIONS = {
  schema: { type: 'string', default: 'schema' },
  out: { type: 'string', default: 'generated' },
  history: { type: 'string' },
  check: { type: 'boolean', default: false },
  'allow-breaking': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} satisfies ParseArgsConfig['options'];

function parseArguments(argv: readonly string[]) {
  return parseArgs({ args: [...argv], allowPositionals: true, options: OPTIONS });
}

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let parsed: ReturnType<typeof parseArguments>;
  try {
    parsed = parseArguments(argv);
  } catch (error) {
    io.err(`syncgen: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'generate') {
    io.err(`syncgen: expected the command "generate"${positionals.length ? `, got "${positionals.join(' ')}"` : ''}\n\n${USAGE}`);
    return 2;
  }
  const schemaDir = path.resolve(io.cwd, values.schema);
  const layout: Layout = {
    schemaDir,
    outDir: path.resolve(io.cwd, values.out),
    historyDir: values.history === undefined ? path.join(schemaDir, 'history') : path.resolve(io.cwd, values.history),
    display: (absolute) => path.relative(io.cwd, absolute).split(path.sep).join('/') || '.',
  };
  const fixCommand = `npx syncgen generate${values.schema !== 'schema' ? ` --schema ${values.schema}` : ''}${values.out !== 'generated' ? ` --out ${values.out}` : ''}`;

  try {
    const files = await generate(readSchemas(layout), {
      history: readHistorySources(layout),
      allowBreaking: values['allow-breaking'],
      historyDir: layout.display(layout.historyDir),
    });
    if (values.check) {
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
    typecheckGenerated(files, layout.outDir);
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
