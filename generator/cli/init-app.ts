/**
 * What `syncgen init` does: writes the example models and adds the "generate" script, or, when
 * any of it would overwrite or mix with what is there, writes nothing and names every conflict.
 * Exit codes: 0 written, 1 nothing written.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compareText } from '../naming.js';
import { displayPath } from './display-path.js';
import { type ExampleModel, readExampleModels } from './example-models.js';
import type { Io } from './io.js';
import { hasScript, type PackageManifest, parseManifest, scriptConflict, withScript } from './package-script.js';

const SCRIPT = 'generate';

interface Conflict {
  readonly file: string;
  readonly problem: string;
}

export function initApp(schema: string, io: Io): number {
  const display = (absolute: string) => displayPath(io.cwd, absolute);
  const packageFile = path.join(io.cwd, 'package.json');
  if (!existsSync(packageFile)) {
    io.err(`syncgen init: no package.json in ${io.cwd}; run \`npm init -y\` first`);
    return 1;
  }
  const packageText = readFileSync(packageFile, 'utf8');
  let manifest: PackageManifest;
  try {
    manifest = parseManifest(packageText);
  } catch (error) {
    io.err(`syncgen init: package.json is not valid: ${(error as Error).message}`);
    return 1;
  }

  const schemaDir = path.resolve(io.cwd, schema);
  const shownSchemaDir = display(schemaDir);
  const models = readExampleModels();
  const command = generateCommandLine(shownSchemaDir);
  const schemaConflicts = modelConflicts(schemaDir, models, display);
  const script = scriptConflict(manifest, SCRIPT, command);
  const conflicts = [...schemaConflicts, ...(script === undefined ? [] : [{ file: 'package.json', problem: script.problem }])];
  if (conflicts.length > 0) {
    io.err('syncgen init: wrote nothing, so as not to overwrite what is there:');
    for (const conflict of conflicts) io.err(`  ${conflict.file}: ${conflict.problem}`);
    if (schemaConflicts.length > 0) io.err('Pass --schema <dir> to write the example models into another directory.');
    if (script !== undefined) io.err(script.fix);
    return 1;
  }

  mkdirSync(schemaDir, { recursive: true });
  for (const model of models) writeFileSync(path.join(schemaDir, model.fileName), model.text);
  const addScript = !hasScript(manifest, SCRIPT);
  if (addScript) writeFileSync(packageFile, withScript(packageText, manifest, SCRIPT, command));

  const written = models.map((model) => display(path.join(schemaDir, model.fileName))).join(', ');
  io.out(`syncgen: wrote ${written}; ${addScript ? `added the "${SCRIPT}" script to` : `the "${SCRIPT}" script is already in`} package.json`);
  io.out(`Next: edit the models in ${shownSchemaDir}/, then run \`npm run ${SCRIPT}\` (writes generated/).`);
  return 0;
}

/** `syncgen generate`, naming the schema directory when it is not the default. */
function generateCommandLine(shownSchemaDir: string): string {
  if (shownSchemaDir === 'schema') return 'syncgen generate';
  // npm runs scripts in a shell: a directory with spaces or shell characters is quoted.
  return `syncgen generate --schema ${/^[\w@%+=:,./-]+$/.test(shownSchemaDir) ? shownSchemaDir : JSON.stringify(shownSchemaDir)}`;
}

/** Model files that would be overwritten, and models already there that the examples would mix with. */
function modelConflicts(schemaDir: string, models: readonly ExampleModel[], display: (absolute: string) => string): Conflict[] {
  if (!existsSync(schemaDir)) return [];
  if (!statSync(schemaDir).isDirectory()) return [{ file: display(schemaDir), problem: 'is not a directory' }];
  const ours = new Set(models.map((model) => model.fileName));
  return readdirSync(schemaDir)
    .filter((name) => name.endsWith('.json'))
    .sort(compareText)
    .map((name) => ({
      file: display(path.join(schemaDir, name)),
      problem: ours.has(name) ? 'already exists' : 'the schema directory already holds models',
    }));
}
