/**
 * The `syncgen` command line: `syncgen [--help | --version] <command> [options]`.
 *
 * Options before the command are global; the first argument that is not an option names the
 * command; what follows is the command's. Wrong usage prints what is wrong and where to read how
 * (exit code 2), never a parser's message or a stack. Only `generate` loads the generator, and only
 * `inspect` the app's runtime (`syncgen`), so help, version and `init` start at once.
 */
import { generatorVersion } from '../package-info.js';
import { COMMANDS } from './commands.js';
import { findCommand } from './find-command.js';
import { parseGlobalOptions } from './global-options.js';
import { commandHelp, generalHelp } from './help-text.js';
import { type Io, processIo } from './io.js';
import { parseCommandLine } from './parse-command-line.js';
import { UsageError } from './usage-error.js';

export type { Io } from './io.js';

/** Runs the command line (without `node` and the script) and resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(error.message);
    io.err(error.hint);
    return 2;
  }
}

async function dispatch(argv: readonly string[], io: Io): Promise<number> {
  const at = argv.findIndex((arg) => !arg.startsWith('-') || arg === '-');
  const global = parseGlobalOptions(at === -1 ? argv : argv.slice(0, at), COMMANDS);
  const name = at === -1 ? undefined : argv[at]!;
  const command = name === undefined ? undefined : findCommand(name, COMMANDS);
  if (global.help) {
    io.out(command === undefined ? generalHelp(COMMANDS) : commandHelp(command));
    return 0;
  }
  if (global.version) {
    io.out(generatorVersion());
    return 0;
  }
  if (command === undefined) {
    // Nothing was asked: the list of commands, as an error so that a script calling `syncgen` alone notices.
    io.err(generalHelp(COMMANDS));
    return 2;
  }
  const parsed = parseCommandLine(command, argv.slice(at + 1));
  if (parsed.help) {
    io.out(commandHelp(command));
    return 0;
  }
  return command.run(parsed.values, parsed.positionals, io);
}
