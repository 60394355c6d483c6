/**
 * The wire codec: sync messages to MessagePack frames and back (layout in `messages.ts`).
 *
 * `decodeEnvelope` takes untrusted bytes. Whatever they are (garbage, a truncated frame, a frame
 * of another protocol version, an unknown type, a field of the wrong type, an oversized frame, a
 * BigInt, an extension type, a map whose `toString` is a number, nesting too deep for the stack),
 * it returns a complete, checked message or throws a `WireError` whose message is short and quotes
 * the peer only cut and cleaned (`untrusted.ts`); never another exception, never a half-built
 * message. UUIDs travel as 16 bytes, the schema hash and key fingerprints as 32, clocks as 24.
 */
import { isSchemaCompatibility } from './compatibility.js';
import { Packr, Unpackr } from 'msgpackr';
import { assertNever } from '../core/assert-never.js';
import { KIND_BY_CODE, KIND_CODE, type ChangeEntry } from '../core/change-entry.js';
import { HLC_BYTES } from '../core/hlc.js';
import type { MemberRecord } from '../core/member-record.js';
import type { SnapshotRecord } from '../core/snapshot-record.js';
import { uuidToBytes } from '../core/uuid.js';
import type { VersionVector } from '../core/version-vector.js';
import { MAX_MEMBER_RECORDS, MAX_MODEL_ID, MESSAGE_TYPES, PROTOCOL_VERSION, type Envelope, type MessageType, type SyncMessage } from './messages.js';
import { COUNTS_FLAG } from './messages.js';
import { describeError } from './untrusted.js';
import { array, clockMap, fixedBytes, hexBytes, malformed, modelCounts, modelIds, uint, uuid, values, WireError } from './wire-checks.js';

export { WireError, type WireErrorCode } from './wire-checks.js';

