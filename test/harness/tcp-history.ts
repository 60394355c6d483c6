/**
 * The whole-device histories over real TCP on loopback, in real time: the same commands as on
 * the simulated network, with frame drops, duplicates and delays from a fault-injecting wrapper,
 * partitions as black holes between groups, crashes and restarts from files on the same port,
 * clock offsets and late joins. `advance` waits a twentieth of its virtual time, at most 100 ms.
 * Every device is a member of every other (as pairing would make them), a late joiner included:
 * it is added to the live devices and they to it, and a device that restarts is told of every
 * device it missed while it was down.
 */
import { syncPortOf } from '../../runtime/library/library.js';
import { PeerSync } from '../../runtime/sync/peer-sync.js';
import { createTcpTransport } from '../../runtime/transports/tcp/index.js';
import { FaultyTransport } from '../support/faulty-transport.js';
import { closeReaders, DEVICES, openDevice, temporaryDirectory } from '../support/libraries.js';
import { sameVectors, TEST_SYNC_OPTIONS, waitFor, type Device } from '../support/sync-harness.js';
import { executeHistory, problemCollector, snapshotLagFor, type Command, type FleetDriver, type HistoryResult } from './fleet-history.js';

interface TcpMember extends Device {
  port: number;
  faulty: FaultyTransport;
}

export async function runTcpHistory({ seed, devices, commands }: { seed: number; devices: number; commands: readonly Command[] }): Promise<HistoryResult> {
  const { problems, log } = problemCollector();
  const offsets = new Map<string, number>();
  const members: TcpMember[] = [];
  /** Every device's key fingerprint, once it first started (a restart keeps its key). */
  const fingerprints = new Map<string, string>();
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
    fingerprints.set(id, library.credentials.fingerprint);
    for (const [other, fingerprint] of fingerprints) if (other !== id) library.members.add(other, fingerprint);
    for (const member of live()) if (member.id !== id) member.library.members.add(id, library.credentials.fingerprint);
    const tcp = createTcpTransport({
      library,
      listen: { host: '127.0.0.1', port },
      peers: members.slice(0, index).map((member) => `127.0.0.1:${member.port}`),
      reconnectBaseMs: 20,
      reconnectMaxMs: 200,
    });
    const faulty = new FaultyTransport(tcp, seed + index);
    const sync = new PeerSync(syncPortOf(library), {
      ...TEST_SYNC_OPTIONS,
      heartbeatMs: 100,
      retryBaseMs: 50,
      retryMaxMs: 1000,
      pruneEveryMs: 500,
      retentionMs: 30_000,
      snapshotLag: snapshotLagFor(seed),
      log,
      transport: faulty,
    });
    await sync.start();
    return { id, dir, library, sync, transport: faulty, faulty, port: tcp.address().port };
  };
  const stop = async (member: TcpMember) => {
    await member.sync.stop();
    closeReaders(member.library);
    member.library.close();
  };
  const find = (id: string) => members.find((member) => member.id === id)!;
  const live = () => members.filter((member) => !member.library.closed);

  const driver: FleetDriver = {
    devices: () => members,
    // Real time: a twentieth of the virtual time, at most 100 ms.
    advance: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(100, Math.ceil(ms / 20)))),
    setFaults: ({ drop, duplicate, maxDelayMs }) => {
      faults = { drop, duplicate, maxDelayMs: Math.ceil(maxDelayMs / 10) };
      applyFaults();
    },
    partition: (groups) => {
      partition = groups;
      applyFaults();
    },
    crash: (id) => stop(find(id)),
    restart: async (id) => {
      const member = find(id);
      const index = members.indexOf(member);
      members[index] = await start(id, member.dir, member.port, index);
      applyFaults();
      return members[index]!;
    },
    join: async (id) => {
      const member = await start(id, temporaryDirectory('tcp-fleet'), 0, members.length);
      members.push(member);
      applyFaults();
      return member;
    },
    setClockOffset: (id, offsetMs) => offsets.set(id, offsetMs),
    settle: (maxMs) => waitFor(() => sameVectors(live()), maxMs),
    // Heartbeats go every 100 ms: wait for several, so every device has acked what it holds.
    exchangeVectors: () => new Promise((resolve) => setTimeout(resolve, 1000)),
    close: async () => {
      for (const member of live()) await stop(member);
    },
  };
  for (const id of DEVICES.slice(0, devices)) await driver.join(id);
  return executeHistory(driver, commands, problems, 30_000);
}
