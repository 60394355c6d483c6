// Copies what the compiled generator reads at run time next to its JavaScript: the Handlebars
// templates and the schema models that `syncgen init` writes.
import { cpSync } from 'node:fs';

cpSync(new URL('emit/templates/', import.meta.url), new URL('dist/emit/templates/', import.meta.url), { recursive: true });
cpSync(new URL('init/', import.meta.url), new URL('dist/init/', import.meta.url), { recursive: true });
