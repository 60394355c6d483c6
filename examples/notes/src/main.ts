/**
 * One device of the notes app, syncing with another machine on the LAN (the README's quick start).
 *
 *   npx tsx src/main.ts Laptop                                        (prints an invite)
 *   NOTES_INVITE='<invite>' npx tsx src/main.ts Phone 192.168.1.20:7420  (on the second machine)
 */
import { inviteOf, loadIdentity } from './identity.js';
import { listNotes, openNotes, syncNotes, writeNote } from './notes.js';

// On the laptop: `npx tsx src/main.ts Laptop`; it prints an invite.
// On the phone:  NOTES_INVITE='<invite>' npx tsx src/main.ts Phone 192.168.1.20:7420
const [name = 'Laptop', ...peers] = process.argv.slice(2);
const identity = loadIdentity('data', process.env['NOTES_INVITE']);
const notes = await openNotes('data', identity, name);
writeNote(notes, `Hello from ${name}`, new Date().toISOString());

// host 0.0.0.0: other machines on the LAN may connect (the default, 127.0.0.1, takes this machine only).
await syncNotes(notes, identity, { host: '0.0.0.0', port: 7420, peers });
console.log(`invite: ${inviteOf(identity)}`);
setInterval(async () => console.log((await listNotes(notes)).map((note) => note.title)), 2000);
