/**
 * Length-prefixed framing over a byte stream: a 4-byte big-endian length, then the frame's bytes.
 * A length above the limit ends the connection (its framing can no longer be trusted), so a peer
 * can never make this side buffer more than one frame's worth.
 */

const HEADER_BYTES = 4;

/** The bytes of one frame on the stream. */
export function framed(frame: Uint8Array): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(frame.length);
  return Buffer.concat([header, frame]);
}

/** A length beyond the limit: the stream cannot be read further. */
export class OversizedFrame {
  constructor(
    readonly length: number,
    readonly limit: number,
  ) {}

  get message(): string {
    return `frame of ${this.length} bytes exceeds the limit of ${this.limit}`;
  }
}

/** Reassembles frames from the chunks of a stream. */
export class FrameReader {
  readonly #maxFrameBytes: number;
  #buffered: Buffer[] = [];
  #bufferedBytes = 0;
  /** Bytes needed before the next frame (or length) is complete: chunks are joined only then, not on every chunk (quadratic in a large frame). */
  #needed = HEADER_BYTES;

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Appends bytes; returns the frames now complete, or `OversizedFrame` when a length is out of bounds. */
  read(chunk: Buffer): Buffer[] | OversizedFrame {
    this.#buffered.push(chunk);
    this.#bufferedBytes += chunk.length;
    if (this.#bufferedBytes < this.#needed) return [];
    let data = this.#buffered.length === 1 ? this.#buffered[0]! : Buffer.concat(this.#buffered, this.#bufferedBytes);
    const frames: Buffer[] = [];
    this.#needed = HEADER_BYTES;
    while (data.length >= HEADER_BYTES) {
      const length = data.readUInt32BE(0);
      if (length > this.#maxFrameBytes) return new OversizedFrame(length, this.#maxFrameBytes);
      if (data.length < HEADER_BYTES + length) {
        this.#needed = HEADER_BYTES + length;
        break;
      }
      frames.push(data.subarray(HEADER_BYTES, HEADER_BYTES + length));
      data = data.subarray(HEADER_BYTES + length);
    }
    this.#buffered = data.length > 0 ? [data] : [];
    this.#bufferedBytes = data.length;
    return frames;
  }
}
