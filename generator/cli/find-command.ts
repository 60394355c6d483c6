/**
 * A command by the name the user typed, or a usage error that suggests the one they likely meant.
 */
import type { Command } from './command.js';
import { withSuggestion } from './did-you-mean.js';
import { COMMANDS_HINT, UsageError } from './usage-error.js';

export function findCommand(name: string, commands: readonly Command[]): Command {
  const command = commands.find((each) => each.name === name);
  if (command !== undefined) return command;
  throw new UsageError(
    withSuggestion(
      `syncgen: unknown command "${name}"`,
      name,
      commands.map((each) => each.name),
    ),
    COMMANDS_HINT,
  );
}
