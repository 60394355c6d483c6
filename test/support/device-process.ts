/**
 * A device in a process of its own, for tests that must show it survives what is thrown at it: a
 * library of the example schema and its sync engine over TCP, listening on loopback with the
 * default limits. Started by `startDeviceProcess`; it answers its parent over IPC (its vector, its
 * transport's stats, its engine's refusals per peer, its memory after a full collection), admits the
 * members its parent names (`admit`: a device id and its key's fingerprint) and opens an invite
 * (`invite`), and an exit of the process is the test's failure, whatever its cause.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { TcpStats } from '../../runtime/transports/tcp/index.js';
import { closeReaders } from './libraries.js';
import { tcpDevice } from './sync-harness.js';

export interface DeviceMemory {
  readonly heap: number;
  /** Memory of Buffers, outside the heap. */
  readonly buffers: number;
  readonly rss: number;
}

interface Answers {
  vector: [string, number][];
  stats: TcpStats;
  refused: Record<string, number>;
  connected: string[];
  memory: DeviceMemory;
  admit: null;
  invite: null;
  stop: null;
}

type Question = keyof Answers;

/** What a question carries: for `admit`, the device and its key's fingerprint. */
interface Arguments {
  admit: { readonly device: string; readonly fingerprint: string };
}

type Asked = { [Q in Question]: { id: number; question: Q; argument: Q extends keyof Arguments ? Arguments[Q] : undefined } }[Question];

/** The parent's handle on a device process. */
export class DeviceProcess {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, { resolve: (answer: unknown) => void; reject: (error: Error) => void }>();
  #next = 0;
  /** Set when the process exited: how, for the failure message. */
  exited: string | null = null;

  constructor(
    child: ChildProcess,
    readonly port: number,
    /** The library's file, for reading its synced state. */
    readonly file: string,
    /** The device's key fingerprint, for its peers' membership. */
    readonly fingerprint: string,
  ) {
    this.#child = child;
    child.on('message', (message: { id: number; answer: unknown }) => {
      this.#waiting.get(message.id)?.resolve(message.answer);
      this.#waiting.delete(message.id);
    });
    child.on('exit', (code, signal) => {
      this.exited = `exited with code ${code} (signal ${signal})`;
      for (const { reject } of this.#waiting.values()) reject(new Error(`the device process ${this.exited}`));
      this.#waiting.clear();
    });
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  ask<Q extends Question>(question: Q, ...argument: Q extends keyof Arguments ? [Arguments[Q]] : []): Promise<Answers[Q]> {
    if (this.exited) return Promise.reject(new Error(`the device process ${this.exited}`));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (answer: unknown) => void, reject });
      this.#child.send({ id, question, argument: argument[0] });
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exit = new Promise((resolve) => this.#child.once('exit', resolve));
    await this.ask('stop').catch(() => {});
    await exit;
  }
}

const script = fileURLToPath(import.meta.url);

/** Forks a device process (`deviceId`) and resolves once it listens. */
export function startDeviceProcess(deviceId: string): Promise<DeviceProcess> {
  return new Promise((resolve, reject) => {
    // The parent's loader flags (tsx, the source condition) carry over with execArgv.
    const child = fork(script, ['--device', deviceId], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (message: { port: number; file: string; fingerprint: string }) =>
      resolve(new DeviceProcess(child, message.port, message.file, message.fingerprint)),
    );
    child.once('exit', (code) => reject(new Error(`the device process exited with code ${code} before it listened`)));
  });
}

/** In the device process: run the device and answer the parent. */
async function runDevice(deviceId: string): Promise<void> {
  v8.setFlagsFromString('--expose-gc');
  const collect = vm.runInNewContext('gc') as () => void;
  const device = await tcpDevice(deviceId);
  const answer = async ({ question, argument }: Asked): Promise<unknown> => {
    switch (question) {
      case 'vector':
        return [...device.library.outbox.cursors()];
      case 'stats':
        return device.transport.stats();
      case 'refused':
        return Object.fromEntries(Object.entries(device.sync.metrics().peers).map(([peer, metrics]) => [peer, metrics.refused]));
      case 'connected':
        return device.sync.connectedPeers();
      case 'memory': {
        collect();
        collect();
        const { heapUsed, arrayBuffers, rss } = process.memoryUsage();
        return { heap: heapUsed, buffers: arrayBuffers, rss } satisfies DeviceMemory;
      }
      case 'admit':
        device.library.members.add(argument.device, argument.fingerprint);
        return null;
      case 'invite':
        device.library.members.invite({ address: `127.0.0.1:${device.transport.address().port}` });
        return null;
      case 'stop':
        await device.sync.stop();
        closeReaders(device.library);
        device.library.close();
        return null;
    }
  };
  process.on('message', (message: Asked) => {
    void answer(message).then((result) => {
      process.send!({ id: message.id, answer: result });
      if (message.question === 'stop') process.disconnect();
    });
  });
  process.send!({ port: device.transport.address().port, file: device.library.file, fingerprint: device.library.credentials.fingerprint });
}

const at = process.argv.indexOf('--device');
if (at > 0 && process.send) await runDevice(process.argv[at + 1]!);
