/**
 * Where a command runs: its working directory and its two output streams. Tests pass their own to
 * capture what a command prints.
 */
export interface Io {
  readonly cwd: string;
  /** Prints to standard output: results and requested help. */
  readonly out: (text: string) => void;
  /** Prints to standard error: problems, and help nobody asked for. */
  readonly err: (text: string) => void;
}

export const processIo: Io = { cwd: process.cwd(), out: (text) => console.log(text), err: (text) => console.error(text) };
