/**
 * The last branch of every switch over a closed set (message types, field kinds, strategies,
 * migration steps): a new member that is not handled makes `tsc` fail here, at the switch.
 */
import { SyncError } from './errors.js';

export function assertNever(value: never, what = 'value'): never {
  throw new SyncError('unreachable', `unhandled ${what}: ${JSON.stringify(value)} (a bug in syncgen: please report it)`);
}