/** Frames larger than this are refused unless a larger bound is given. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

const packr = new Packr({ useRecords: false, mapsAsObjects: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
const TYPE_BY_CODE = new Map(Object.entries(MESSAGE_TYPES).map(([name, code]) => [code as number, name as MessageType]));

export function encodeEnvelope(envelope: Envelope): Uint8Array {
  const { message } = envelope;
  return packr.pack([
    envelope.version,
    uuidToBytes(envelope.libraryId),
    [envelope.schema.schemaVersion, envelope.schema.compatibleFrom],
    MESSAGE_TYPES[message.type],
    encodeBody(message),
  ]);
}

export function decodeEnvelope(bytes: Uint8Array, maxBytes: number = DEFAULT_MAX_FRAME_BYTES): Envelope {
  // `isView` first: it reads no property, so not even a Proxy passed by mistake runs code here.
  if (!ArrayBuffer.isView(bytes) || !(bytes instanceof Uint8Array)) throw new WireError('malformed', 'a frame must be bytes');
  if (bytes.length > maxBytes) throw new WireError('oversized', `frame of ${bytes.length} bytes exceeds the limit of ${maxBytes}`);
  let decoded: unknown;
  try {
    decoded = unpackr.unpack(bytes);
  } catch (error) {
    // msgpackr's messages can quote the frame (a regular expression's source, a JSON view): cut and cleaned.
    throw new WireError('malformed', `not a MessagePack frame (${describeError(error)})`);
  }
  try {
    const frame = array(decoded, 'frame', 5);
    const version = uint(frame[0], 'version');
    if (version !== PROTOCOL_VERSION) {
      throw new WireError(
        'unsupported-version',
        `protocol version ${version} is not supported (this device speaks ${PROTOCOL_VERSION}); upgrade the older device`,
      );
    }
    const libraryId = uuid(frame[1], 'libraryId');
    const schemaField = array(frame[2], 'schema', 2);
    const schema = { schemaVersion: uint(schemaField[0], 'schemaVersion'), compatibleFrom: uint(schemaField[1], 'compatibleFrom') };
    if (!isSchemaCompatibility(schema.schemaVersion, schema.compatibleFrom)) {
      throw new WireError(
        'malformed',
        `schema versions ${schema.schemaVersion} and ${schema.compatibleFrom}: each at least 1, the oldest no newer than the version`,
      );
    }
    const code = uint(frame[3], 'type');
    const type = TYPE_BY_CODE.get(code);
    if (!type) throw new WireError('unknown-type', `unknown message type ${code}`);
    return { version, libraryId, schema, message: decodeBody(type, frame[4]) };
  } catch (error) {
    if (error instanceof WireError) throw error;
    // A bug in a checker must not escape as another exception type.
    throw new WireError('malformed', describeError(error));
  }
}

function encodeBody(message: SyncMessage): unknown {
  switch (message.type) {
    case 'StateChange':
    case 'SharedChange':
      return encodeEntry(message.entry);
    case 'StateBatch':
    case 'SharedChangeBatch':
      return message.entries.map(encodeEntry);
    case 'StateRequest':
      return [message.model, message.after === null ? null : uuidToBytes(message.after), message.counts ? message.limit + COUNTS_FLAG : message.limit];
    case 'StateResponse': {
      const body = [message.model, message.records.map(encodeRecord), message.next === null ? null : uuidToBytes(message.next), encodeVector(message.reflects)];
      return message.counts ? [...body, [...message.counts]] : body;
    }
    case 'SharedChangeRequest':
      return [encodeVector(message.after), message.limit];
    case 'SharedChangeResponse':
      return [message.entries.map(encodeEntry), message.complete];
    case 'AckSharedChanges':
      return [encodeVector(message.upTo)];
    case 'Heartbeat':
      return [encodeVector(message.watermark), message.sentAt, encodeVector(message.floor)];
    case 'RecordRequest':
      return message.records.map((item) => [item.model, uuidToBytes(item.record)]);
    case 'RecordResponse':
      return message.records.map(encodeRecord);
    case 'Error':
      return [message.code, message.message];
    case 'Members':
      return message.members.map(encodeMember);
    case 'Models':
      return [message.known, message.held, message.request];
    default:
      return assertNever(message, 'message type');
  }
}

function decodeBody(type: MessageType, body: unknown): SyncMessage {
  switch (type) {
    case 'StateChange':
    case 'SharedChange':
      return { type, entry: decodeEntry(body, 'entry') };
    case 'StateBatch':
    case 'SharedChangeBatch':
      return { type, entries: array(body, 'entries').map((item, index) => decodeEntry(item, `entries[${index}]`)) };
    case 'StateRequest': {
      const [model, after, flagged] = array(body, type, 3);
      const limit = uint(flagged, 'limit');
      // Only a puller that asks for counts sets the flag (`messages.ts`); the field is left out otherwise.
      const counts = limit >= COUNTS_FLAG ? { counts: true } : {};
      return { type, model: uint(model, 'model'), after: after === null ? null : uuid(after, 'after'), limit: limit % COUNTS_FLAG, ...counts };
    }
    case 'StateResponse': {
      const fields = array(body, type);
      if (fields.length !== 4 && fields.length !== 5) throw malformed(type, 'an array of 4, or 5 with counts');
      const [model, records, next, reflects, counts] = fields;
      return {
        type,
        model: uint(model, 'model'),
        records: array(records, 'records').map((item, index) => decodeRecord(item, `records[${index}]`)),
        next: next === null ? null : uuid(next, 'next'),
        reflects: decodeVector(reflects, 'reflects'),
        ...(counts === undefined ? {} : { counts: modelCounts(counts, 'counts', MAX_MODEL_ID) }),
      };
    }
    case 'SharedChangeRequest': {
      const [after, limit] = array(body, type, 2);
      return { type, after: decodeVector(after, 'after'), limit: uint(limit, 'limit') };
    }
    case 'SharedChangeResponse': {
      const [entries, complete] = array(body, type, 2);
      if (typeof complete !== 'boolean') throw malformed('complete', 'a boolean');
      return { type, entries: array(entries, 'entries').map((item, index) => decodeEntry(item, `entries[${index}]`)), complete };
    }
    case 'AckSharedChanges':
      return { type, upTo: decodeVector(array(body, type, 1)[0], 'upTo') };
    case 'Heartbeat': {
      const [watermark, sentAt, floor] = array(body, type, 3);
      return { type, watermark: decodeVector(watermark, 'watermark'), sentAt: uint(sentAt, 'sentAt'), floor: decodeVector(floor, 'floor') };
    }
    case 'RecordRequest':
      return {
        type,
        records: array(body, 'records').map((item, index) => {
          const [model, record] = array(item, `records[${index}]`, 2);
          return { model: uint(model, 'model'), record: uuid(record, 'record') };
        }),
      };
    case 'RecordResponse':
      return { type, records: array(body, 'records').map((item, index) => decodeRecord(item, `records[${index}]`)) };
    case 'Error': {
      const [code, message] = array(body, type, 2);
      if (typeof code !== 'string' || typeof message !== 'string') throw malformed('Error', '[code, message] strings');
      return { type, code, message };
    }
    case 'Members': {
      const members = array(body, 'members');
      // Checked before any record is: a huge array costs its decode, never a merge.
      if (members.length > MAX_MEMBER_RECORDS) throw malformed('members', `at most ${MAX_MEMBER_RECORDS} records`);
      return { type, members: members.map((item, index) => decodeMember(item, `members[${index}]`)) };
    }
    case 'Models': {
      const [known, held, request] = array(body, type, 3);
      if (typeof request !== 'boolean') throw malformed('request', 'a boolean');
      const seen = new Set<number>();
      return { type, known: modelIds(known, 'known', MAX_MODEL_ID, seen), held: modelIds(held, 'held', MAX_MODEL_ID, seen), request };
    }
    default:
      return assertNever(type, 'message type');
  }
}

function encodeEntry(entry: ChangeEntry): unknown[] {
  return [uuidToBytes(entry.origin), entry.seq, entry.hlc, entry.model, uuidToBytes(entry.record), KIND_CODE[entry.kind], entry.data];
}

function decodeEntry(value: unknown, at: string): ChangeEntry {
  const [origin, seq, hlc, model, record, kind, data] = array(value, at, 7);
  const kindName = KIND_BY_CODE[uint(kind, `${at}.kind`)];
  if (!kindName) throw malformed(`${at}.kind`, '1, 2 or 3');
  return {
    origin: uuid(origin, `${at}.origin`),
    seq: uint(seq, `${at}.seq`),
    hlc: fixedBytes(hlc, `${at}.hlc`, HLC_BYTES),
    model: uint(model, `${at}.model`),
    record: uuid(record, `${at}.record`),
    kind: kindName,
    data: data === null ? null : values(data, `${at}.data`),
  };
}

function encodeRecord(record: SnapshotRecord): unknown[] {
  return [
    record.model,
    uuidToBytes(record.record),
    record.deleted,
    record.deleteClock,
    record.values,
    record.clocks,
    record.version,
    record.devices.map((device) => [uuidToBytes(device.device), device.values, device.version]),
  ];
}

function decodeRecord(value: unknown, at: string): SnapshotRecord {
  const [model, record, deleted, deleteClock, fields, clocks, version, devices] = array(value, at, 8);
  if (typeof deleted !== 'boolean') throw malformed(`${at}.deleted`, 'a boolean');
  return {
    model: uint(model, `${at}.model`),
    record: uuid(record, `${at}.record`),
    deleted,
    deleteClock: deleteClock === null ? null : fixedBytes(deleteClock, `${at}.deleteClock`, HLC_BYTES),
    values: fields === null ? null : values(fields, `${at}.values`),
    clocks: clocks === null ? null : clockMap(clocks, `${at}.clocks`),
    version: version === null ? null : fixedBytes(version, `${at}.version`, HLC_BYTES),
    devices: array(devices, `${at}.devices`).map((item, index) => {
      const [device, deviceValues, deviceVersion] = array(item, `${at}.devices[${index}]`, 3);
      return {
        device: uuid(device, `${at}.devices[${index}].device`),
        values: values(deviceValues, `${at}.devices[${index}].values`),
        version: fixedBytes(deviceVersion, `${at}.devices[${index}].version`, HLC_BYTES),
      };
    }),
  };
}

function encodeMember(member: MemberRecord): unknown[] {
  return [
    uuidToBytes(member.device),
    Buffer.from(member.fingerprint, 'hex'),
    uuidToBytes(member.addedBy),
    member.addedAt,
    member.removedBy === null ? null : uuidToBytes(member.removedBy),
    member.removedAt,
    member.removedAfterSeq,
    member.conflict,
  ];
}

/**
 * A member record, whole: a removal has its remover and its time or neither (the merge orders
 * removals by both), and a cut only with a removal (a cut on a member would refuse its entries
 * while it stays a member). No honest device writes another shape.
 */
