/** Where this device's library id and device id come from: a new library, or the invite a member made. */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseInvite } from 'syncgen';
import type { Identity } from './notes.js';

/** This device's identity, made once and kept beside its library file (`<dir>/library.db`). */
export function loadIdentity(dir: string, invite?: string): Identity {
  const file = path.join(dir, 'identity.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Identity;
  // The first device makes the library id; a new device reads it from its invite. Every device makes its own id.
  const identity: Identity = { libraryId: invite ? parseInvite(invite).libraryId : randomUUID(), deviceId: randomUUID() };
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify(identity));
  return identity;
}
