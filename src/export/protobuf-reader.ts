// A small reader for the protobuf wire format (protobuf.dev, "Encoding"), enough
// for OTLP messages: varints, fixed32/64, doubles, length-delimited fields and
// skipping unknown fields. Every read is bounds-checked; malformed input throws
// ProtobufError, which the OTLP decoder turns into its own error.

/** Wire types of the protobuf encoding. */
export const WireType = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

/** Malformed protobuf input: truncated, an overlong varint, or an unsupported wire type. */
export class ProtobufError extends Error {
  override name = 'ProtobufError';
}

const TWO_32 = 4294967296;
const utf8 = new TextDecoder('utf-8');

/** Reads fields from `bytes[pos, end)`; `sub()` gives a reader for one nested message. */
export class ProtobufReader {
  pos: number;
  readonly end: number;
  readonly bytes: Uint8Array;
  /** High 32 bits of the last varint64/fixed64 read; the low 32 bits are the return value. */
  high = 0;

  constructor(bytes: Uint8Array, pos = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = pos;
    this.end = end;
  }

  /** True while fields remain. */
  more(): boolean {
    return this.pos < this.end;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new ProtobufError(`truncated message at byte ${this.pos}`);
  }

  /** Reads a varint of up to 64 bits: returns the low 32 bits unsigned, sets `high`. */
  varint(): number {
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      this.need(1);
      const b = this.bytes[this.pos++];
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (shift - 32);
      if (b < 0x80) {
        this.high = hi >>> 0;
        return lo >>> 0;
      }
    }
    throw new ProtobufError(`varint longer than 10 bytes at byte ${this.pos}`);
  }

  /** Reads a field key: (field number << 3) | wire type. */
  tag(): number {
    return this.varint();
  }

  /** Reads a uint32 or enum varint (upper bits of a longer varint are ignored). */
  uint32(): number {
    return this.varint();
  }

  /** Reads an int64 varint as a number (exact up to 2^53, rounded beyond). */
  int64(): number {
    const lo = this.varint();
    const hi = this.high;
    if (hi & 0x80000000) {
      // Two's complement negative: -(~value + 1).
      const nlo = (~lo + 1) >>> 0;
      const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
      return -(nhi * TWO_32 + nlo);
    }
    return hi * TWO_32 + lo;
  }

  /** Reads a bool varint. */
  bool(): boolean {
    const lo = this.varint();
    return lo !== 0 || this.high !== 0;
  }

  /** Reads a little-endian fixed32, unsigned. */
  fixed32(): number {
    this.need(4);
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }

  /** Reads a little-endian fixed64: returns the low 32 bits, sets `high`. */
  fixed64(): number {
    const lo = this.fixed32();
    this.high = this.fixed32();
    return lo;
  }

  /** Reads a little-endian IEEE 754 double. */
  double(): number {
    this.need(8);
    const b = this.bytes;
    const view = new DataView(b.buffer, b.byteOffset + this.pos, 8);
    this.pos += 8;
    return view.getFloat64(0, true);
  }

  private length(): number {
    const n = this.varint();
    if (this.high !== 0 || this.pos + n > this.end) throw new ProtobufError(`length ${n} past the end at byte ${this.pos}`);
    return n;
  }

  /** Reads a length-delimited field as a view on the same memory. */
  bytesField(): Uint8Array {
    const n = this.length();
    const start = this.pos;
    this.pos += n;
    return this.bytes.subarray(start, start + n);
  }

  /** Reads a length-delimited field as UTF-8 (invalid sequences become U+FFFD). */
  string(): string {
    return utf8.decode(this.bytesField());
  }

  /** Reads a length-delimited field as a reader over the nested message. */
  sub(): ProtobufReader {
    const n = this.length();
    const start = this.pos;
    this.pos += n;
    return new ProtobufReader(this.bytes, start, start + n);
  }

  /** Skips a field of wire type `wireType` (its key already read). */
  skipField(wireType: number): void {
    switch (wireType) {
      case WireType.VARINT:
        this.varint();
        return;
      case WireType.I64:
        this.need(8);
        this.pos += 8;
        return;
      case WireType.LEN: {
        // Not `this.pos += this.length()`: that would add to pos as it was before the length was read.
        const n = this.length();
        this.pos += n;
        return;
      }
      case WireType.I32:
        this.need(4);
        this.pos += 4;
        return;
      default:
        // Groups (3, 4) are deprecated and unused by OTLP; 6 and 7 do not exist.
        throw new ProtobufError(`unsupported wire type ${wireType} at byte ${this.pos}`);
    }
  }
}
