/**
 * Drives one connection through its handshake (`connection.ts` names the phases): the key check
 * when TLS is up (`membership-gate.ts`), a new device's redeem, the hellos (`handshake.ts`) and
 * the ready frames. What it decides goes back to the transport through `HandshakeHost`: a refusal,
 * or an open connection.
 */
import { SyncError } from '../../core/errors.js';
import { describeError } from '../../protocol/untrusted.js';
import { certificateFingerprint, type MemberDirectory } from '../transport.js';
import type { Connection } from './connection.js';
import { checkHello, helloFrame, isReady, readHandshake, readyFrame, redeemFrame, redeemToken, type HandshakeIdentity, type Refusal } from './handshake.js';
import { admitKey, deviceIdOf } from './membership-gate.js';

export interface HandshakeHost {
  readonly identity: HandshakeIdentity;
  /** This device's key fingerprint. */
  readonly fingerprint: string;
  readonly members: MemberDirectory;
  send(connection: Connection, frame: Buffer): void;
  refuse(connection: Connection, refusal: Refusal): void;
  /** The peer refused this side (its code and reason, as it sent them). */
  refusedByPeer(connection: Connection, code: string, reason: string): void;
  /** Both sides accepted each other. */
  open(connection: Connection): void;
}

/** TLS is up: check the peer's key before saying anything, then redeem (a new device) and say hello. */
export function secured(host: HandshakeHost, connection: Connection): void {
  if (connection.isClosed()) return;
  const certificate = connection.socket.getPeerX509Certificate();
  if (!certificate) {
    host.refuse(connection, { code: 'not-a-peer', reason: 'the peer presented no certificate: not a syncgen peer' });
    return;
  }
  connection.peerFingerprint = certificateFingerprint(certificate.raw);
  const verdict = admitKey({
    deviceId: host.identity.deviceId,
    fingerprint: host.fingerprint,
    members: host.members,
    role: connection.role,
    peerSubject: certificate.subject,
    peerFingerprint: connection.peerFingerprint,
    pairing: connection.pairing,
  });
  if ('code' in verdict) {
    // The device the certificate names, for the refusal's event: who was refused, not only why.
    connection.peer = deviceIdOf(certificate.subject);
    host.refuse(connection, verdict);
    return;
  }
  connection.peer = verdict.peer;
  if (verdict.next === 'redeem') {
    // An unknown key while an invite is open: its first frame must be the invite's token; nothing is said before.
    connection.phase = 'redeem';
    return;
  }
  if (connection.pairing) host.send(connection, redeemFrame(connection.pairing.token));
  connection.phase = 'hello';
  host.send(connection, helloFrame(host.identity));
}

export function receiveHandshake(host: HandshakeHost, connection: Connection, frame: Buffer): void {
  const handshake = readHandshake(frame);
  if (handshake.kind === 'garbage') {
    host.refuse(connection, { code: 'not-a-peer', reason: 'the handshake frame is not MessagePack: not a syncgen peer' });
  } else if (handshake.kind === 'refused') {
    host.refusedByPeer(connection, handshake.code, handshake.reason);
  } else if (connection.phase === 'redeem') {
    redeem(host, connection, handshake.message);
  } else if (connection.phase === 'hello') {
    const refusal = checkHello(host.identity, connection.peer!, handshake.message);
    if (refusal) {
      host.refuse(connection, refusal);
      return;
    }
    connection.phase = 'ready';
    host.send(connection, readyFrame());
  } else if (connection.phase === 'ready') {
    if (isReady(handshake.message)) host.open(connection);
    else host.refuse(connection, { code: 'not-a-peer', reason: 'expected the peer to accept or refuse this device' });
  } else {
    host.refuse(connection, { code: 'not-a-peer', reason: 'a frame before the TLS session was established' });
  }
}

/** The inviter's side: the new device's token admits its key (it is a member from now on), or it is refused. */
function redeem(host: HandshakeHost, connection: Connection, message: unknown): void {
  const token = redeemToken(message);
  if (token === null) {
    host.refuse(connection, { code: 'not-a-member', reason: `device ${connection.peer} is not a member of this library, and sent no invite` });
    return;
  }
  let refusal: Refusal | null;
  try {
    refusal = host.members.admit(token, connection.peer!, connection.peerFingerprint);
  } catch (error) {
    refusal = { code: error instanceof SyncError ? error.code : 'unreachable', reason: `the invite could not be redeemed: ${describeError(error)}` };
  }
  if (refusal) {
    host.refuse(connection, refusal);
    return;
  }
  connection.phase = 'hello';
  host.send(connection, helloFrame(host.identity));
}

/** A socket error of an accepted connection's TLS handshake (a TLS 1.2 client, not TLS at all) is a refusal; any other is an error. */
export function tlsRefusal(connection: Connection, error: Error): Refusal | null {
  const tlsFailure = connection.phase === 'tls' && (error as { code?: unknown }).code?.toString().startsWith('ERR_SSL_');
  if (!tlsFailure || connection.role === 'dialer' || !connection.isUnauthenticated()) return null;
  // OpenSSL's reason ('unsupported protocol', 'http request'), not its whole error string.
  const reason = (error as { reason?: unknown }).reason;
  return { code: 'not-a-peer', reason: `TLS handshake failed: ${typeof reason === 'string' ? reason : describeError(error)}` };
}
