/**
 * Sync metrics: per peer and in total. Counters only go up, and keep counting across a restart of
 * the engine on the same open library (`carried.ts`: every counter, the latency histogram and
 * `lastError`); `lag` is measured when the metrics are read. Everything here is plain data, so
 * `library.metrics()` can return it.
 */

/** Upper bounds (ms) of the broadcast latency buckets; the last bucket is everything above. */
export const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000] as const;

export interface LatencyHistogram {
  /** Per bucket of `LATENCY_BUCKETS_MS` (and one more, above the last bound), how many samples. */
  readonly counts: number[];
  count: number;
  sumMs: number;
  maxMs: number;
}

export interface PeerMetrics {
  /** Entries sent (resends included). */
  sent: number;
  /** Entries received. */
  received: number;
  /** Received entries that this device did not hold before. */
  applied: number;
  /** Received entries that this device held already (a resend, a relay of what another peer sent, a duplicated frame). */
  duplicates: number;
  /** Entries sent again because no ack covered them in time. */
  retried: number;
  /** Sends that failed or timed out. */
  failed: number;
  /** Received entries that wait for a record that has not arrived. */
  parked: number;
  /** Entries the peer acknowledged holding (by ack progress). */
  acked: number;
  /** Received entries or messages refused (malformed, from a non-owner, a clock beyond the drift bound...); the three below included. */
  refused: number;
  /** Entries, or snapshot records, the peer sent in this device's own name (refused: only this device writes its changes). */
  ownOrigin: number;
  /** Entries the peer sent that differ from the version held under the same origin and seq (refused; the held one kept). */
  equivocations: number;
  /** Responses, or records in them, that this device did not ask the peer for (refused, never merged). */
  unsolicited: number;
  /** Answers to a request answered already or no longer awaited (duplicates, retries), or early on a new connection: not merged. */
  late: number;
  /** Members messages received (the peer's whole membership, on connect and after each change). */
  membersReceived: number;
  /** Of those, the ones that changed this device's membership (a new member, a removal, a key conflict). */
  membersChanged: number;
  /** Entries this device holds that the peer has not acknowledged. */
  lag: number;
  lastError: string | null;
  /** Commit of a local change to the peer's ack of it. */
  readonly broadcastLatency: LatencyHistogram;
}

export interface SyncMetrics {
  readonly total: Omit<PeerMetrics, 'lastError'> & { lastError: string | null };
  readonly peers: Readonly<Record<string, PeerMetrics>>;
}

export function emptyHistogram(): LatencyHistogram {
  return { counts: Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0), count: 0, sumMs: 0, maxMs: 0 };
}

export function emptyPeerMetrics(): PeerMetrics {
  return {
    sent: 0,
    received: 0,
    applied: 0,
    duplicates: 0,
    retried: 0,
    failed: 0,
    parked: 0,
    acked: 0,
    refused: 0,
    ownOrigin: 0,
    equivocations: 0,
    unsolicited: 0,
    late: 0,
    membersReceived: 0,
    membersChanged: 0,
    lag: 0,
    lastError: null,
    broadcastLatency: emptyHistogram(),
  };
}

function recordLatency(histogram: LatencyHistogram, ms: number): void {
  const bucket = LATENCY_BUCKETS_MS.findIndex((bound) => ms <= bound);
  histogram.counts[bucket === -1 ? LATENCY_BUCKETS_MS.length : bucket]! += 1;
  histogram.count += 1;
  histogram.sumMs += ms;
  histogram.maxMs = Math.max(histogram.maxMs, ms);
}

const COUNTERS = [
  'sent',
  'received',
  'applied',
  'duplicates',
  'retried',
  'failed',
  'parked',
  'acked',
  'refused',
  'ownOrigin',
  'equivocations',
  'unsolicited',
  'late',
  'membersReceived',
  'membersChanged',
  'lag',
] as const;

/** The sum of every peer's metrics. */
export function totalOf(peers: readonly PeerMetrics[]): SyncMetrics['total'] {
  const total = emptyPeerMetrics();
  for (const peer of peers) {
    for (const key of COUNTERS) total[key] += peer[key];
    peer.broadcastLatency.counts.forEach((count, index) => {
      total.broadcastLatency.counts[index]! += count;
    });
    total.broadcastLatency.count += peer.broadcastLatency.count;
    total.broadcastLatency.sumMs += peer.broadcastLatency.sumMs;
    total.broadcastLatency.maxMs = Math.max(total.broadcastLatency.maxMs, peer.broadcastLatency.maxMs);
    total.lastError = peer.lastError ?? total.lastError;
  }
  return total;
}

/**
 * Broadcast latency: from the commit of this device's own entries to each peer's ack of them.
 * Commit times are kept until every connected peer acknowledged them.
 */
export class BroadcastLatency {
  /** Commit time of this device's own entries not yet acknowledged by every connected peer, by seq. */
  readonly #committedAt = new Map<number, number>();

  committed(seq: number, now: number): void {
    this.#committedAt.set(seq, now);
  }

  /** A peer acknowledged this device's entries `from + 1` to `to`. */
  acknowledged(histogram: LatencyHistogram, from: number, to: number, now: number): void {
    for (let seq = from + 1; seq <= to; seq += 1) {
      const committed = this.#committedAt.get(seq);
      if (committed !== undefined) recordLatency(histogram, now - committed);
    }
  }

  /** Every connected peer acknowledged up to `floor`: those commit times are no longer needed. */
  forgetUpTo(floor: number): void {
    for (const seq of this.#committedAt.keys()) if (seq <= floor) this.#committedAt.delete(seq);
  }
}
