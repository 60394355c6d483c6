/**
 * Missing records: entries parked for a record this device does not hold make it ask peers for
 * that record (after a batch that parked, and on each heartbeat while any are parked; each record
 * once per connection, again when an answer is overdue). Peers answer with snapshot records.
 *
 * Only what was asked is merged: a record in a RecordResponse counts only when this device asked
 * that peer for it and still waits for it. A record asked for before and no longer awaited (a
 * duplicate, an answer to a retried request), or any record early on a new connection (it may
 * answer a request made before it), is late and dropped; any other record is unsolicited:
 * dropped, counted and reported. A response of nothing but such records is refused whole.
 */
import { UnsolicitedResponseError } from '../core/errors.js';
import type { SnapshotRecord } from '../core/snapshot-record.js';
import { mergeRecords } from './merge-records.js';
import { REQUEST_MEMORY, type PeerState } from './peer-state.js';
import type { SyncContext } from './sync-context.js';

const MAX_RECORD_REQUEST = 256;

const keyOf = (item: { model: number; record: string }) => `${item.model}:${item.record}`;

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
      .filter((item) => now - (state.requested.get(keyOf(item)) ?? -Infinity) > this.#ctx.answerTimeoutMs())
      .slice(0, MAX_RECORD_REQUEST);
    if (missing.length === 0) return;
    for (const item of missing) {
      const key = keyOf(item);
      state.requested.set(key, now);
      // Oldest first, bounded: a key asked again moves to the end.
      state.askedBefore.delete(key);
      state.askedBefore.add(key);
    }
    while (state.askedBefore.size > REQUEST_MEMORY) state.askedBefore.delete(state.askedBefore.values().next().value!);
    this.#ctx.send(state.id, { type: 'RecordRequest', records: missing });
  }

  /** RecordRequest: the records the peer misses, as snapshot records. */
  answer(peer: string, records: readonly { model: number; record: string }[]): void {
    this.#ctx.send(peer, { type: 'RecordResponse', records: this.#ctx.port.snapshotRecords(records.slice(0, MAX_RECORD_REQUEST)) });
  }

  /** RecordResponse: merge what was asked of this peer and is still missing; parked changes waiting for it apply. */
  receive(peer: string, records: readonly SnapshotRecord[]): void {
    const ctx = this.#ctx;
    const state = ctx.peer(peer);
    const stillMissing = new Set(ctx.port.missingRecords().map(keyOf));
    // Early on a connection, a record not asked for may answer a request made before it.
    const early = ctx.mayBeLate(state);
    const asked: SnapshotRecord[] = [];
    let late = 0;
    let unsolicited = 0;
    for (const record of records) {
      const key = keyOf(record);
      if (state.requested.has(key) && stillMissing.has(key)) {
        asked.push(record);
        // Once: a second copy of the record in this response is late.
        stillMissing.delete(key);
      } else if (state.askedBefore.has(key) || early) {
        state.requested.delete(key);
        late += 1;
      } else {
        unsolicited += 1;
      }
    }
    state.metrics.late += late;
    if (unsolicited > 0) {
      state.metrics.unsolicited += unsolicited;
      const what = asked.length + late === 0 ? 'a RecordResponse' : `${unsolicited} of the ${records.length} records of a RecordResponse`;
      const error = new UnsolicitedResponseError(peer, what);
      ctx.refuse(peer, error.code, error.message, unsolicited);
    }
    // Refused (a record broke a rule), the records are still awaited: asked again when the answer is overdue.
    if (asked.length > 0 && mergeRecords(ctx, state, asked, 'fetch')) for (const record of asked) state.requested.delete(keyOf(record));
  }
}