function decodeMember(value: unknown, at: string): MemberRecord {
  const [device, fingerprint, addedBy, addedAt, removedBy, removedAt, removedAfterSeq, conflict] = array(value, at, 8);
  if (typeof conflict !== 'boolean') throw malformed(`${at}.conflict`, 'a boolean');
  if ((removedBy === null) !== (removedAt === null)) throw malformed(`${at}.removedAt`, 'nil exactly when removedBy is nil');
  if (removedBy === null && removedAfterSeq !== null) throw malformed(`${at}.removedAfterSeq`, 'nil when removedBy is nil');
  return {
    device: uuid(device, `${at}.device`),
    fingerprint: hexBytes(fingerprint, `${at}.fingerprint`, 32),
    addedBy: uuid(addedBy, `${at}.addedBy`),
    addedAt: uint(addedAt, `${at}.addedAt`),
    removedBy: removedBy === null ? null : uuid(removedBy, `${at}.removedBy`),
    removedAt: removedAt === null ? null : uint(removedAt, `${at}.removedAt`),
    removedAfterSeq: removedAfterSeq === null ? null : uint(removedAfterSeq, `${at}.removedAfterSeq`),
    conflict,
  };
}

function encodeVector(vector: VersionVector): unknown[] {
  return [...vector].map(([origin, seq]) => [uuidToBytes(origin), seq]);
}

function decodeVector(value: unknown, at: string): VersionVector {
  const vector = new Map<string, number>();
  array(value, at).forEach((item, index) => {
    const [origin, seq] = array(item, `${at}[${index}]`, 2);
    vector.set(uuid(origin, `${at}[${index}].origin`), uint(seq, `${at}[${index}].seq`));
  });
  return vector;
}
