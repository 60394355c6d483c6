/**
 * What a command is: its name, help and options, and what it does. One declaration serves the
 * parser (which options take a value), the help text and the suggestions for typos.
 */
import type { Io } from './io.js';

export interface OptionSpec {
  /** The long name, without dashes: `schema` is `--schema`. */
  readonly name: string;
  /** One letter: `h` is `-h`. */
  readonly short?: string;
  /** What the value is, as the help shows it (`dir` → `--schema <dir>`); absent for a flag. */
  readonly value?: string;
  /** The value when the option is not given. */
  readonly default?: string;
  /** The default as the help shows it, when it is derived rather than fixed (`<schema>/history`). */
  readonly defaultText?: string;
  /** A value for "needs a value (e.g. …)"; the default when absent. */
  readonly example?: string;
  readonly description: string;
}

/** A positional argument; optional unless `required` (then every one before it is required too). */
export interface ArgumentSpec {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
  /** A value for "missing the argument (e.g. …)". */
  readonly example?: string;
}

/** What the options of a command parse to: a flag is a boolean, a value option a string (always set when it has a default). */
export type OptionValues<O extends readonly OptionSpec[]> = {
  readonly [S in O[number] as S['name']]: S extends { readonly value: string }
    ? S extends { readonly default: string }
      ? string
      : string | undefined
    : boolean;
};

export type ParsedValues = Readonly<Record<string, string | boolean | undefined>>;

export interface Command {
  readonly name: string;
  /** One line for the list of commands. */
  readonly summary: string;
  /** What the command does, for its own help. */
  readonly description: string;
  readonly arguments: readonly ArgumentSpec[];
  /** Every option, `--help` included. */
  readonly options: readonly OptionSpec[];
  /** The last lines of its help: examples, exit codes. */
  readonly footer?: string;
  /** Does the work; resolves to the exit code. */
  readonly run: (values: ParsedValues, positionals: readonly string[], io: Io) => Promise<number>;
}

export const HELP_OPTION = { name: 'help', short: 'h', description: 'show this help' } as const satisfies OptionSpec;

interface CommandDefinition<O extends readonly OptionSpec[]> extends Omit<Command, 'arguments' | 'options' | 'run'> {
  readonly arguments?: readonly ArgumentSpec[];
  readonly options: O;
  readonly run: (values: OptionValues<O>, positionals: readonly string[], io: Io) => Promise<number>;
}

/** A command whose `run` sees its options typed; every command also takes `--help`. */
export function defineCommand<const O extends readonly OptionSpec[]>(definition: CommandDefinition<O>): Command {
  return {
    ...definition,
    arguments: definition.arguments ?? [],
    options: [...definition.options, HELP_OPTION],
    // The parser sets exactly the declared options, with their defaults, so the values have this shape.
    run: (values, positionals, io) => definition.run(values as OptionValues<O>, positionals, io),
  };
}
