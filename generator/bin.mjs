#!/usr/bin/env node
// The `syncgen` command. An installed package runs its compiled JavaScript (dist/). In the syncgen
// repository, npm's scripts set the `syncgen-source` condition (.npmrc): the entry then resolves to
// the TypeScript sources, which tsx loads, so the repository needs no build to run its own CLI.
const entry = import.meta.resolve('@syncgen/cli/cli');
if (entry.endsWith('.ts')) (await import('tsx/esm/api')).register();
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
