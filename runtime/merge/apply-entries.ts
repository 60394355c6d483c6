/**
 * Applying a batch of change entries received from peers, so that every device that holds the
 * same set of changes holds the same data, whatever the order, duplication or batching of their
 * delivery. Per entry:
 * - held already (in the log, or at or below its origin's cursor): skipped; applying is idempotent;
 *   but one whose content differs from the version in the log is an equivocation (someone sent
 *   different changes under one origin and seq): refused, reported, the held version kept;
 * - in this device's own name, malformed, from a non-owner, or with a clock beyond the drift bound:
 *   refused with a typed error, not stored (its sender keeps it and retries);
 * - of a model this schema does not know (a newer schema's): appended to the log (held, relayed)
 *   and quarantined, not applied (`store/quarantine.ts`; replayed when this device upgrades);
 * - otherwise applied by `apply-entry.ts` (or parked, bounded by the parking's limit), and
 *   appended to the log, so this device can relay it; fields this schema does not know are kept
 *   in the log entry, and per record (`held-fields.ts`).
 */
import type { ChangeEntry } from '../core/change-entry.js';
import { EquivocationError, ParkingFullError, SyncError } from '../core/errors.js';
import { quarantineOf } from '../store/quarantine.js';
import type { Store } from '../store/store.js';
import { toEntry } from '../store/sync-log.js';
import type { Values } from '../store/model-store.js';
import { applyEntry, type EntryResult } from './apply-entry.js';
import { contentDigest, sameContent } from './entry-content.js';
import { holdEntryFields } from './held-fields.js';
import { releaseParked } from './release-parked.js';
import { validateEntry, type ValidEntry } from './validate-entry.js';

export interface RefusedChange {
  readonly entry: unknown;
  readonly error: SyncError;
}

export interface ApplyOutcome {
  /** Entries newly held, as stored: what this device can now relay to others. */
  readonly stored: ChangeEntry[];
  /** Entries that were already held. */
  readonly duplicates: number;
  /** Entries of this batch that still wait for a record that has not arrived. */
  readonly parked: number;
  readonly refused: RefusedChange[];
}

const NO_EFFECT: EntryResult = { resolved: [] };

function onlyUnknown(values: Values): boolean {
  for (const _ in values) return false;
  return true;
}

/** @internal Applies a batch; the caller runs it inside one SQLite transaction. */
export function applyEntries(store: Store, entries: readonly unknown[]): ApplyOutcome {
  const stored: ChangeEntry[] = [];
  const refused: RefusedChange[] = [];
  const parkedHere: ChangeEntry[] = [];
  let duplicates = 0;
  const received = store.log.receive();
  for (const raw of entries) {
    let valid: ValidEntry;
    try {
      valid = validateEntry(store, raw);
    } catch (error) {
      if (error instanceof SyncError) {
        refused.push({ entry: raw, error });
        continue;
      }
      throw error;
    }
    const { entry, model, clock } = valid;
    if (received.holds(entry.origin, entry.seq)) {
      // Only duplicates are compared (one lookup each); a pruned one can no longer be.
      const held = store.log.stored(entry.origin, entry.seq);
      if (held && !sameContent(held, entry)) {
        refused.push({ entry: raw, error: new EquivocationError(entry.origin, entry.seq, contentDigest(toEntry(held)), contentDigest(entry)) });
      } else {
        duplicates += 1;
      }
      continue;
    }
    const observed = store.clock.observe(clock);
    if (!observed.ok) {
      refused.push({ entry: raw, error: observed.error });
      continue;
    }
    if (model === null) {
      received.append(entry);
      quarantineOf(store).holdEntry(entry.origin, entry.seq, entry.model);
      stored.push(entry);
      continue;
    }
    // An update of only fields this schema does not know changes nothing here (it need not wait for its record either).
    const result = valid.unknown !== null && onlyUnknown(valid.values!) ? NO_EFFECT : applyEntry(store, model, entry, valid.values);
    if (result.parkOn) {
      if (store.parked.full) {
        refused.push({ entry: raw, error: new ParkingFullError(store.parked.limit) });
        continue;
      }
      received.append(entry);
      store.parked.park(entry.origin, entry.seq, result.parkOn);
      parkedHere.push(entry);
    } else {
      received.append(entry);
      releaseParked(store, result.resolved);
    }
    // Fields this schema does not know are kept per record, whether the entry applied or waits.
    if (valid.unknown !== null) holdEntryFields(store, model, entry, valid.unknown);
    stored.push(entry);
  }
  received.finish();
  store.clock.persist();
  const parked = parkedHere.filter((entry) => store.parked.has(entry.origin, entry.seq)).length;
  return { stored, duplicates, parked, refused };
}
