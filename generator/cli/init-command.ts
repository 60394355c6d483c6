/**
 * `syncgen init`: its options and help; `init-app.ts` does the work.
 */
import { defineCommand } from './command.js';
import { initApp } from './init-app.js';

export const initCommand = defineCommand({
  name: 'init',
  summary: 'start an app: example models, one per sync strategy, and the "generate" script',
  description:
    'Writes example models into the schema directory, one per sync strategy (Device stateBased, Note\n' +
    'logBased, Bookmark hybrid), and adds "generate": "syncgen generate" to the scripts of the\n' +
    'package.json in the current directory. It overwrites nothing: when a model file, other models or\n' +
    'another "generate" script are in the way, it writes nothing and names them.',
  options: [{ name: 'schema', value: 'dir', default: 'schema', description: 'where to write the example models' }],
  run: async (values, _positionals, io) => initApp(values.schema, io),
});
