#!/usr/bin/env node
// The `syncgen` command. An installed package runs its compiled JavaScript (dist/). In the syncgen
// repository, npm's scripts set the `syncgen-source` condition (.npmrc): the entry then resolves to
// the TypeScript sources, which tsx loads, so the repository needs no build to run its own CLI.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = import.meta.resolve('@syncgen/cli/cli');
if (!existsSync(fileURLToPath(entry)) && existsSync(fileURLToPath(new URL('./cli/main.ts', import.meta.url)))) {
  // A checkout run with plain `node` (no npm script, so no condition) and never built: run its
  // sources, with the condition that every syncgen package of the workspace resolves by.
  const args = ['--conditions=syncgen-source', fileURLToPath(import.meta.url), ...process.argv.slice(2)];
  process.exitCode = spawnSync(process.execPath, args, { stdio: 'inherit' }).status ?? 1;
} else {
  if (entry.endsWith('.ts')) (await import('tsx/esm/api')).register();
  const { main } = await import(entry);
  process.exitCode = await main(process.argv.slice(2));
}
