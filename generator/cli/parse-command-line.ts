/**
 * Parses what follows a command's name into its option values and positional arguments.
 *
 * Node's `parseArgs` runs non-strict and only splits the line into tokens, so none of its messages
 * reach the user: every problem is reported here, naming the option as typed and the likely fix.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type Command, HELP_OPTION, type OptionSpec, type ParsedValues } from './command.js';
import { withSuggestion } from './did-you-mean.js';
import { optionsHint, UsageError } from './usage-error.js';

export interface ParsedCommandLine {
  /** `--help` or `-h` was given: the rest of the line is not looked at. */
  readonly help: boolean;
  readonly values: ParsedValues;
  readonly positionals: readonly string[];
}

type OptionToken = Extract<ReturnType<typeof tokenize>[number], { kind: 'option' }>;

export function tokenize(args: readonly string[], options: readonly OptionSpec[]) {
  const config: NonNullable<ParseArgsConfig['options']> = {};
  for (const option of options) config[option.name] = { type: option.value === undefined ? 'boolean' : 'string', ...(option.short && { short: option.short }) };
  return parseArgs({ args: [...args], options: config, strict: false, allowPositionals: true, tokens: true }).tokens;
}

/** `unknown option "--chekc". Did you mean "--check"?`; single-dash options get no suggestion. */
export function unknownOption(token: OptionToken, options: readonly OptionSpec[]): string {
  const message = `unknown option "${token.rawName}"`;
  if (!token.rawName.startsWith('--')) return message;
  return withSuggestion(
    message,
    token.name,
    options.map((option) => option.name),
    (name) => `--${name}`,
  );
}

export function parseCommandLine(command: Command, args: readonly string[]): ParsedCommandLine {
  const tokens = tokenize(args, command.options);
  // Whoever asks for help wants to read how to fix the rest of the line, so help wins over its errors.
  if (tokens.some((token) => token.kind === 'option' && token.name === HELP_OPTION.name)) return { help: true, values: {}, positionals: [] };

  const usageError = (message: string) => new UsageError(`syncgen ${command.name}: ${message}`, optionsHint(command.name));
  const values: Record<string, string | boolean | undefined> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const option = command.options.find((each) => each.name === token.name);
    if (option === undefined) throw usageError(unknownOption(token, command.options));
    const flag = `--${option.name}`;
    if (option.value === undefined) {
      if (token.value !== undefined) throw usageError(`option "${flag}" takes no value`);
      values[option.name] = true;
      continue;
    }
    // Non-strict parseArgs takes the next argument as the value even when it is another option (`--out --check`).
    if (token.value === undefined || token.value === '' || (!token.inlineValue && token.value.startsWith('-'))) {
      const example = option.example ?? option.default;
      throw usageError(`option "${flag}" needs a value${example === undefined ? '' : ` (e.g. ${flag} ${example})`}`);
    }
    if (values[option.name] !== undefined) throw usageError(`option "${flag}" is given twice`);
    values[option.name] = token.value;
  }

  if (positionals.length > command.arguments.length) {
    const extra = positionals[command.arguments.length]!;
    // `syncgen generate check` most likely meant the option.
    throw usageError(
      withSuggestion(
        `unexpected argument "${extra}"`,
        extra,
        command.options.map((option) => option.name),
        (name) => `--${name}`,
      ),
    );
  }
  const missing = command.arguments.slice(positionals.length).find((argument) => argument.required);
  if (missing !== undefined) {
    throw usageError(`missing the argument <${missing.name}>${missing.example === undefined ? '' : ` (e.g. \`syncgen ${command.name} ${missing.example}\`)`}`);
  }
  for (const option of command.options) values[option.name] ??= option.value === undefined ? false : option.default;
  return { help: false, values, positionals };
}
