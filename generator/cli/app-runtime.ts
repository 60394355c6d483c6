/**
 * The app's `syncgen` runtime, loaded when a command needs it (`inspect` reads a library with it).
 * @syncgen/cli never imports it statically: `generate` and `init` must not load better-sqlite3, and
 * a library is best read by the runtime version that the app itself runs.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The loaded module, or why it could not be loaded, as a message for the user. */
export type Loaded<T> = { readonly module: T } | { readonly problem: string };

/** Where the CLI itself is installed: `syncgen` is its peer dependency, so it resolves from there too. */
export const CLI_DIR = path.dirname(fileURLToPath(import.meta.url));

/**
 * Loads `syncgen/<entry>` as resolved from the first of `from` that has it: the app's directory,
 * then the CLI's own.
 */
export async function loadAppRuntime<T>(entry: string, from: readonly string[]): Promise<Loaded<T>> {
  const specifier = `syncgen/${entry}`;
  let outdated = false;
  for (const directory of from) {
    let file: string;
    try {
      file = createRequire(path.join(directory, 'index.js')).resolve(specifier);
    } catch (error) {
      // Installed, but a version without this entry.
      if ((error as { code?: unknown }).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') outdated = true;
      continue;
    }
    return { module: (await import(pathToFileURL(file).href)) as T };
  }
  return {
    problem: outdated
      ? `the installed syncgen package has no ${specifier}: update it (npm install syncgen@latest)`
      : 'the syncgen package is not installed here: run it in the app, or `npm install syncgen` (the command reads the library with it)',
  };
}
