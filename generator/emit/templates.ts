/**
 * The handlebars templates of generated files, compiled once. `noEscape` because the output is
 * TypeScript, not HTML; `strict` so that a template naming a missing value fails loudly.
 */
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';

const handlebars = Handlebars.create();

function load(name: string): string {
  return readFileSync(new URL(`./templates/${name}.hbs`, import.meta.url), 'utf8');
}

for (const partial of ['create-table', 'migration-step']) handlebars.registerPartial(partial, load(partial));

function compile<T>(name: string): (view: T) => string {
  const template = handlebars.compile(load(name), { noEscape: true, strict: true });
  return (view) => template(view);
}

export const templates = {
  adapter: compile<object>('adapter'),
  database: compile<object>('database'),
  registry: compile<object>('registry'),
  migration: compile<object>('migration'),
  migrationIndex: compile<object>('migration-index'),
  index: compile<object>('index'),
};
