/**
 * The help texts: the list of commands (`syncgen --help`) and each command's own
 * (`syncgen help generate`), built from the command declarations so they never drift from what the
 * parser accepts.
 */
import type { Command, OptionSpec } from './command.js';
import { GLOBAL_OPTIONS } from './global-options.js';

const EXAMPLES: readonly (readonly [string, string])[] = [
  ['syncgen init', 'start an app: example models in schema/ and the "generate" script'],
  ['syncgen generate', 'write generated/ from the models in schema/'],
  ['syncgen generate --check', 'in CI: exit 1 when generated/ is not what schema/ generates'],
  ['syncgen inspect data/laptop', "show what a device's library holds (read-only, safe while the app runs)"],
];

export function generalHelp(commands: readonly Command[]): string {
  return [
    'syncgen: typed, convergent sync of local-first SQLite data, generated from JSON Schema models',
    '',
    'Usage: syncgen <command> [options]',
    '',
    'Commands:',
    ...table(commands.map((command) => [command.name, command.summary])),
    '',
    'Options:',
    ...table(GLOBAL_OPTIONS.map(optionRow)),
    '',
    'Examples:',
    ...table(EXAMPLES),
    '',
    'Run `syncgen help <command>` for the options of a command.',
  ].join('\n');
}

export function commandHelp(command: Command): string {
  const usage = [
    'Usage: syncgen',
    command.name,
    ...command.arguments.map((argument) => (argument.required ? `<${argument.name}>` : `[${argument.name}]`)),
    '[options]',
  ].join(' ');
  return [
    usage,
    '',
    command.description,
    ...(command.arguments.length === 0 ? [] : ['', 'Arguments:', ...table(command.arguments.map((argument) => [argument.name, argument.description]))]),
    '',
    'Options:',
    ...table(command.options.map(optionRow)),
    ...(command.footer === undefined ? [] : ['', command.footer]),
  ].join('\n');
}

/** `--schema <dir>` and its description with the default, e.g. `(default: schema)`. */
function optionRow(option: OptionSpec): [string, string] {
  const name = `${option.short === undefined ? '' : `-${option.short}, `}--${option.name}${option.value === undefined ? '' : ` <${option.value}>`}`;
  const shownDefault = option.defaultText ?? option.default;
  return [name, shownDefault === undefined ? option.description : `${option.description} (default: ${shownDefault})`];
}

/** Two columns, the second aligned four spaces after the longest entry of the first. */
function table(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length)) + 4;
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`);
}
