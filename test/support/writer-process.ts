/**
 * An app in a process of its own that keeps its library open and writes to it, for tests that read
 * the file from outside while the app runs (`syncgen inspect`): it creates tags, a few per
 * millisecond, from the moment it starts until it is stopped (the library closed, the process
 * exits) or killed (the library left open, its WAL beside it). It answers `count`: how many tags it
 * committed so far.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEVICE_A, NOW, openDevice } from './libraries.js';

type Question = 'count' | 'stop';

export class WriterProcess {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, (answer: number) => void>();
  #next = 0;

  constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (message: { id: number; answer: number }) => {
      this.#waiting.get(message.id)?.(message.answer);
      this.#waiting.delete(message.id);
    });
  }

  /** How many tags the app committed so far. */
  count(): Promise<number> {
    return this.#ask('count');
  }

  /** Closes the library (its app exits cleanly) and resolves with the tags it committed. */
  async stop(): Promise<number> {
    const exit = new Promise((resolve) => this.#child.once('exit', resolve));
    const count = await this.#ask('stop');
    await exit;
    return count;
  }

  /** Kills the app mid-write: its library stays as a crash leaves it (WAL and shared memory beside it). */
  async kill(): Promise<void> {
    const exit = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.kill('SIGKILL');
    await exit;
  }

  #ask(question: Question): Promise<number> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      this.#child.send({ id, question });
    });
  }
}

const script = fileURLToPath(import.meta.url);

/** Forks an app writing to the library in `dir` (device A of the example schema); resolves once its first tags are committed. */
export function startWriterProcess(dir: string): Promise<WriterProcess> {
  return new Promise((resolve, reject) => {
    // The parent's loader flags (tsx, the source condition) carry over with execArgv.
    const child = fork(script, ['--writer', dir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', () => resolve(new WriterProcess(child)));
    child.once('exit', (code) => reject(new Error(`the writer process exited with code ${code} before it wrote`)));
  });
}

/** In the writer process: open the library, write until stopped, answer the parent. */
async function runWriter(dir: string): Promise<void> {
  const library = await openDevice(DEVICE_A, { dir });
  let count = 0;
  const write = () => {
    for (let index = 0; index < 5; index += 1) {
      library.transact((tx) => tx.tag.create({ name: `tag ${count}`, createdAt: NOW }));
      count += 1;
    }
  };
  write();
  const timer = setInterval(write, 1);
  process.on('message', ({ id, question }: { id: number; question: Question }) => {
    if (question === 'stop') {
      clearInterval(timer);
      library.close();
    }
    process.send!({ id, answer: count });
    if (question === 'stop') process.disconnect();
  });
  process.send!({ started: true });
}

const at = process.argv.indexOf('--writer');
if (at > 0 && process.send) await runWriter(process.argv[at + 1]!);
