/**
 * Two devices of one user's notes library — a laptop and a phone — syncing over TCP on this
 * machine. Each edits while connected; the phone writes offline, then reconnects; the run ends
 * when both hold the same notes (the same digest of every synced table) and exits 1 if they do
 * not within 20 s.
 *
 *   npm start [data directory]          (in examples/notes; default: a new temporary directory)
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bookmarkNote, editNote, inviteDevice, listNotes, openBookmark, openNotes, syncNotes, writeNote, type Identity, type Notes } from './notes.js';
import { bindView } from './view.js';

const dataDir = process.argv[2] ?? mkdtempSync(path.join(tmpdir(), 'syncgen-notes-'));

// The laptop creates the library. The phone joins with an invite the laptop makes (in a real app,
// shown as a QR code or copied): it carries the library id, and the phone makes its own device id.
const laptopId: Identity = { libraryId: randomUUID(), deviceId: randomUUID() };
const laptop = await openNotes(path.join(dataDir, 'laptop'), laptopId, 'Laptop');
const laptopSync = await syncNotes(laptop, { port: 0 });
const invite = inviteDevice(laptop, `127.0.0.1:${laptopSync.port}`);

const phoneId: Identity = { libraryId: laptopId.libraryId, deviceId: randomUUID() };
const phone = await openNotes(path.join(dataDir, 'phone'), phoneId, 'Phone');
let phoneSync = await syncNotes(phone, { port: 0 });
await phoneSync.transport.redeem(invite); // the laptop admits the phone; they sync from now on
console.log(`✓ the phone joined: members ${laptop.members.list().length} on the laptop`);

// The laptop's "UI": its notes list and sync status, kept current by a live query and status events.
const shown = { titles: [] as string[], status: '' };
const unbind = bindView(laptop, laptopSync.sync, {
  list: (rows) => {
    shown.titles = rows.map((note) => note.title);
  },
  status: (line) => {
    shown.status = line;
  },
  progress: () => {},
});

const groceries = writeNote(laptop, 'Groceries', 'eggs, flour');
const ideas = writeNote(phone, 'Ideas', 'a sync framework');
await converged('both devices wrote a note');

// Concurrent edits of different fields of one note: both survive, on both devices.
editNote(laptop, groceries, { body: 'eggs, flour, milk' });
editNote(phone, groceries, { pinned: true });
const bookmark = bookmarkNote(phone, ideas, 'read later');
await converged('concurrent edits of one note');

// The phone goes offline and keeps working; its changes reach the laptop when it comes back.
await phoneSync.sync.stop();
editNote(phone, ideas, { title: 'Ideas (from the train)' });
openBookmark(phone, bookmark);
writeNote(laptop, 'Meeting', 'Thursday 10:00');
phoneSync = await syncNotes(phone, { port: 0, peers: [`127.0.0.1:${laptopSync.port}`] });
await converged('the phone came back online');

for (const [name, notes] of [
  ['laptop', laptop],
  ['phone', phone],
] as const) {
  console.log(`${name}: ${(await listNotes(notes)).map((note) => `${note.pinned ? '📌 ' : ''}${note.title} (${note.body})`).join(', ')}`);
}
console.log(`bookmark opened ${phone.get('bookmark', bookmark)?.openCount} time(s) on the phone, ${laptop.get('bookmark', bookmark)?.openCount} on the laptop`);
await until(() => shown.titles.length === 3 && shown.status.startsWith('in sync'), 'the view shows every note, in sync');
console.log(`the laptop's view: ${shown.titles.join(', ')} [${shown.status}]`);
unbind();

await phoneSync.sync.stop();
await laptopSync.sync.stop();
phone.close();
laptop.close();
console.log(`converged; data in ${dataDir}`);

/** Waits until both devices hold the same data; exits 1 if they do not within 20 s. */
async function converged(step: string, devices: readonly Notes[] = [laptop, phone]): Promise<void> {
  await until(() => new Set(devices.map((notes) => notes.digest())).size === 1, `${step}: the devices converge`);
  console.log(`✓ ${step}: both devices hold the same data (digest ${laptop.digest().slice(0, 12)})`);
}

/** Waits for `done`; exits 1 when it does not hold within 20 s. */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!done()) {
    if (Date.now() > deadline) {
      console.error(`${what}: not within 20 s`);
      process.exit(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
