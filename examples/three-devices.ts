/**
 * The example: three devices of one library, each an OS process with its own data directory,
 * syncing over TCP on loopback. The laptop creates the library; the desktop joins with an invite
 * the laptop made, the phone with one the desktop made. They make changes concurrently; one goes offline, keeps working,
 * shuts down, and comes back as a new process from its files, catching up with a progress bar. The
 * run shows who won the concurrent edit of a shared tag, checks that all three hold identical data
 * (the same digest of every synced table, the same version vector), what each device's change feed
 * heard, and ends with `syncgen inspect` of the laptop's library.
 *
 *   npm start            (or: npx tsx examples/three-devices.ts [data directory])
 *
 * Exit code 0 when the devices converged, 1 when they did not within the time limit.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command, Reply, TagRow } from './device-process.js';
import type { Script } from './device-scripts.js';

type StateReply = Extract<Reply, { reply: 'state' }>;

const here = path.dirname(fileURLToPath(import.meta.url));
const dataDir = path.resolve(process.argv[2] ?? path.join(here, 'data'));
let libraryId: string = randomUUID();
const CONVERGE_TIMEOUT_MS = 30_000;

class DeviceProcess {
  child!: ChildProcess;
  port = 0;
  readonly #waiting: ((reply: Reply) => void)[] = [];

  constructor(
    readonly name: string,
    readonly id: string,
  ) {}

  get dir(): string {
    return path.join(dataDir, this.name);
  }

  /** Starts the device: the library's first, a new one joining with `invite`, or again from its files. */
  async start(invite?: string): Promise<void> {
    this.child = fork(path.join(here, 'device-process.ts'), [this.name, this.id, this.dir], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...(invite ? { SYNCGEN_INVITE: invite } : { SYNCGEN_LIBRARY_ID: libraryId }) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (reply: Reply) => {
      if (reply.reply === 'error') {
        console.error(`[${this.name}] ${reply.message}`);
        process.exit(1);
      }
      this.#waiting.shift()?.(reply);
    });
    const ready = await this.#next();
    if (ready.reply !== 'ready') throw new Error(`${this.name} did not start`);
    this.port = ready.port;
    libraryId = ready.libraryId;
    const joined = ready.joinedVia ? `  joined, admitted by ${ready.joinedVia.slice(0, 8)}…` : '';
    console.log(`  ${this.name.padEnd(8)} device ${this.id.slice(0, 8)}…  pid ${this.child.pid}  listening on 127.0.0.1:${this.port}${joined}`);
  }

  /** A one-time invite code for a new device, made by this member. */
  async invite(): Promise<string> {
    this.#send({ cmd: 'invite' });
    const reply = await this.#next();
    if (reply.reply !== 'invite') throw new Error(`${this.name} made no invite`);
    return reply.code;
  }

  connect(peers: DeviceProcess[]): void {
    this.#send({ cmd: 'connect', peers: peers.map((peer) => `127.0.0.1:${peer.port}`) });
  }

  async run(script: Script, ids: Record<string, string> = {}): Promise<Record<string, string>> {
    this.#send({ cmd: 'run', script, ids });
    const reply = await this.#next();
    return reply.reply === 'done' ? reply.ids : {};
  }

  async offline(): Promise<void> {
    this.#send({ cmd: 'offline' });
    await this.#next();
  }

  async state(): Promise<StateReply> {
    this.#send({ cmd: 'state' });
    return (await this.#next()) as StateReply;
  }

  /** The shared tags, as the device's live query keeps them. */
  async tags(): Promise<readonly TagRow[]> {
    this.#send({ cmd: 'tags' });
    const reply = await this.#next();
    return reply.reply === 'tags' ? reply.tags : [];
  }

  async exit(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.#send({ cmd: 'exit' });
    await exited;
  }

  #send(command: Command): void {
    this.child.send(command);
  }

  #next(): Promise<Reply> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}

