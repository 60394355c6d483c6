/**
 * What a UI shows of the notes library, kept current without polling: the list of notes (a live
 * query), whether this device is in sync (the sync status), and a long first sync's progress.
 */
import type { PeerSync, SyncStatus } from 'syncgen';
import type { Notes } from './notes.js';

export interface NotesView {
  list(notes: readonly { id: string; title: string; pinned: boolean }[]): void;
  status(line: string): void;
  progress(percent: number, secondsLeft: number | null): void;
}

/** Keeps `view` current; returns the function that stops it. */
export function bindView(notes: Notes, sync: PeerSync, view: NotesView): () => void {
  const stops = [
    notes.watch(notes.db.selectFrom('note').select(['id', 'title', 'pinned']).orderBy('pinned', 'desc').orderBy('title'), view.list),
    sync.onStatus((status) => view.status(describe(status))),
    sync.onProgress(({ received, total, remainingMs }) => {
      if (total) view.progress(Math.floor((100 * received) / total), remainingMs === null ? null : Math.ceil(remainingMs / 1000));
    }),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}

function describe(status: SyncStatus): string {
  const peers = Object.values(status.peers);
  const refused = peers.find((peer) => peer.connection.state === 'refused');
  if (refused?.connection.state === 'refused') return `refused: ${refused.connection.code}`;
  const connected = peers.filter((peer) => peer.connection.state === 'connected').length;
  if (connected === 0) return 'offline';
  return status.hasSynced ? `in sync with ${connected} device(s)` : `syncing: ${status.incomingLag} to receive, ${status.outgoingLag} to send`;
}
