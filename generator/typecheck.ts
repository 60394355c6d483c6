/**
 * Type-checks generated code in memory against the runtime's types before anything is written,
 * so a template bug is a generator error and never a broken build later.
 */
import path from 'node:path';
import { Project, ts } from 'ts-morph';
import { GeneratedCodeError } from './errors.js';
import type { GeneratedFile } from './emit/generated-file.js';

/**
 * @param outDir absolute directory the files would be written to: imports such as
 *   `syncgen/runtime` resolve from there, as they will once the files are written.
 */
export function typecheckGenerated(files: readonly GeneratedFile[], outDir: string): void {
  const project = new Project({
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      noEmit: true,
      types: ['node'],
    },
    skipAddingFilesFromTsConfig: true,
  });
  const generated = files
    .filter((file) => file.kind === 'code')
    .map((file) => project.createSourceFile(path.join(outDir, file.path), file.content, { overwrite: true }));
  const diagnostics = generated.flatMap((sourceFile) => sourceFile.getPreEmitDiagnostics());
  if (diagnostics.length === 0) return;
  const host = { getCanonicalFileName: (name: string) => name, getCurrentDirectory: () => outDir, getNewLine: () => '\n' };
  throw new GeneratedCodeError(diagnostics.map((diagnostic) => ts.formatDiagnostic(diagnostic.compilerObject, host).trim()));
}
