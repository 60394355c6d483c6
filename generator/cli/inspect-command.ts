/**
 * `syncgen inspect <library-dir>`: its arguments and help. The work is in `run-inspect.ts`, loaded
 * only when the command runs; it reads the library with the app's own `syncgen` runtime.
 */
import { defineCommand } from './command.js';

export const inspectCommand = defineCommand({
  name: 'inspect',
  summary: 'show what a library file holds: tables, sync log, peers, parked changes, members',
  description:
    "Prints what a device's library file holds: its library and device ids, its schema version, every\n" +
    "synced table with its rows, the sync log per origin, this device's version vector, its peers and\n" +
    'what they acknowledged, parked changes and the records they wait for, tombstones, what is held\n' +
    "for newer schemas, the members and the file's size. Read-only: safe while the app runs, and it\n" +
    'never creates or changes a file beside the library. It reads with the syncgen package the app\n' +
    'installed, so run it in the app.',
  arguments: [
    {
      name: 'library-dir',
      required: true,
      example: 'data/laptop',
      description: "the library's directory (the dir the app gave openLibrary), or its library.db",
    },
  ],
  options: [{ name: 'json', description: 'print the report as JSON, for scripts (its shape: docs/api.md, "Inspecting a library")' }],
  footer:
    'Examples:\n' +
    '  syncgen inspect data/laptop\n' +
    "  syncgen inspect data/laptop --json | jq '.parked'\n" +
    '\n' +
    'Exit codes: 0 done, 1 not a library (or the syncgen package is not installed), 2 wrong usage.',
  run: async (values, [location], io) => {
    const { runInspect } = await import('./run-inspect.js');
    return runInspect(location!, values.json, io);
  },
});
