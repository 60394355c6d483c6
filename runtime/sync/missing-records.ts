/**
 * Missing records: entries parked for a record this device does not hold make it ask peers for
 * that record (after a batch that parked, and on each heartbeat while any are parked; each record
 * once per connection, again when an answer is overdue). Peers answer with snapshot records.
 */
import type { SnapshotRecord } from '../core/snapshot-record.js';
import { mergeRecords } from './merge-records.js';
import type { PeerState } from './peer-state.js';
import type { SyncContext } from './sync-context.js';

const MAX_RECORD_REQUEST = 256;

export class MissingRecords {
  readonly #ctx: SyncContext;

  constructor(ctx: SyncContext) {
    this.#ctx = ctx;
  }

  /** Asks the peer for records that parked entries wait for, if any. */
  request(state: PeerState): void {
    const { port, scheduler } = this.#ctx;
    if (port.parkedCount === 0) return;
    const now = scheduler.now();
    const missing = port
      .missingRecords()
      .filter((item) => now - (state.requested.get(`${item.model}:${item.record}`) ?? -Infinity) > this.#ctx.answerTimeoutMs())
      .slice(0, MAX_RECORD_REQUEST);
    if (missing.length === 0) return;
    for (const item of missing) state.requested.set(`${item.model}:${item.record}`, now);
    this.#ctx.send(state.id, { type: 'RecordRequest', records: missing });
  }

  /** RecordRequest: the records the peer misses, as snapshot records. */
  answer(peer: string, records: readonly { model: number; record: string }[]): void {
    this.#ctx.send(peer, { type: 'RecordResponse', records: this.#ctx.port.snapshotRecords(records.slice(0, MAX_RECORD_REQUEST)) });
  }

  /** RecordResponse: merge what arrived; parked changes waiting for it apply. */
  receive(peer: string, records: readonly SnapshotRecord[]): void {
    const state = this.#ctx.peer(peer);
    mergeRecords(this.#ctx, state, records);
    for (const record of records) state.requested.delete(`${record.model}:${record.record}`);
  }
}
