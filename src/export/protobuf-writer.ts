// The low-level half of the OTLP protobuf encoder: one module-level byte buffer,
// reused across encodings and grown as needed, and the wire-format primitives
// (protobuf.dev, "Encoding") that write into it.
//
// Every writer takes the write position and returns the new one: a local
// position is several times faster in V8 than a module-level one updated per
// byte. `ensure` returns the current buffer, so callers never hold a stale one
// across a growth. A length-delimited field reserves the bytes its length
// usually needs, has its content written, then gets its length back-patched by
// `endLength`; when the guess was wrong the content moves with one copyWithin,
// cheaper than a size pass that would walk every string twice.

const INITIAL_SIZE = 64 * 1024;
// A buffer grown past this for one huge batch is let go once its bytes are taken.
const KEEP_AT_MOST = 4 * 1024 * 1024;
const TWO_32 = 4294967296;
// Below these lengths a JS loop beats a call into native code (measured on Node 20 and 24).
const SHORT_STRING = 24;
const SHORT_COPY = 12;

let buf: Buffer = Buffer.allocUnsafe(INITIAL_SIZE);

// Hex digit values by char code; anything else counts as 0 (bad ids are written, not thrown on).
const HEX = new Uint8Array(256);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[65 + i] = HEX[97 + i] = 10 + i;

/**
 * Makes `target` the buffer the writers write into and returns the one it
 * replaces. Swap back when done: the returned buffer of that second call is the
 * target as it is now, possibly grown (and so replaced) by `ensure`.
 */
export function useBuffer(target: Buffer): Buffer {
  const previous = buf;
  buf = target;
  return previous;
}

/** Makes room for `extra` bytes at `p` and returns the buffer to write them into. */
export function ensure(p: number, extra: number): Buffer {
  if (p + extra > buf.length) {
    const next = Buffer.allocUnsafe(Math.max(buf.length * 2, p + extra));
    buf.copy(next, 0, 0, p);
    buf = next;
  }
  return buf;
}

/** A copy of the first `length` bytes written, for the caller to keep. */
export function takeBytes(length: number): Buffer {
  // allocUnsafe, not allocUnsafeSlow: for a batch-sized body the latter was ~3x
  // slower with the copy (fresh pages each time, Node 24); a small body borrowing
  // a slice of Node's 8 KiB pool lives only as long as its export.
  const out = Buffer.allocUnsafe(length);
  buf.copy(out, 0, 0, length);
  if (buf.length > KEEP_AT_MOST) buf = Buffer.allocUnsafe(INITIAL_SIZE);
  return out;
}

/** A copy of the bytes written at [start, end), for a cache. */
export function copyOut(start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  copyOutTo(out, 0, start, end);
  return out;
}

/** Copies the bytes written at [start, end) into `target` at `at`, for a cache. */
export function copyOutTo(target: Buffer, at: number, start: number, end: number): void {
  buf.copy(target, at, start, end);
}

/** Bytes a uint32 takes as a varint. */
export function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Writes a uint32 varint at `p` (room already ensured). */
export function writeVarint32(p: number, v: number): number {
  const b = buf;
  while (v > 0x7f) {
    b[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  b[p++] = v;
  return p;
}

/**
 * Ends a length-delimited field whose content runs from `start` to `p` after a
 * `reserve`-byte gap for its length: writes the length, moving the content when
 * it needs more or fewer bytes than reserved, and returns the new end.
 */
export function endLength(start: number, reserve: number, p: number): number {
  const length = p - start;
  if (length < 0x80 && reserve === 1) {
    buf[start - 1] = length;
    return p;
  }
  const size = varintSize(length);
  if (size !== reserve) {
    ensure(p, size);
    buf.copyWithin(start - reserve + size, start, p);
    p += size - reserve;
  }
  writeVarint32(start - reserve, length);
  return p;
}

/** Writes a string field: key byte `tag`, length, UTF-8. */
export function writeString(p: number, tag: number, s: string): number {
  const n = s.length;
  const b = ensure(p, n * 3 + 6);
  b[p++] = tag;
  if (n < SHORT_STRING) {
    let q = p + 1;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) return writeUtf8(p, s);
      b[q++] = c;
    }
    b[p] = n;
    return q;
  }
  return writeUtf8(p, s);
}

