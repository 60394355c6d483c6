/**
 * The notes app's data layer: one device's copy of the user's notes, on syncgen. It uses only
 * the package's public API and the code `syncgen generate` made from `schema/`.
 */
import { openLibrary, startSync, type Library, type PeerSync } from 'syncgen';
import { createTcpTransport, type TcpTransport } from 'syncgen/transports/tcp';
import { registry } from '../generated/index.js';

/** Who this device is, and which library it holds: see the README's "Pairing devices". */
export interface Identity {
  readonly libraryId: string;
  readonly deviceId: string;
}

export type Notes = Library<typeof registry>;

/** Opens this device's copy (`<dir>/library.db`, created on first use) and records the device in it. */
export async function openNotes(dir: string, identity: Identity, deviceName: string): Promise<Notes> {
  const notes = await openLibrary({ dir, libraryId: identity.libraryId, deviceId: identity.deviceId, registry });
  // Device is device-owned (stateBased): each device writes only its own record, keyed by its id.
  if (!notes.get('device', identity.deviceId)) notes.transact((tx) => tx.device.create({ name: deviceName }));
  return notes;
}

/**
 * Syncs with the other devices over TCP: accepts connections on `port` (0: any free port) and
 * dials `peers` (`host:port`). `host` `0.0.0.0` accepts connections from the LAN; the default,
 * `127.0.0.1`, only from this machine. Only the library's members may connect (`notes.members`).
 */
export async function syncNotes(
  notes: Notes,
  network: { readonly host?: string; readonly port: number; readonly peers?: readonly string[] },
): Promise<{ readonly sync: PeerSync; readonly transport: TcpTransport; readonly port: number }> {
  const transport = createTcpTransport({ library: notes, listen: { host: network.host ?? '127.0.0.1', port: network.port }, peers: network.peers ?? [] });
  const sync = await startSync(notes, { transport });
  return { sync, transport, port: transport.address().port };
}

/** A one-time code for a new device to join (show it as text or a QR code); it works for 10 minutes. */
export function inviteDevice(notes: Notes, address: string): string {
  return notes.members.invite({ address }).code;
}

/** Writes a note: every device may edit it; concurrent edits of different fields both survive. */
export function writeNote(notes: Notes, title: string, body: string): string {
  const now = new Date().toISOString();
  return notes.transact((tx) => tx.note.create({ title, body, createdAt: now, updatedAt: now })).id;
}

export function editNote(notes: Notes, id: string, fields: { readonly title?: string; readonly body?: string; readonly pinned?: boolean }): void {
  notes.transact((tx) => tx.note.update(id, { ...fields, updatedAt: new Date().toISOString() }));
}

/** Deletes a note; its bookmarks go with it on every device (`onDelete: cascade`). */
export function deleteNote(notes: Notes, id: string): void {
  notes.transact((tx) => tx.note.delete(id));
}

/** Bookmarks a note: the label is shared; the reading history stays with each device. */
export function bookmarkNote(notes: Notes, noteId: string, label: string): string {
  return notes.transact((tx) => tx.bookmark.create({ noteId, label })).id;
}

/** Records that this device opened a bookmarked note (perDevice fields: other devices keep their own). */
export function openBookmark(notes: Notes, bookmarkId: string): void {
  const bookmark = notes.get('bookmark', bookmarkId);
  if (!bookmark) return;
  notes.transact((tx) => tx.bookmark.update(bookmarkId, { openCount: bookmark.openCount + 1, lastOpenedAt: new Date().toISOString() }));
}

/** The notes, pinned first, then by title: a typed, read-only Kysely query. */
export function listNotes(notes: Notes): Promise<{ title: string; body: string; pinned: boolean }[]> {
  return notes.db.selectFrom('note').select(['title', 'body', 'pinned']).orderBy('pinned', 'desc').orderBy('title').execute();
}
