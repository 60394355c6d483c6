/**
 * Model lists (the Models message): which models a device serves snapshot pages of: its schema's,
 * parents first, and the models of newer schemas it holds records of. A snapshot puller asks its
 * peer for the list (with its own) once the pages of its own models are answered; the peer answers
 * with its list.
 *
 * Why: a snapshot pull asks for pages model by model, then claims the vector the pages reflect. A
 * device on an older schema that asked only for its own models would claim past the entries of
 * models only its peer knows (pruned there: their effect is in the peer's records alone) and lose
 * them, for itself, for every device that catches up from it, and for its own upgrade. So a puller
 * asks for its own models first (parents before children), then for the peer's it does not know;
 * it holds their records whole (`merge/held-records.ts`) and serves them in turn.
 *
 * Why asked then, not sent on connect: what a peer holds of newer schemas grows while it is
 * connected (when it pulls a snapshot itself), so a list from the connection's start may be out of
 * date. A list given after every own page it served names each model whose entries those pages'
 * vectors (and so the claim, their minimum at most) can reflect. A connection costs no frame more.
 */
import type { PeerModelList, PeerState } from './peer-state.js';
import type { SyncContext } from './sync-context.js';
import type { SyncPort } from './sync-port.js';

export class PeerModels {
  readonly #ctx: SyncContext;
  readonly #listed: (state: PeerState) => void;

  /** `listed`: a peer's list came (a pull waiting for it goes on). */
  constructor(ctx: SyncContext, listed: (state: PeerState) => void) {
    this.#ctx = ctx;
    this.#listed = listed;
  }

  /** Sends this device's list to a peer: with `request`, asking for the peer's (a puller); else answering. */
  send(state: PeerState, request = false): void {
    const { port } = this.#ctx;
    this.#ctx.send(state.id, { type: 'Models', known: port.modelIds, held: port.heldModelIds(), request });
  }

  /** Models: the peer's list, kept for this connection (its pull's last model: `lastPulled`); a request is answered with this device's. */
  received(peer: string, known: readonly number[], held: readonly number[], request: boolean): void {
    const ctx = this.#ctx;
    if (!ctx.live) return;
    const state = ctx.peer(peer);
    state.models = { known, held };
    if (request) this.send(state);
    this.#listed(state);
  }
}

/** The models a device pulls from a peer, in order: its own (parents first), then the peer's it does not know. */
export function pullOrder(own: readonly number[], peer: PeerModelList): number[] {
  const mine = new Set(own);
  return [...own, ...[...peer.known, ...peer.held].filter((model) => !mine.has(model))];
}

/** The last model a peer pulling from this device asks for: by its list, which it sends when it asks for this device's (before that, this device's own last). */
export function lastPulled(port: SyncPort, state: PeerState): number | undefined {
  if (state.models === null) return port.modelIds.at(-1);
  return pullOrder(state.models.known, { known: port.modelIds, held: port.heldModelIds() }).at(-1);
}