// Length and UTF-8 bytes through Buffer's native writer. The length reserve assumes
// ASCII; endLength moves the bytes when UTF-8 came out longer. Room for 3 bytes per
// UTF-16 unit was ensured by the caller.
function writeUtf8(p: number, s: string): number {
  const n = s.length;
  const reserve = n < 0x80 ? 1 : varintSize(n);
  const start = p + reserve;
  return endLength(start, reserve, start + buf.write(s, start, 'utf8'));
}

/** Writes a bytes field from a hex string: key byte `tag`, length, the decoded bytes. */
export function writeHexId(p: number, tag: number, hex: string): number {
  // Ids are 8 or 16 bytes; the cap only keeps a garbage id's length in one byte.
  const bytes = Math.min(hex.length >>> 1, 0x7f);
  const b = ensure(p, bytes + 2);
  b[p++] = tag;
  b[p++] = bytes;
  for (let i = 0, c = 0; i < bytes; i++, c += 2) {
    b[p++] = (HEX[hex.charCodeAt(c) & 0xff] << 4) | HEX[hex.charCodeAt(c + 1) & 0xff];
  }
  return p;
}

/** Writes a bytes field of the `length` (8 or 16) id bytes at `at` in `source`: key byte `tag`, length, bytes. */
export function writeIdBytes(p: number, tag: number, source: Buffer, at: number, length: 8 | 16): number {
  const b = ensure(p, length + 2);
  b[p] = tag;
  b[p + 1] = length;
  // Eight bytes at a time, unrolled: a counted loop cost about a third more (callgrind, Node 24).
  copy8(b, p + 2, source, at);
  if (length === 16) copy8(b, p + 10, source, at + 8);
  return p + 2 + length;
}

function copy8(b: Buffer, p: number, s: Buffer, a: number): void {
  b[p] = s[a];
  b[p + 1] = s[a + 1];
  b[p + 2] = s[a + 2];
  b[p + 3] = s[a + 3];
  b[p + 4] = s[a + 4];
  b[p + 5] = s[a + 5];
  b[p + 6] = s[a + 6];
  b[p + 7] = s[a + 7];
}

/** Writes a little-endian fixed32 at `p` (room already ensured). */
export function writeFixed32(p: number, v: number): number {
  const b = buf;
  b[p] = v;
  b[p + 1] = v >>> 8;
  b[p + 2] = v >>> 16;
  b[p + 3] = v >>> 24;
  return p + 4;
}

/** Writes a little-endian double at `p` (room already ensured). */
export function writeDouble(p: number, v: number): number {
  buf.writeDoubleLE(v, p);
  return p + 8;
}

/** Writes an int64 varint at `p`: ten bytes of two's complement for negatives (room already ensured). */
export function writeInt64(p: number, v: number): number {
  if (v >= 0 && v < 0x80000000) return writeVarint32(p, v);
  const a = Math.abs(v);
  let lo = a >>> 0;
  let hi = ((a - lo) / TWO_32) >>> 0;
  if (v < 0) {
    lo = (~lo + 1) >>> 0;
    hi = ~hi >>> 0;
    if (lo === 0) hi = (hi + 1) >>> 0;
  }
  const b = buf;
  while (hi !== 0 || lo > 0x7f) {
    b[p++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  b[p++] = lo;
  return p;
}

/** Copies pre-encoded bytes in at `p`. */
export function copyIn(p: number, bytes: Buffer): number {
  const n = bytes.length;
  const b = ensure(p, n);
  if (n > SHORT_COPY) b.set(bytes, p);
  else for (let i = 0; i < n; i++) b[p + i] = bytes[i];
  return p + n;
}
