/**
 * The example models `syncgen init` writes: one per sync strategy, shipped as JSON files in
 * `generator/init/schema/`. The build copies them to `dist/init/schema/`, so from this module's
 * folder (`cli/` in the sources, `dist/cli/` compiled) they are at the same relative place.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const EXAMPLES_DIR = new URL('../init/schema/', import.meta.url);

export interface ExampleModel {
  /** `device.json`: the model's title in kebab case. */
  readonly fileName: string;
  /** The file as shipped, written byte for byte. */
  readonly text: string;
}

/** In the order of their model ids (Device, Note, Bookmark): a reader meets the simplest first. */
export function readExampleModels(): ExampleModel[] {
  const directory = fileURLToPath(EXAMPLES_DIR);
  return readdirSync(directory)
    .filter((fileName) => fileName.endsWith('.json'))
    .map((fileName) => {
      const text = readFileSync(path.join(directory, fileName), 'utf8');
      return { fileName, text, id: (JSON.parse(text) as { 'x-sync': { id: number } })['x-sync'].id };
    })
    .sort((a, b) => a.id - b.id)
    .map(({ fileName, text }) => ({ fileName, text }));
}
