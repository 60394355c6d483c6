/**
 * Inbound entries (StateChange, StateBatch, SharedChange, SharedChangeBatch, SharedChangeResponse):
 * applied in one transaction that does not wait for the disk, relayed at once (the library's
 * commit notice pumps them to other peers), acknowledged once durable (`acks.ts`). Refused entries
 * are counted, logged and told to the peer by kind: among them entries in this device's own name,
 * and equivocations (a second, different version of an entry held), reported naming this peer.
 */
import type { ChangeEntry } from '../core/change-entry.js';
import type { Acks } from './acks.js';
import type { MissingRecords } from './missing-records.js';
import { reportRefusals } from './refusals.js';
import type { SyncContext } from './sync-context.js';

export class Inbound {
  readonly #ctx: SyncContext;
  readonly #acks: Acks;
  readonly #missing: MissingRecords;

  constructor(ctx: SyncContext, acks: Acks, missing: MissingRecords) {
    this.#ctx = ctx;
    this.#acks = acks;
    this.#missing = missing;
  }

  receive(peer: string, entries: readonly ChangeEntry[]): void {
    const ctx = this.#ctx;
    const state = ctx.peer(peer);
    state.metrics.received += entries.length;
    // Pulling a snapshot from this peer: its entries are dropped, unacknowledged. The snapshot
    // carries their effect, and the peer sends what the claim does not cover once the pull is over.
    if (state.snapshot) return;
    this.#acks.heldBy(state, entries);
    const outcome = ctx.port.applyChanges(entries, { durable: false, from: peer });
    state.metrics.applied += outcome.stored.length;
    state.metrics.duplicates += outcome.duplicates;
    state.metrics.parked += outcome.parked;
    if (ctx.log.debugging) {
      const { stored, duplicates, parked, refused } = outcome;
      ctx.log.debug(
        peer,
        'entries',
        `${entries.length} received: ${stored.length} new, ${duplicates} held already, ${parked} parked, ${refused.length} refused`,
      );
    }
    if (outcome.refused.length > 0) reportRefusals(ctx, state, outcome.refused, entries.length, 'entries');
    this.#acks.owe(peer);
    this.#missing.request(state);
  }
}
