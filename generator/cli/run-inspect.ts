/**
 * What `syncgen inspect` does: loads `syncgen/inspect` from the app's runtime, reads the library
 * and prints its report, as text or JSON. Exit codes: 0 printed, 1 not a library, or no runtime.
 *
 * Loaded lazily by `inspect-command.ts`.
 */
import path from 'node:path';
import type * as Inspect from 'syncgen/inspect';
import { CLI_DIR, loadAppRuntime } from './app-runtime.js';
import type { Io } from './io.js';

export async function runInspect(location: string, json: boolean, io: Io): Promise<number> {
  const loaded = await loadAppRuntime<typeof Inspect>('inspect', [io.cwd, CLI_DIR]);
  if ('problem' in loaded) {
    io.err(`syncgen inspect: ${loaded.problem}`);
    return 1;
  }
  const { formatLibraryReport, inspectLibrary, NotALibraryError } = loaded.module;
  try {
    const report = inspectLibrary(path.resolve(io.cwd, location));
    io.out(json ? JSON.stringify(report, null, 2) : formatLibraryReport(report));
    return 0;
  } catch (error) {
    if (!(error instanceof NotALibraryError)) throw error;
    io.err(`syncgen inspect: ${error.message}`);
    return 1;
  }
}
