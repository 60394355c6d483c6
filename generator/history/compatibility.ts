/**
 * The schema's compatibility description, from the schema history: its version (how many
 * migrations the history holds) and the oldest version it can sync with (the last migration with a
 * breaking change: before it, devices lay the same data out in ways the other cannot apply).
 * Devices exchange both at the handshake and sync when each is at least the other's oldest.
 */
import { diffLayouts } from './layout-diff.js';
import type { SchemaVersion } from './version-file.js';

export interface Compatibility {
  /** The number of the last migration in the history (1 for a history of one). */
  readonly schemaVersion: number;
  /** The last version whose migration made a breaking change (1 when none did). */
  readonly compatibleFrom: number;
}

export function compatibilityOf(history: readonly SchemaVersion[]): Compatibility {
  let compatibleFrom = 1;
  for (let index = 1; index < history.length; index += 1) {
    if (diffLayouts(history[index - 1]!.models, history[index]!.models).breaking.length > 0) compatibleFrom = index + 1;
  }
  return { schemaVersion: Math.max(history.length, 1), compatibleFrom };
}
