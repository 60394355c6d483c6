/**
 * The whole-device histories over real TCP on loopback, in real time: the same commands as on
 * the simulated network, with frame drops, duplicates and delays from a fault-injecting wrapper,
 * partitions as black holes between groups, crashes and restarts from files on the same port,
 * clock offsets and late joins. `advance` waits a twentieth of its virtual time, at most 100 ms.
 */
import { registry } from '../../generated/index.js';
import type { ChangeEntry } from '../../runtime/change-entry.js';
import { PeerSync } from '../../runtime/peer-sync.js';
import { createTcpTransport } from '../../runtime/transports/tcp.js';
import { FaultyTransport } from '../support/faulty-transport.js';
import { closeReaders, DEVICES, LIBRARY_ID, openDevice, temporaryDirectory } from '../support/libraries.js';
import { applyRandomWrite } from '../support/random-writes.js';
import { sameVectors, TEST_SYNC_OPTIONS, waitFor, type Device } from '../support/sync-harness.js';
import { problemCollector, type Command, type HistoryResult } from './fleet-history.js';

interface TcpMember extends Device {
  port: number;
  faulty: FaultyTransport;
}

export async function runTcpHistory({ seed, devices, commands }: { seed: number; devices: number; commands: readonly Command[] }): Promise<HistoryResult> {
  const { problems, log } = problemCollector();
  const committed: ChangeEntry[] = [];
  const offsets = new Map<string, number>();
  const members: TcpMember[] = [];
  let partition: string[][] | null = null;
  let faults = { drop: 0, duplicate: 0, maxDelayMs: 0 };

  const applyFaults = () => {
    for (const member of members) {
      const group = partition?.find((candidate) => candidate.includes(member.id));
      member.faulty.faults = { ...faults, reachable: partition ? new Set(group ?? []) : null };
    }
  };

  const start = async (id: string, dir: string, port: number, index: number): Promise<TcpMember> => {
    const library = await openDevice(id, { dir, now: () => Date.now() + (offsets.get(id) ?? 0) });
    const tcp = createTcpTransport({
      deviceId: id,
      libraryId: LIBRARY_ID,
      schemaHash: registry.schemaHash,
      secret: 'library secret',
      listen: { host: '127.0.0.1', port },
      peers: members.slice(0, index).map((member) => `127.0.0.1:${member.port}`),
      reconnectBaseMs: 20,
      reconnectMaxMs: 200,
    });
    const faulty = new FaultyTransport(tcp, seed + index);
    const sync = new PeerSync(library, { ...TEST_SYNC_OPTIONS, heartbeatMs: 100, retryBaseMs: 50, retryMaxMs: 1000, pruneEveryMs: 500, retentionMs: 30_000, log, transport: faulty });
    library.outbox.subscribe((entries) => committed.push(...entries.filter((entry) => entry.origin === id)));
    await sync.start();
    return { id, dir, library, sync, transport: faulty, faulty, port: tcp.address().port };
  };

  const add = async (id: string) => {
    const member = await start(id, temporaryDirectory('tcp-fleet'), 0, members.length);
    members.push(member);
    applyFaults();
  };
  const crash = async (member: TcpMember) => {
    await member.sync.stop();
    closeReaders(member.library);
    member.library.close();
  };
  const restart = async (member: TcpMember) => {
    const index = members.indexOf(member);
    members[index] = await start(member.id, member.dir, member.port, index);
    applyFaults();
  };
  const live = () => members.filter((member) => !member.library.closed);
  const pick = (index: number) => members[index % members.length]!;

  for (const id of DEVICES.slice(0, devices)) await add(id);
  for (const item of commands) {
    switch (item.kind) {
      case 'write': {
        const member = pick(item.device);
        if (!member.library.closed) for (const write of item.writes) applyRandomWrite(member.library, write);
        break;
      }
      case 'advance':
        await new Promise((resolve) => setTimeout(resolve, Math.min(100, Math.ceil(item.ms / 20))));
        break;
      case 'faults':
        faults = { drop: item.drop, duplicate: item.duplicate, maxDelayMs: Math.ceil(item.maxDelayMs / 10) };
        applyFaults();
        break;
      case 'partition': {
        const groups: string[][] = [[], [], []];
        members.forEach((member, index) => groups[item.groups[index % item.groups.length]!]!.push(member.id));
        partition = groups.filter((group) => group.length > 0);
        applyFaults();
        break;
      }
      case 'heal':
        partition = null;
        applyFaults();
        break;
      case 'crash': {
        const member = pick(item.device);
        if (!member.library.closed && live().length > 1) await crash(member);
        break;
      }
      case 'restart': {
        const member = pick(item.device);
        if (member.library.closed) await restart(member);
        break;
      }
      case 'clock':
        offsets.set(pick(item.device).id, item.offsetMs);
        break;
      case 'join':
        if (members.length < DEVICES.length) await add(DEVICES[members.length]!);
        break;
    }
  }

  partition = null;
  faults = { drop: 0, duplicate: 0, maxDelayMs: 0 };
  applyFaults();
  for (const member of [...members]) if (member.library.closed) await restart(member);
  const quiet = await waitFor(() => sameVectors(live()), 30_000);
  if (!quiet) throw new Error(`the TCP fleet did not become quiet in 30 s: ${live().map((member) => JSON.stringify([...member.library.outbox.cursors()])).join(' | ')}`);
  await new Promise((resolve) => setTimeout(resolve, 500));
  return {
    devices: live(),
    committed,
    problems,
    close: async () => {
      for (const member of live()) await crash(member);
    },
  };
}
