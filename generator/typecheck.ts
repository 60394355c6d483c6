/**
 * Type-checks generated code in memory against the runtime's types before anything is written,
 * so a template bug is a generator error and never a broken build later.
 *
 * The check stands where the app's own `tsc` will: the files sit (in memory) under the app's root,
 * so `syncgen/codegen` and `kysely` resolve from the app's node_modules whatever `--out` is; no
 * `@types/node` and the strictest flags an app may set, so the code compiles in any app. Loading
 * TypeScript is most of a run's time: a passed check is remembered by content hash in
 * `node_modules/.cache/syncgen/`, and TypeScript is loaded only when something changed.
 *
 * The migration index imports the app's hand-written migration steps by relative path: those are
 * placed (in memory, with their text on disk) where that path leads from the checked files, which
 * mirror the output directory's place in the app, so the steps' own imports resolve as in the app.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { GeneratedFile } from './emit/generated-file.js';
import { GeneratedCodeError, GeneratorError } from './errors.js';
import { generatorVersion } from './package-info.js';

/** The strictest flags an app may compile generated code with; each one the code must pass. */
const APP_FLAGS = {
  strict: true,
  noUncheckedIndexedAccess: true,
  noPropertyAccessFromIndexSignature: true,
  exactOptionalPropertyTypes: true,
  noImplicitOverride: true,
  noImplicitReturns: true,
  noFallthroughCasesInSwitch: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
} as const;

/** Where, under the app's root, the generated files are placed for the check (never written). */
const CHECK_DIR = '.syncgen-typecheck';

/** Where the output goes, and the hand-written migration steps its migration index imports. */
export interface TypecheckPlaces {
  /** The output directory (absolute). */
  readonly outDir: string;
  /** The step files the index imports (absolute). */
  readonly steps: readonly string[];
}

/**
 * @param appDir the app's folder, or one inside it: imports of generated code resolve from the app's
 *   root (the nearest folder with a package.json), as they do for the app's own compiler.
 * @throws GeneratedCodeError naming each file, line and compiler message when the code does not compile.
 * @throws GeneratorError `runtime-missing` when the app has no `syncgen` package to check against.
 */
export async function typecheckGenerated(files: readonly GeneratedFile[], appDir: string, places?: TypecheckPlaces): Promise<void> {
  const appRoot = packageRoot(appDir);
  const code = files.filter((file) => file.kind === 'code');
  const steps = (places?.steps ?? []).map((file) => ({ file, content: readFileSync(file, 'utf8') }));
  const runtime = locateRuntime(appRoot);
  const cache = runtime.fromSources
    ? undefined
    : passedChecks(appRoot, checkKey([...code, ...steps.map(({ file, content }) => ({ path: file, content }))], runtime.version));
  if (cache?.has()) return;

  const { Project, ts } = await import('ts-morph');
  const checkDir = checkDirectory(appRoot, places?.outDir);
  const project = new Project({
    compilerOptions: {
      ...APP_FLAGS,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts'],
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: [],
      skipLibCheck: true,
      noEmit: true,
      // In the syncgen repository the runtime is checked from its sources (see generator/bin.mjs).
      ...(runtime.fromSources ? { customConditions: ['syncgen-source'] } : {}),
    },
    skipAddingFilesFromTsConfig: true,
  });
  const generated = code.map((file) => project.createSourceFile(path.join(checkDir, file.path), file.content, { overwrite: true }));
  for (const step of steps) {
    const fromIndex = path.relative(path.join(places!.outDir, 'migrations'), step.file);
    project.createSourceFile(path.resolve(checkDir, 'migrations', fromIndex), step.content, { overwrite: true });
  }
  const diagnostics = generated.flatMap((sourceFile) => sourceFile.getPreEmitDiagnostics());
  if (diagnostics.length > 0) {
    const host = { getCanonicalFileName: (name: string) => name, getCurrentDirectory: () => checkDir, getNewLine: () => '\n' };
    throw new GeneratedCodeError(diagnostics.map((diagnostic) => ts.formatDiagnostic(diagnostic.compilerObject, host).trim()));
  }
  cache?.add();
}

/** Where the generated files are placed: the output directory's place in the app, under `CHECK_DIR`. */
function checkDirectory(appRoot: string, outDir: string | undefined): string {
  const inApp = outDir === undefined ? '' : path.relative(appRoot, outDir);
  return inApp.startsWith('..') || path.isAbsolute(inApp) ? path.join(appRoot, CHECK_DIR) : path.join(appRoot, CHECK_DIR, inApp);
}

/** The nearest folder at or above `directory` with a package.json; `directory` itself when none. */
function packageRoot(directory: string): string {
  for (let at = path.resolve(directory); ; at = path.dirname(at)) {
    if (existsSync(path.join(at, 'package.json'))) return at;
    if (path.dirname(at) === at) return path.resolve(directory);
  }
}

interface RuntimeLocation {
  readonly version: string;
  /** The runtime resolves to its TypeScript sources: the syncgen repository itself. */
  readonly fromSources: boolean;
}

/** The `syncgen` package the app's compiler will see: the one its root resolves. */
function locateRuntime(appRoot: string): RuntimeLocation {
  const require = createRequire(path.join(appRoot, 'package.json'));
  let entry: string;
  let manifest: string;
  try {
    entry = require.resolve('syncgen/codegen');
    manifest = require.resolve('syncgen/package.json');
  } catch {
    throw new GeneratorError(
      'runtime-missing',
      `the syncgen runtime package is not installed in ${appRoot}: generated code imports it. Run \`npm install syncgen\`.`,
    );
  }
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return { version, fromSources: entry.endsWith('.ts') };
}

/** What a check depends on: the generated code, the runtime's and the generator's versions, the flags. */
function checkKey(code: readonly Pick<GeneratedFile, 'path' | 'content'>[], runtimeVersion: string): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ generator: generatorVersion(), runtime: runtimeVersion, flags: APP_FLAGS }));
  for (const file of code) hash.update(`\0${file.path}\0${file.content}`);
  return hash.digest('hex').slice(0, 32);
}

/** The record of the last passed check, in the app's node_modules cache (none without node_modules). */
function passedChecks(appRoot: string, key: string) {
  const modules = path.join(appRoot, 'node_modules');
  const directory = path.join(modules, '.cache', 'syncgen');
  const marker = path.join(directory, `typecheck-${key}`);
  return {
    has: () => existsSync(marker),
    add: () => {
      if (!existsSync(modules)) return;
      mkdirSync(directory, { recursive: true });
      // Only the latest check is kept: an older key is never asked for again.
      for (const name of readdirSync(directory)) if (name.startsWith('typecheck-')) rmSync(path.join(directory, name), { force: true });
      writeFileSync(marker, '');
    },
  };
}
