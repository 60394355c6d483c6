/**
 * Length-prefixed framing over a byte stream: a 4-byte big-endian length, then the frame's bytes.
 * A length above the limit ends the connection (its framing can no longer be trusted), so a peer
 * can never make this side buffer more than one frame's worth. The limit is given per frame: it
 * is small until the connection is authenticated, and a frame that follows the handshake in the
 * same chunk is held to the limit of the phase it arrives in.
 */

const HEADER_BYTES = 4;
const EMPTY = Buffer.alloc(0);

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

/** Reassembles frames from the chunks of a stream: `push` each chunk, then take frames with `next` until it returns null. */
export class FrameReader {
  /** Bytes being read, from `#offset` on; chunks that arrived after them wait in `#pending`. */
  #data: Buffer = EMPTY;
  #offset = 0;
  #pending: Buffer[] = [];
  /** Bytes buffered in all (unread part of `#data` and the pending chunks). */
  #bytes = 0;
  /** Bytes needed before the next frame (or length) is complete: chunks are joined only then, not on every chunk (quadratic in a large frame). */
  #needed = HEADER_BYTES;
  #cleared = false;

  push(chunk: Buffer): void {
    if (this.#cleared) return;
    if (this.#offset === this.#data.length) {
      this.#data = chunk;
      this.#offset = 0;
    } else {
      this.#pending.push(chunk);
    }
    this.#bytes += chunk.length;
  }

  /** The next complete frame, null until more bytes arrive, or `OversizedFrame` when its length exceeds `limit`. */
  next(limit: number): Buffer | OversizedFrame | null {
    if (this.#cleared || this.#bytes < this.#needed) return null;
    if (this.#pending.length > 0) {
      this.#data = Buffer.concat([this.#data.subarray(this.#offset), ...this.#pending], this.#bytes);
      this.#offset = 0;
      this.#pending = [];
    }
    const offset = this.#offset;
    const length = this.#data.readUInt32BE(offset);
    if (length > limit) return new OversizedFrame(length, limit);
    const end = offset + HEADER_BYTES + length;
    if (end > this.#data.length) {
      this.#needed = HEADER_BYTES + length;
      return null;
    }
    this.#offset = end;
    this.#bytes -= HEADER_BYTES + length;
    this.#needed = HEADER_BYTES;
    return this.#data.subarray(offset + HEADER_BYTES, end);
  }

  /** Drops what is buffered, and every later chunk (the connection is closing: nothing more of it is read). */
  clear(): void {
    this.#cleared = true;
    this.#data = EMPTY;
    this.#offset = 0;
    this.#pending = [];
    this.#bytes = 0;
  }
}
