/**
 * Reporting what this device refused of a peer's message: per kind (error code), counted, logged
 * with the peer and told to it once, with the first error. Entries or records in this device's own
 * name and equivocations have counters of their own; an equivocation's report names the peer.
 */
import { EquivocationError, type SyncError, type SyncErrorCode } from '../core/errors.js';
import type { PeerState } from './peer-state.js';
import type { SyncContext } from './sync-context.js';

/** `refused` of `total` items (`what`: 'entries', 'snapshot records') of one message from the peer. */
export function reportRefusals(ctx: SyncContext, state: PeerState, refused: readonly { readonly error: SyncError }[], total: number, what: string): void {
  const byCode = new Map<SyncErrorCode, SyncError[]>();
  for (const { error } of refused) {
    const errors = byCode.get(error.code);
    if (errors) errors.push(error);
    else byCode.set(error.code, [error]);
  }
  for (const [code, errors] of byCode) {
    let first = errors[0]!;
    if (code === 'own-origin') state.metrics.ownOrigin += errors.length;
    if (code === 'equivocation') {
      state.metrics.equivocations += errors.length;
      if (first instanceof EquivocationError) first = new EquivocationError(first.origin, first.seq, first.held, first.received, state.id);
    }
    ctx.refuse(state.id, code, `${errors.length} of ${total} ${what} refused; first: ${first.message}`, errors.length);
  }
}
