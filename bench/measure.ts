/**
 * Timing: a warm-up, then several runs; each figure reports min, median and max. Ratios compare
 * medians measured in the same process, one after the other, so the machine's state is shared.
 */
import { performance } from 'node:perf_hooks';

export interface Sample {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export function summarize(values: readonly number[]): Sample {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]!, max: sorted.at(-1)! };
}

/** Runs `run` once to warm up, then `runs` times; returns the durations (ms). */
export async function time(runs: number, run: () => unknown | Promise<unknown>, setup?: () => unknown | Promise<unknown>): Promise<Sample> {
  const durations: number[] = [];
  for (let index = 0; index <= runs; index += 1) {
    await setup?.();
    const started = performance.now();
    await run();
    const elapsed = performance.now() - started;
    if (index > 0) durations.push(elapsed);
  }
  return summarize(durations);
}

export interface Figure {
  readonly id: number;
  readonly name: string;
  /** What is measured, one value per row: e.g. `syncgen`, `raw SQLite`, `ratio`. */
  readonly rows: readonly { readonly label: string; readonly unit: string; readonly sample: Sample }[];
  /** The target and whether the median meets it. */
  readonly target: string;
  readonly met: boolean | null;
  readonly note?: string;
}
