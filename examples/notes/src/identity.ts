/** Where this device's library id, device id and secret come from, and how a second device gets them. */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Identity } from './notes.js';

/** This device's identity, made once and kept beside its library file (`<dir>/library.db`). */
export function loadIdentity(dir: string, invite?: string): Identity {
  const file = path.join(dir, 'identity.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Identity;
  // The first device makes the library id and the secret; a second device is given both (invite).
  const [libraryId = randomUUID(), secret = randomBytes(32).toString('base64url')] = invite?.split(' ') ?? [];
  const identity: Identity = { libraryId, secret, deviceId: randomUUID() }; // every device makes its own id
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify(identity), { mode: 0o600 }); // the secret is a password
  return identity;
}

/** What a second device needs: show it as a QR code or as text to copy, never send it in the clear. */
export function inviteOf(identity: Identity): string {
  return `${identity.libraryId} ${identity.secret}`;
}
