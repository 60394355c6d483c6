/**
 * A progress bar of a long catch-up, drawn from the sync engine's progress events: a snapshot pull
 * (records) or a replay of a peer's log (entries). On a terminal it redraws one line; in a log
 * (CI) it prints the start and the end only. Short catch-ups (under `MIN_TOTAL`) draw nothing.
 */
import type { SyncProgress } from 'syncgen';

const MIN_TOTAL = 200;
const WIDTH = 30;

export function drawProgress(device: string, progress: SyncProgress): void {
  const { peer, kind, received, total, remainingMs, done, completed } = progress;
  if (total === null || total < MIN_TOTAL) return;
  const fraction = total === 0 ? 1 : received / total;
  const filled = Math.round(fraction * WIDTH);
  const unit = kind === 'snapshot' ? 'records of a snapshot' : 'changes';
  const left = done ? (completed ? 'done' : 'stopped') : remainingMs === null ? '' : `~${(remainingMs / 1000).toFixed(1)} s left`;
  const line =
    `  [${device}] [${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ` +
    `${received.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} ${unit} from ${peer.slice(0, 8)}…  ${left}`;
  if (process.stdout.isTTY) process.stdout.write(`\r${line}${done ? '\n' : ''}`);
  else if (done || received === 0) console.log(line);
}
