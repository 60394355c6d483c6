/**
 * The options that come before a command: `--help` and `--version`. Command options given there
 * (`syncgen --check generate`) are pointed to their place instead of being called unknown.
 */
import { type Command, HELP_OPTION, type OptionSpec } from './command.js';
import { tokenize, unknownOption } from './parse-command-line.js';
import { COMMANDS_HINT, optionsHint, UsageError } from './usage-error.js';

export const GLOBAL_OPTIONS: readonly OptionSpec[] = [HELP_OPTION, { name: 'version', short: 'v', description: 'print the version of syncgen' }];

export interface GlobalOptions {
  readonly help: boolean;
  readonly version: boolean;
}

export function parseGlobalOptions(args: readonly string[], commands: readonly Command[]): GlobalOptions {
  const given = new Set<string>();
  for (const token of tokenize(args, GLOBAL_OPTIONS)) {
    if (token.kind !== 'option') continue;
    const known = GLOBAL_OPTIONS.find((option) => option.name === token.name);
    if (known !== undefined) {
      if (token.value !== undefined) throw new UsageError(`syncgen: option "--${known.name}" takes no value`, COMMANDS_HINT);
      given.add(known.name);
      continue;
    }
    const owner = token.rawName.startsWith('--') ? commands.find((command) => command.options.some((option) => option.name === token.name)) : undefined;
    if (owner !== undefined) {
      throw new UsageError(
        `syncgen: "${token.rawName}" is an option of a command; write it after the command, e.g. \`syncgen ${owner.name} ${token.rawName}\``,
        optionsHint(owner.name),
      );
    }
    throw new UsageError(`syncgen: ${unknownOption(token, GLOBAL_OPTIONS)}`, COMMANDS_HINT);
  }
  return { help: given.has('help'), version: given.has('version') };
}
