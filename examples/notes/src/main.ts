/**
 * One device of the notes app, syncing with another machine on the LAN (the README's quick start).
 *
 *   npx tsx src/main.ts Laptop                                   (prints an invite code)
 *   npx tsx src/main.ts Phone 'syncgen-invite-1.…'               (on the second machine)
 */
import { networkInterfaces } from 'node:os';
import { loadIdentity } from './identity.js';
import { inviteDevice, openNotes, syncNotes, writeNote } from './notes.js';
import { bindView } from './view.js';

const [name = 'Laptop', invite] = process.argv.slice(2);
const identity = loadIdentity('data', invite);
const notes = await openNotes('data', identity, name);
writeNote(notes, `Hello from ${name}`, new Date().toISOString());

// host 0.0.0.0: other machines on the LAN may connect (the default, 127.0.0.1, takes this machine only).
const { sync, transport } = await syncNotes(notes, { host: '0.0.0.0', port: 7420 });
// The "UI": the notes as they change, on this device or another; the sync status; a first sync's progress.
bindView(notes, sync, {
  list: (rows) => console.log(rows.map((note) => `${note.pinned ? '📌 ' : ''}${note.title}`).join(' | ')),
  status: (line) => console.log(`[${line}]`),
  progress: (percent, secondsLeft) => console.log(`first sync ${percent}%${secondsLeft === null ? '' : `, ${secondsLeft} s left`}`),
});
if (invite) {
  await transport.redeem(invite); // the inviting device checks the code and admits this one
} else {
  const lan =
    Object.values(networkInterfaces())
      .flat()
      .find((address) => address?.family === 'IPv4' && !address.internal)?.address ?? '127.0.0.1';
  console.log(`invite (valid 10 minutes, once): ${inviteDevice(notes, `${lan}:7420`)}`);
}