/** Polls the devices until they hold the same digest and vector, nothing parked. */
async function converged(devices: DeviceProcess[], step: string): Promise<StateReply[]> {
  const started = Date.now();
  for (;;) {
    const states = await Promise.all(devices.map((device) => device.state()));
    const same = states.every(
      (state) => state.digest === states[0]!.digest && JSON.stringify(state.vector) === JSON.stringify(states[0]!.vector) && state.parked === 0,
    );
    if (same) {
      console.log(
        `  ✓ ${step}: ${devices.map((device) => device.name).join(', ')} converged in ${Date.now() - started} ms (digest ${states[0]!.digest.slice(0, 12)}…)`,
      );
      return states;
    }
    if (Date.now() - started > CONVERGE_TIMEOUT_MS) {
      console.error(`  ✗ ${step}: no convergence within ${CONVERGE_TIMEOUT_MS} ms`);
      states.forEach((state, index) => {
        console.error(`    ${devices[index]!.name}: ${state.digest.slice(0, 12)} ${JSON.stringify(state.vector)} parked ${state.parked}`);
      });
      for (const device of devices) device.child.kill();
      process.exit(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Who won the concurrent edit of the shared tag: per field, the latest write (its text names its device). */
async function showWinners(devices: DeviceProcess[]): Promise<void> {
  const holidays = (await devices[0]!.tags()).find((tag) => tag.name.startsWith('Holidays'))!;
  const writer = (value: string | null) => devices.find((device) => value?.includes(device.id.slice(0, 8)))?.name ?? 'nobody';
  console.log('  the shared tag, edited on all three at once; per field the latest edit (by HLC) won, on every device:');
  console.log(`    name         ${JSON.stringify(holidays.name).padEnd(28)} the ${writer(holidays.name)}'s edit`);
  console.log(`    description  ${JSON.stringify(holidays.description).padEnd(28)} the ${writer(holidays.description)}'s edit`);
  console.log(`    color        ${JSON.stringify(holidays.color).padEnd(28)} the laptop's (only it set the color)`);
  console.log(`    icon         ${JSON.stringify(holidays.icon).padEnd(28)} the ${writer(holidays.icon)}'s edit (the laptop set none)`);
}

rmSync(dataDir, { recursive: true, force: true });
console.log(`syncgen example: three devices of library ${libraryId.slice(0, 8)}…, three processes, TLS over TCP on loopback`);
console.log(`  data in ${path.relative(process.cwd(), dataDir) || '.'}/`);
const laptop = new DeviceProcess('laptop', '0000000a-0000-4000-8000-00000000000a');
const desktop = new DeviceProcess('desktop', '0000000b-0000-4000-8000-00000000000b');
const phone = new DeviceProcess('phone', '0000000c-0000-4000-8000-00000000000c');
const all = [laptop, desktop, phone];
console.log("step 0: the laptop creates the library; the desktop joins with the laptop's invite, the phone with the desktop's");
await laptop.start();
const desktopInvite = await laptop.invite();
console.log(`  invite for the desktop: ${desktopInvite.slice(0, 40)}…`);
await desktop.start(desktopInvite);
await phone.start(await desktop.invite());
phone.connect([laptop]);

console.log('step 1: each device indexes its own files (device-owned data, in parallel)');
const ids: Record<string, string> = Object.assign({}, ...(await Promise.all(all.map((device) => device.run('setup')))));
Object.assign(ids, await laptop.run('tags'));
await converged(all, 'step 1');

console.log('step 2: all three edit the same shared tag, tag files, make albums and notes, at once');
Object.assign(ids, ...(await Promise.all(all.map((device) => device.run('concurrent', ids)))));
await converged(all, 'step 2');
await showWinners(all);

console.log('step 3: the phone goes offline, keeps working, and shuts down; laptop and desktop delete and edit meanwhile');
await phone.offline();
await phone.run('offline', ids);
await phone.exit();
await Promise.all([laptop.run('meanwhile', ids), desktop.run('meanwhile', ids)]);
Object.assign(ids, await laptop.run('index', ids));
await converged([laptop, desktop], 'step 3');

console.log('step 4: the phone comes back as a new process, from its files, and catches up');
await phone.start();
phone.connect([laptop, desktop]);
const final = await converged(all, 'step 4');

const models = Object.keys(final[0]!.counts);
console.log('\nfinal state (rows per model):');
console.log(`  ${'device'.padEnd(8)} ${models.map((model) => model.padStart(Math.max(model.length, 4))).join(' ')}  digest`);
final.forEach((state, index) => {
  console.log(
    `  ${all[index]!.name.padEnd(8)} ${models.map((model) => String(state.counts[model]).padStart(Math.max(model.length, 4))).join(' ')}  ${state.digest.slice(0, 16)}…`,
  );
});
console.log(`\n✓ all three devices hold identical data: digest ${final[0]!.digest}, version vector ${JSON.stringify(final[0]!.vector)}`);
console.log('\nwhat each change feed heard (notices / records, by source; the phone since it came back):');
final.forEach((state, index) => {
  const heard = Object.entries(state.heard).map(([source, { notices, records }]) => `${source} ${notices} / ${records}`);
  console.log(`  ${all[index]!.name.padEnd(8)} ${heard.join(', ')}`);
});
console.log(`\n$ syncgen inspect ${path.relative(process.cwd(), laptop.dir)}    (read-only, while the laptop's app runs)`);
console.log(execFileSync(process.execPath, [path.join(here, '..', 'generator', 'bin.mjs'), 'inspect', laptop.dir], { encoding: 'utf8' }));
await Promise.all(all.map((device) => device.exit()));
