/**
 * The device's own key pair and certificate, beside its library file:
 *
 * | file | holds | mode |
 * | --- | --- | --- |
 * | `<dir>/device-key.pem` | the Ed25519 private key (PKCS#8 PEM); it never leaves the device | 0600, refused if group or others have any permission |
 * | `<dir>/device-cert.pem` | a self-signed X.509 certificate of the key, CN = the device id | 0644 |
 *
 * Made on the first open of a library directory, loaded on later opens. The key is not in
 * `library.db`: the database is what people copy, back up and attach to bug reports, and SQLite
 * creates it with the process's default permissions. Each file is written to a temporary file
 * created with its final mode (so the key is never readable by others, not even briefly), synced,
 * and then linked to its name, which fails rather than replaces when another process made it first.
 *
 * The certificate is made by `@peculiar/x509` on Node's WebCrypto, in a worker thread and only when
 * one must be made (`certificate-worker.ts`): opening an existing library does not load it, and it
 * never loads into the app's own heap.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { SyncError } from '../core/errors.js';
import { certificateFingerprint } from '../transports/transport.js';
import { makeCertificate } from './certificate-worker.js';

/** This device's key and certificate (PEM), as the TCP transport takes them. */
export interface DeviceCredentials {
  /** The private key (PKCS#8 PEM). Hand it to the transport only; it is not enumerable, so logging the credentials does not print it. */
  readonly key: string;
  /** The self-signed certificate (PEM) whose CN is the device id. */
  readonly cert: string;
  /** SHA-256 (hex) of the certificate's public key: what peers pin for this device. */
  readonly fingerprint: string;
}

export const DEVICE_KEY_FILE = 'device-key.pem';
export const DEVICE_CERT_FILE = 'device-cert.pem';

/** A device key or certificate that cannot be used: exposed to other users, unreadable, mismatched or another device's. */
export class DeviceCredentialsError extends SyncError {
  constructor(
    code: 'device-key-exposed' | 'invalid-device-credentials',
    readonly file: string,
    message: string,
  ) {
    super(code, message);
  }
}

/** Loads the device's key and certificate from `dir`, making them if the directory has none. */
export async function deviceCredentials(dir: string, deviceId: string): Promise<DeviceCredentials> {
  const keyFile = path.join(dir, DEVICE_KEY_FILE);
  const certFile = path.join(dir, DEVICE_CERT_FILE);
  let key = readIfPresent(keyFile);
  let cert = readIfPresent(certFile);
  if (key === undefined) {
    if (cert !== undefined) {
      throw new DeviceCredentialsError(
        'invalid-device-credentials',
        keyFile,
        `${certFile} has no ${DEVICE_KEY_FILE} beside it: restore the key from where the directory was copied, or delete the certificate too ` +
          "to make this device a new key (the library's members then refuse it with 'device-key-changed': pair it again under a new device id)",
      );
    }
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeNewFile(keyFile, pem, 0o600);
    key = readIfPresent(keyFile)!; // another process may have made it first: use what is on disk
  }
  checkKeyFileMode(keyFile);
  if (cert === undefined) {
    writeNewFile(certFile, await selfSignedCertificate(key, deviceId, keyFile), 0o644);
    cert = readIfPresent(certFile)!;
  }
  return checkedCredentials(key, cert, deviceId, keyFile, certFile);
}

function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DeviceCredentialsError('invalid-device-credentials', file, `cannot read ${file}: ${(error as Error).message}`);
  }
}

/** Refuses a key that group or others may read or write (POSIX modes; Windows has none to check). */
function checkKeyFileMode(keyFile: string): void {
  if (process.platform === 'win32') return;
  const mode = statSync(keyFile).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new DeviceCredentialsError(
      'device-key-exposed',
      keyFile,
      `${keyFile} has mode ${mode.toString(8).padStart(4, '0')}: other users may read this device's private key. ` +
        `Run \`chmod 600 ${keyFile}\`; if others may have read it, delete ${DEVICE_KEY_FILE} and ${DEVICE_CERT_FILE} to make a new key`,
    );
  }
}

function checkedCredentials(key: string, cert: string, deviceId: string, keyFile: string, certFile: string): DeviceCredentials {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (error) {
    throw new DeviceCredentialsError('invalid-device-credentials', certFile, `${certFile} is not a PEM certificate: ${(error as Error).message}`);
  }
  if (certificate.subject !== `CN=${deviceId}`) {
    throw new DeviceCredentialsError(
      'invalid-device-credentials',
      certFile,
      `${certFile} is the certificate of ${JSON.stringify(certificate.subject)}, not of this device (CN=${deviceId}): ` +
        "the directory's key and certificate belong to another device; give this library its own directory",
    );
  }
  let matches: boolean;
  try {
    matches = certificate.checkPrivateKey(createPrivateKey(key));
  } catch (error) {
    throw new DeviceCredentialsError('invalid-device-credentials', keyFile, `${keyFile} is not a PEM private key: ${(error as Error).message}`);
  }
  if (!matches) {
    throw new DeviceCredentialsError(
      'invalid-device-credentials',
      certFile,
      `${certFile} is not the certificate of the key in ${keyFile}: delete the certificate (a new one is made for the key on the next open)`,
    );
  }
  const credentials = { cert, fingerprint: certificateFingerprint(cert) } as DeviceCredentials;
  // Not enumerable: `console.log(library)` and `JSON.stringify` do not print the private key.
  Object.defineProperty(credentials, 'key', { value: key, enumerable: false });
  return Object.freeze(credentials);
}

/** A self-signed certificate of the key, CN = the device id, that does not expire (made in a worker: `certificate-worker.ts`). */
async function selfSignedCertificate(key: string, deviceId: string, keyFile: string): Promise<string> {
  let pkcs8: Buffer;
  let spki: Buffer;
  try {
    const privateKey = createPrivateKey(key);
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`a key of type ${privateKey.asymmetricKeyType}`);
    pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
    spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  } catch (error) {
    throw new DeviceCredentialsError(
      'invalid-device-credentials',
      keyFile,
      `${keyFile} is not an Ed25519 private key (PKCS#8 PEM): ${(error as Error).message}`,
    );
  }
  const serial = randomBytes(16);
  serial[0]! &= 0x7f; // a positive serial number
  return makeCertificate({ pkcs8, spki, commonName: deviceId, serialNumber: serial.toString('hex') });
}

/**
 * Writes a file that must not exist yet: a temporary file created with `mode` (the umask can only
 * take bits away), synced, then linked to its name. Another process that made the file first wins;
 * the caller reads back what is on disk.
 */
function writeNewFile(file: string, content: string, mode: number): void {
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    // File systems without hard links: a rename, which would replace a file made meanwhile.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EXDEV') throw error;
    renameSync(temporary, file);
    return;
  } finally {
    try {
      unlinkSync(temporary);
    } catch {}
  }
  syncDirectory(path.dirname(file));
}

/** Makes a new name in a directory durable (POSIX; Windows cannot open a directory). */
function syncDirectory(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
