import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
const script = path.join(process.cwd(), 'bench', 'initial-sync-device.ts');
function run(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = fork(script, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (message) => resolve({ ...(message as object), child }));
    child.once('exit', (code) => code !== 0 && reject(new Error(`${args[0]} exited with ${code}`)));
  });
}
const entries = Number(process.argv[2] ?? 100000);
const source = await run(['source', mkdtempSync(path.join(tmpdir(), 'probe-src-')), String(entries)]);
const out: string[] = [];
for (let i = 0; i < Number(process.argv[3] ?? 5); i++) {
  const r = await run(['receiver', mkdtempSync(path.join(tmpdir(), 'probe-rcv-')), `127.0.0.1:${source.port}`, JSON.stringify(source.vector)]);
  out.push(`${Math.round(r.elapsedMs as number)}ms/${Math.round((r.maxRssKiB as number) / 1024)}MiB`);
}
(source.child as any).kill();
console.log(process.cwd(), out.join(' '));
