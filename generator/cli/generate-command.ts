/**
 * `syncgen generate`: its options and help. The work is in `run-generate.ts`, loaded only when the
 * command runs: it pulls in TypeScript, ts-morph, Handlebars and json-schema-to-typescript, which
 * `--help`, `--version` and `init` must not wait for.
 */
import { defineCommand } from './command.js';

export const generateCommand = defineCommand({
  name: 'generate',
  summary: 'write the types, adapters, registry and migrations that the models describe',
  description:
    'Reads the models (one JSON Schema file per model), type-checks what they generate, and rewrites\n' +
    'the output directory. When the storage changed since the last run, it appends the next layout to\n' +
    'the schema history, with its migration. Hand-written migration steps (data changes, such as\n' +
    'splitting a field) go in the migrations folder as NNNN_<slug>.ts exporting up(db), and run after\n' +
    'generated migration NNNN; the generator imports them into the migration index, never writes them.',
  options: [
    { name: 'schema', value: 'dir', default: 'schema', description: 'model schemas, one JSON Schema file per model' },
    { name: 'out', value: 'dir', default: 'generated', description: 'generated code, owned by the generator (it removes stale files, refuses foreign ones)' },
    {
      name: 'history',
      value: 'dir',
      defaultText: '<schema>/history',
      example: 'schema/history',
      description: 'schema history (the storage layout after each migration), checked in',
    },
    {
      name: 'migrations',
      value: 'dir',
      defaultText: '<schema>/migrations',
      example: 'schema/migrations',
      description: 'hand-written migration steps (NNNN_<slug>.ts), read, never written',
    },
    { name: 'check', description: 'write nothing; exit 1 naming every file that is not what the schemas generate' },
    { name: 'allow-breaking', description: 'accept breaking schema changes and generate migrations that rebuild tables' },
  ],
  footer: 'Exit codes: 0 done or up to date, 1 schema problem, breaking change or stale output, 2 wrong usage.',
  run: async (values, _positionals, io) => {
    const { runGenerate } = await import('./run-generate.js');
    return runGenerate(
      {
        schema: values.schema,
        out: values.out,
        history: values.history,
        migrations: values.migrations,
        check: values.check,
        allowBreaking: values['allow-breaking'],
      },
      io,
    );
  },
});
