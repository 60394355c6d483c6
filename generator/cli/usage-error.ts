/**
 * The command line asks for something syncgen does not offer (exit code 2): what is wrong, then
 * where to read how it is used. Printed as two lines, never with a stack.
 */
export class UsageError extends Error {
  readonly hint: string;

  constructor(message: string, hint: string) {
    super(message);
    this.name = 'UsageError';
    this.hint = hint;
  }
}

export const COMMANDS_HINT = 'Run `syncgen --help` for the commands.';

export function optionsHint(command: string): string {
  return `Run \`syncgen ${command} --help\` for its options.`;
}
