/**
 * Self-signed device certificates, made in a worker thread by `@peculiar/x509` on Node's WebCrypto.
 *
 * Why a worker: the library and its dependencies (tsyringe, which needs the `reflect-metadata`
 * polyfill on the global `Reflect`, and a dozen ASN.1 schema packages) would otherwise load into the
 * app's own heap and globals for good, for a certificate made once per device. In the worker they
 * touch neither, and their memory goes with the thread. (Loaded in the main thread, they shifted V8's
 * collections enough to raise a new device's peak memory during its initial sync by a third.)
 *
 * One worker serves the certificates asked for together; it keeps the process alive only while one
 * is being made, and exits after a second without requests. It runs plain JavaScript (`eval`), so it
 * needs no loader, compiled or not.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** What the worker needs: the key pair (DER), the subject's CN and a serial number (hex). */
export interface CertificateRequest {
  readonly pkcs8: Uint8Array;
  readonly spki: Uint8Array;
  readonly commonName: string;
  readonly serialNumber: string;
}

const IDLE_MS = 1000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { webcrypto } = require('node:crypto');
require(workerData.reflectMetadata); // tsyringe, under @peculiar/x509, needs the polyfill before it loads
const x509 = require(workerData.x509);
const algorithm = { name: 'Ed25519' };
parentPort.on('message', async ({ id, pkcs8, spki, commonName, serialNumber }) => {
  try {
    const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']);
    const publicKey = await webcrypto.subtle.importKey('spki', spki, algorithm, true, ['verify']);
    const certificate = await x509.X509CertificateGenerator.createSelfSigned(
      {
        serialNumber,
        name: 'CN=' + commonName,
        notBefore: new Date(Date.now() - 24 * 60 * 60 * 1000),
        // RFC 5280's "no well-defined expiration date": the certificate names a key; nothing expires it.
        notAfter: new Date('9999-12-31T23:59:59Z'),
        signingAlgorithm: algorithm,
        keys: { privateKey, publicKey },
      },
      webcrypto,
    );
    parentPort.postMessage({ id, cert: certificate.toString('pem') });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;

interface Pending {
  readonly resolve: (cert: string) => void;
  readonly reject: (error: Error) => void;
}

class CertificateWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  #idle: NodeJS.Timeout | null = null;
  #exited = false;

  constructor(onExit: () => void) {
    const require = createRequire(import.meta.url);
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // Plain JavaScript: none of the parent's loaders or preloads.
      execArgv: [],
      workerData: { reflectMetadata: require.resolve('reflect-metadata'), x509: require.resolve('@peculiar/x509') },
    });
    this.#worker.on('message', (message: { id: number; cert?: string; error?: string }) => {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.cert !== undefined) pending?.resolve(message.cert);
      else pending?.reject(new Error(message.error ?? 'the certificate worker failed'));
      this.#settled();
    });
    const fail = (error: Error) => {
      for (const { reject } of this.#pending.values()) reject(error);
      this.#pending.clear();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => {
      this.#exited = true;
      if (this.#idle) clearTimeout(this.#idle);
      fail(new Error(`the certificate worker exited (code ${code})`));
      onExit();
    });
  }

  get exited(): boolean {
    return this.#exited;
  }

  make(request: CertificateRequest): Promise<string> {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = null;
    // Kept alive while a certificate is being made: `await openLibrary(...)` alone in a script must not see the process exit.
    this.#worker.ref();
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, ...request });
    });
  }

  #settled(): void {
    if (this.#pending.size > 0) return;
    this.#worker.unref();
    this.#idle = setTimeout(() => {
      // Exited from now on, not at the later 'exit' event: a request in between gets a new worker.
      this.#exited = true;
      void this.#worker.terminate();
    }, IDLE_MS);
    this.#idle.unref();
  }
}

let shared: CertificateWorker | null = null;

/** A self-signed Ed25519 certificate (PEM) of the key, CN = `commonName`, made in the worker thread. */
export function makeCertificate(request: CertificateRequest): Promise<string> {
  if (!shared || shared.exited) {
    const worker = new CertificateWorker(() => {
      if (shared === worker) shared = null;
    });
    shared = worker;
  }
  return shared.make(request);
}
