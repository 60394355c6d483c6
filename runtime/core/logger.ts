/**
 * The one logger every layer writes to: the shape of pino's (`debug/info/warn/error(fields, msg)`),
 * so an app passes its pino logger as it is, or any object with these four methods. The library,
 * the sync engine and the TCP transport take one (`logger` option); the engine and the transport
 * use the library's when not given their own. Without any, `defaultLogger` prints warnings and
 * errors, and debug lines when `DEBUG` names syncgen (`debug-namespaces.ts`).
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What a log line says beside its message: `peer`, `event`, `code`, `err` (an error, as pino names it), ... */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * A pino-compatible logger.
 *
 * @example
 * import pino from 'pino';
 * const library = await openLibrary({ dir, libraryId, deviceId, registry, logger: pino() });
 * // or any object with the four methods:
 * const logger = { debug() {}, info() {}, warn: (fields, msg) => console.warn(msg, fields), error: (fields, msg) => console.error(msg, fields) };
 */
export interface Logger {
  debug(fields: LogFields, msg: string): void;
  info(fields: LogFields, msg: string): void;
  warn(fields: LogFields, msg: string): void;
  error(fields: LogFields, msg: string): void;
  /** pino's: whether lines of a level are written; syncgen skips building debug lines otherwise. */
  isLevelEnabled?(level: LogLevel): boolean;
  /** pino's: a logger that adds `bindings` to each line; syncgen binds `component` ('library', 'sync', 'tcp'). */
  child?(bindings: LogFields): Logger;
}

/** A logger that writes nothing. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  isLevelEnabled: () => false,
};

/**
 * A component's logger: `logger.child({ component })` when the logger has `child`, else the
 * logger itself with `component` in each line's fields.
 */
export function componentLogger(logger: Logger, component: string): Logger {
  if (logger.child) return logger.child({ component });
  const bound = (level: LogLevel) => (fields: LogFields, msg: string) => logger[level]({ component, ...fields }, msg);
  return {
    debug: bound('debug'),
    info: bound('info'),
    warn: bound('warn'),
    error: bound('error'),
    isLevelEnabled: (level) => logger.isLevelEnabled?.(level) ?? true,
  };
}

/** Whether a logger writes debug lines (assumed so when it cannot tell): checked before building one. */
export function debugEnabled(logger: Logger): boolean {
  return logger.isLevelEnabled?.('debug') ?? true;
}
