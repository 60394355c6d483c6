/**
 * Runs the `syncgen` command line in-process with a working directory and captured output.
 */
import { main } from '../../generator/cli/main.js';

export interface Run {
  code: number;
  out: string[];
  err: string[];
}

export async function syncgen(cwd: string, ...args: string[]): Promise<Run> {
  const run: Run = { code: 0, out: [], err: [] };
  run.code = await main(args, { cwd, out: (text) => run.out.push(text), err: (text) => run.err.push(text) });
  return run;
}
