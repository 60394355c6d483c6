/**
 * Membership gossip: the library's member set (`core/member-record.ts`) travels whole, apart from
 * the log. A device sends its whole set to each peer that connects, and to every connected peer
 * after each change of it (made here, or merged from a peer); what it receives it merges.
 *
 * The set is a state-based CRDT, so sending it whole is all the protocol there is: no acks, no
 * resend, no order. A lost message is made good by the next change or connection, and a merge
 * that changes nothing notifies nothing, so gossip stops once every device holds the same set
 * (each change crosses each link at most a few times: there and, merged with more, back).
 */
import type { MemberRecord } from '../core/member-record.js';
import type { PeerState } from './peer-state.js';
import type { SyncContext } from './sync-context.js';

export class Membership {
  readonly #ctx: SyncContext;
  #unsubscribe: (() => void) | null = null;

  constructor(ctx: SyncContext) {
    this.#ctx = ctx;
  }

  /** Listens to the library's membership: each change goes to every connected peer. */
  start(): void {
    const ctx = this.#ctx;
    this.#unsubscribe = ctx.port.onMembersChanged(() => {
      if (!ctx.live) return;
      // One frame for every peer: the same bytes, encoded once.
      const peers = ctx.connectedPeers();
      if (peers.length === 0) return;
      const frame = ctx.encode({ type: 'Members', members: ctx.port.members() });
      for (const peer of peers) ctx.guard(peer.id, 'members', () => ctx.sendFrame(peer.id, 'Members', frame));
    });
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  /** A peer connected: it gets the whole set, whatever it had before (it may have lost it, or missed a change). */
  send(state: PeerState): void {
    this.#ctx.send(state.id, { type: 'Members', members: this.#ctx.port.members() });
  }

  /** Members: merged; a change is broadcast by the port's notice (`start`), to this peer too, which may lack some of it. */
  received(peer: string, members: readonly MemberRecord[]): void {
    const ctx = this.#ctx;
    if (!ctx.live) return;
    const state = ctx.peer(peer);
    state.metrics.membersReceived += 1;
    if (ctx.port.mergeMembers(members)) {
      state.metrics.membersChanged += 1;
      ctx.info(peer, 'membership changed', `merged ${members.length} member record(s) from the peer`);
    }
  }
}
