/**
 * The `@syncgen/cli` package this module belongs to. Sources (generator/*.ts) and the compiled
 * package (generator/dist/**.js) sit at different depths below its package.json, so it is found by
 * walking up.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = '@syncgen/cli';

let cached: { readonly version: string } | undefined;

/** The version of the installed `@syncgen/cli`, e.g. `0.1.0`. */
export function generatorVersion(): string {
  cached ??= readManifest();
  return cached.version;
}

function readManifest(): { version: string } {
  for (let directory = path.dirname(fileURLToPath(import.meta.url)); ; directory = path.dirname(directory)) {
    const file = path.join(directory, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === PACKAGE_NAME && typeof manifest.version === 'string') return { version: manifest.version };
    }
    if (path.dirname(directory) === directory) throw new Error(`${PACKAGE_NAME}: its package.json was not found above ${import.meta.url}`);
  }
}
