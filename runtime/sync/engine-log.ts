/**
 * The engine's log lines: to its logger, as `{ device, peer, event }` and a message, and to the
 * deprecated `log` callback (warnings and info, as `SyncEvent`s). Debug lines are built only when
 * the logger writes them (`debugging`): callers check it first, so a quiet logger costs nothing.
 */
import { defaultLogger } from '../core/console-logger.js';
import { componentLogger, debugEnabled, silentLogger, type Logger } from '../core/logger.js';
import type { SyncEvent } from './options.js';

export class EngineLog {
  /** Whether debug lines are written: check it before building one. */
  readonly debugging: boolean;
  readonly #device: string;
  readonly #logger: Logger;
  readonly #legacy: ((event: SyncEvent) => void) | undefined;

  /** Without a logger, the default one; but a `log` callback alone replaces it (as it did before `logger`). */
  constructor(device: string, logger: Logger | undefined, legacy: ((event: SyncEvent) => void) | undefined) {
    this.#device = device;
    this.#legacy = legacy;
    this.#logger = componentLogger(logger ?? (legacy ? silentLogger : defaultLogger()), 'sync');
    this.debugging = debugEnabled(this.#logger);
  }

  warn(peer: string | null, event: string, detail: string): void {
    this.#logger.warn(this.#fields(peer, event), `${event}: ${detail}`);
    this.#legacy?.({ level: 'warn', peer, event, detail });
  }

  info(peer: string | null, event: string, detail: string): void {
    this.#logger.info(this.#fields(peer, event), `${event}: ${detail}`);
    this.#legacy?.({ level: 'info', peer, event, detail });
  }

  /** A debug line (not sent to the deprecated `log`); build `detail` only when `debugging`. */
  debug(peer: string | null, event: string, detail: string): void {
    if (this.debugging) this.#logger.debug(this.#fields(peer, event), `${event}: ${detail}`);
  }

  #fields(peer: string | null, event: string): Record<string, unknown> {
    return peer === null ? { device: this.#device, event } : { device: this.#device, peer, event };
  }
}
