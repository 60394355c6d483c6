/**
 * `syncgen help [command]`: the same texts as `--help`, for those who type it as a command.
 */
import { type Command, defineCommand } from './command.js';
import { findCommand } from './find-command.js';
import { commandHelp, generalHelp } from './help-text.js';

/** @param commands every command, this one included (read when it runs, as the list holds this command). */
export function helpCommand(commands: () => readonly Command[]): Command {
  return defineCommand({
    name: 'help',
    summary: 'show the help of a command',
    description: 'Shows the help of a command: what it does and its options. Without one, the list of commands.',
    arguments: [{ name: 'command', description: 'the command to explain, e.g. generate' }],
    options: [],
    run: async (_values, [name], io) => {
      io.out(name === undefined ? generalHelp(commands()) : commandHelp(findCommand(name, commands())));
      return 0;
    },
  });
}
