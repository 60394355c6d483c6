/**
 * One device of the example, as its own OS process: a library in its own directory, syncing over
 * TCP on loopback. The orchestrator (`three-devices.ts`) drives it over IPC: which peers to dial,
 * invites for new devices, which scripted changes to make, when to go offline, and to report its
 * state. It starts either as a library's first device (a library id), as a new device with an
 * invite code (it joins by redeeming it), or again from its own files. It listens as an app with a
 * UI would: a change listener counts what each commit changed and where it came from, a live query
 * keeps the shared tags current, and a long catch-up draws a progress bar.
 */
import { registry } from '../generated/index.js';
import { openLibrary, parseInvite, startSync, type ChangeSource, type PeerSync } from 'syncgen';
import { createTcpTransport } from 'syncgen/transports/tcp';
import { drawProgress } from './progress-bar.js';
import { scripts, type Script } from './device-scripts.js';

export type Command =
  | { readonly cmd: 'connect'; readonly peers: readonly string[] }
  | { readonly cmd: 'invite' }
  | { readonly cmd: 'run'; readonly script: Script; readonly ids: Record<string, string> }
  | { readonly cmd: 'offline' }
  | { readonly cmd: 'state' }
  | { readonly cmd: 'tags' }
  | { readonly cmd: 'exit' };

/** A shared tag as the live query keeps it. */
export interface TagRow {
  readonly name: string;
  readonly description: string | null;
  readonly color: string | null;
  readonly icon: string | null;
}

export type Reply =
  | { readonly reply: 'ready'; readonly port: number; readonly libraryId: string; readonly joinedVia: string | null }
  | { readonly reply: 'invite'; readonly code: string }
  | { readonly reply: 'done'; readonly ids: Record<string, string> }
  | {
      readonly reply: 'state';
      readonly digest: string;
      readonly vector: Record<string, number>;
      readonly counts: Record<string, number>;
      readonly parked: number;
      readonly peers: number;
      /** Notices of the change feed, by source, and the records they named. */
      readonly heard: Partial<Record<ChangeSource['kind'], { notices: number; records: number }>>;
    }
  | { readonly reply: 'tags'; readonly tags: readonly TagRow[] }
  | { readonly reply: 'error'; readonly message: string };

const [name, deviceId, dir] = process.argv.slice(2) as [string, string, string];
// A new device has only the invite; the library id is in it.
const invite = process.env.SYNCGEN_INVITE;
const libraryId = invite ? parseInvite(invite).libraryId : process.env.SYNCGEN_LIBRARY_ID!;

const send = (reply: Reply) => process.send!(reply);
const library = await openLibrary({ dir, libraryId, deviceId, registry });

// What a UI listens to: every commit's changes (here counted by source), and a live query of the shared tags.
const heard: Extract<Reply, { reply: 'state' }>['heard'] = {};
library.onChange(({ source, models }) => {
  const count = heard[source.kind] ?? { notices: 0, records: 0 };
  heard[source.kind] = count;
  count.notices += 1;
  for (const changes of Object.values(models)) count.records += changes.created.length + changes.updated.length + changes.deleted.length;
});
let tags: readonly TagRow[] = [];
library.watch(library.db.selectFrom('tag').select(['name', 'description', 'color', 'icon']).orderBy('createdAt'), (rows) => {
  tags = rows;
});

const transport = createTcpTransport({ library, listen: { host: '127.0.0.1', port: 0 }, reconnectBaseMs: 50, reconnectMaxMs: 1000 });
let sync: PeerSync | null = await startSync(library, {
  transport,
  heartbeatMs: 250,
  retryBaseMs: 200,
  // Logs go to the library's logger: warnings and errors by default, debug lines too with DEBUG=syncgen.
});
// A catch-up of more than a few hundred changes draws a progress bar.
sync.onProgress((progress) => drawProgress(name, progress));
// Joining: the inviter checks the invite's one-time token and admits this device's key.
const joinedVia = invite ? await transport.redeem(invite) : null;
send({ reply: 'ready', port: transport.address().port, libraryId, joinedVia });

process.on('message', async (command: Command) => {
  try {
    switch (command.cmd) {
      case 'connect':
        for (const address of command.peers) transport.connect(address);
        break;
      case 'invite':
        send({ reply: 'invite', code: library.members.invite({ address: `127.0.0.1:${transport.address().port}`, ttlMs: 60_000 }).code });
        break;
      case 'run':
        send({ reply: 'done', ids: scripts[command.script](library, command.ids) });
        break;
      case 'offline':
        await sync?.stop();
        sync = null;
        send({ reply: 'done', ids: {} });
        break;
      case 'state': {
        const counts: Record<string, number> = {};
        for (const adapter of registry.dependencyOrder) {
          const rows = await library.db
            .selectFrom(adapter.table as 'tag')
            .select((eb) => eb.fn.countAll<number>().as('count'))
            .executeTakeFirstOrThrow();
          counts[adapter.name] = Number(rows.count);
        }
        send({
          reply: 'state',
          digest: library.digest(),
          vector: Object.fromEntries(library.outbox.cursors()),
          counts,
          parked: library.parkedCount,
          peers: sync?.connectedPeers().length ?? 0,
          heard,
        });
        break;
      }
      case 'tags':
        send({ reply: 'tags', tags });
        break;
      case 'exit':
        await sync?.stop();
        library.close();
        process.exit(0);
    }
  } catch (error) {
    send({ reply: 'error', message: (error as Error).stack ?? String(error) });
  }
});
