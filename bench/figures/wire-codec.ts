/**
 * Figure 6: the wire size of a batch of 1000 changes against the same changes as JSON, and the
 * codec's encode and decode rates.
 */
import { randomUUID } from 'node:crypto';
import type { ChangeEntry } from '../../runtime/core/change-entry.js';
import { encodeHlc } from '../../runtime/core/hlc.js';
import { PROTOCOL_VERSION, type Envelope } from '../../runtime/protocol/messages.js';
import { decodeEnvelope, encodeEnvelope } from '../../runtime/protocol/wire-codec.js';
import { summarize, time, type Figure } from '../measure.js';

const ORIGIN = '0000000a-0000-4000-8000-00000000000a';

/** A realistic batch: Entry states, Tag updates of a few fields, links and deletes. */
export function sampleEntries(count: number): ChangeEntry[] {
  return Array.from({ length: count }, (_, index) => {
    const hlc = encodeHlc({ wallMs: 1_716_552_000_000 + index, counter: index % 7, device: ORIGIN });
    const base = { origin: ORIGIN, seq: index + 1, hlc, record: randomUUID() };
    switch (index % 4) {
      case 0:
        return {
          ...base,
          model: 4,
          kind: 'insert',
          data: {
            deviceId: ORIGIN,
            locationId: randomUUID(),
            parentId: randomUUID(),
            name: `IMG_${index}.jpg`,
            kind: 'file',
            extension: 'jpg',
            sizeBytes: 1_048_576 + index,
            inode: 90_000 + index,
            isHidden: 0,
            contentHash: 'b3a7c2f09e1d',
            mimeType: 'image/jpeg',
            attributes: null,
            createdAt: null,
            modifiedAt: '2024-05-01T12:00:00Z',
          },
        };
      case 1:
        return { ...base, model: 5, kind: 'update', data: { name: `Holidays ${index}`, color: '#ff8800' } };
      case 2:
        return { ...base, model: 9, kind: 'insert', data: { tagId: randomUUID(), entryId: randomUUID(), addedAt: '2024-05-01T12:00:00Z' } };
      default:
        return { ...base, model: 6, kind: 'delete', data: null };
    }
  }) as ChangeEntry[];
}

/** The same changes as a JSON API would send them: UUIDs and clocks as text. */
function asJson(entries: readonly ChangeEntry[]): string {
  return JSON.stringify({
    type: 'SharedChangeBatch',
    entries: entries.map((entry) => ({ ...entry, hlc: Buffer.from(entry.hlc.buffer, entry.hlc.byteOffset, entry.hlc.byteLength).toString('hex') })),
  });
}

export async function wireCodecFigure(options: { changes: number; runs: number }): Promise<Figure> {
  const entries = sampleEntries(options.changes);
  const envelope: Envelope = {
    version: PROTOCOL_VERSION,
    libraryId: '00000000-0000-4000-8000-000000000001',
    schema: { schemaVersion: 1, compatibleFrom: 1 },
    message: { type: 'SharedChangeBatch', entries },
  };
  const frame = encodeEnvelope(envelope);
  const json = Buffer.byteLength(asJson(entries));
  const sizes = summarize([frame.length]);
  const encode = await time(options.runs, () => encodeEnvelope(envelope));
  const decode = await time(options.runs, () => decodeEnvelope(frame));
  const ratio = frame.length / json;
  const rate = (ms: number) => (options.changes / ms) * 1000;
  return {
    id: 6,
    name: `wire size and codec speed of a ${options.changes}-change batch`,
    rows: [
      { label: 'MessagePack frame', unit: 'bytes', sample: sizes },
      { label: 'the same changes as JSON', unit: 'bytes', sample: summarize([json]) },
      { label: 'ratio', unit: '×', sample: summarize([ratio]) },
      { label: 'encode', unit: 'changes/s', sample: { min: rate(encode.max), median: rate(encode.median), max: rate(encode.min) } },
      { label: 'decode (validating)', unit: 'changes/s', sample: { min: rate(decode.max), median: rate(decode.median), max: rate(decode.min) } },
    ],
    target: 'bytes ≤ 0.6× JSON',
    met: ratio <= 0.6,
  };
}
