/**
 * The logger syncgen uses when an app gives none: warnings and errors to the console (stderr), and
 * info and debug lines of the namespaces `DEBUG` turns on (`debug-namespaces.ts`). Each component
 * logs under its own namespace: `syncgen:library`, `syncgen:sync`, `syncgen:tcp`.
 */
import { debugNamespaces } from './debug-namespaces.js';
import type { LogFields, Logger, LogLevel } from './logger.js';

export interface ConsoleLoggerOptions {
  /** The namespace of its lines (default `syncgen`); `child({ component })` appends `:component`. */
  readonly namespace?: string;
  /** The `DEBUG` value (default: the environment's, read once). */
  readonly debug?: string | undefined;
  /** Where lines go (default: `console.error` for errors, `console.warn` for the rest). */
  readonly write?: (level: LogLevel, line: string) => void;
}

/**
 * A logger that prints warnings and errors, and debug and info lines when `DEBUG` names its
 * namespace.
 *
 * @example
 * // DEBUG=syncgen node app.js prints every component's debug lines; DEBUG=syncgen:tcp only the transport's
 * const logger = consoleLogger();
 */
export function consoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const debug = 'debug' in options ? options.debug : environmentDebug();
  return make(options.namespace ?? 'syncgen', debugNamespaces(debug), options.write ?? writeToConsole);
}

/** The default logger, made once: `consoleLogger()` with the environment's `DEBUG`. */
export function defaultLogger(): Logger {
  fallback ??= consoleLogger();
  return fallback;
}

let fallback: Logger | undefined;

function make(namespace: string, enabled: (namespace: string) => boolean, write: (level: LogLevel, line: string) => void): Logger {
  const verbose = enabled(namespace);
  const line = (level: LogLevel) => (fields: LogFields, msg: string) => {
    if (verbose || level === 'warn' || level === 'error') write(level, format(namespace, level, fields, msg));
  };
  return {
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    isLevelEnabled: (level) => verbose || level === 'warn' || level === 'error',
    child: (bindings) => {
      const component = bindings.component;
      return make(typeof component === 'string' ? `${namespace}:${component}` : namespace, enabled, write);
    },
  };
}

/** `syncgen:sync WARN msg peer=… event=…`, and an error's stack on the lines below. */
function format(namespace: string, level: LogLevel, fields: LogFields, msg: string): string {
  let text = `${namespace} ${level.toUpperCase()} ${msg}`;
  let stack = '';
  for (const key in fields) {
    const value = fields[key];
    if (key === 'component' || value === undefined) continue;
    if (value instanceof Error) stack = `\n${value.stack ?? value.message}`;
    else text += ` ${key}=${typeof value === 'string' ? value : safeJson(value)}`;
  }
  return text + stack;
}

function safeJson(value: unknown): string {
  try {
    return (
      JSON.stringify(value, (_, item: unknown) => (item instanceof Map ? Object.fromEntries(item) : typeof item === 'bigint' ? `${item}` : item)) ??
      String(value)
    );
  } catch {
    return String(value);
  }
}

function writeToConsole(level: LogLevel, line: string): void {
  if (level === 'error') console.error(line);
  else console.warn(line);
}

function environmentDebug(): string | undefined {
  // Not `process.env` by name: the runtime's types stay free of Node's, and a browser has no `process`.
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.DEBUG;
}
