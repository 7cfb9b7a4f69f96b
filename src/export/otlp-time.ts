// Epoch-millisecond floats (FinishedSpan times) to and from OTLP's uint64
// nanoseconds. Above 2^53 a double cannot hold nanoseconds since the epoch,
// so the whole milliseconds and the nanoseconds past them are kept apart and
// combined with integer arithmetic only; the float is touched just once, for
// the sub-millisecond fraction (about 0.25 µs of precision at today's epoch).

const TWO_32 = 4294967296;
// 2^64 - 1 nanoseconds, in whole milliseconds: later times are clamped to it.
const MAX_WHOLE_MS = 18_446_744_073_708;

let wholeMs = 0;
let subNanos = 0;

// Splits `ms` into wholeMs and subNanos (0..999999); NaN and negatives become 0.
function split(ms: number): void {
  if (!(ms > 0)) {
    wholeMs = 0;
    subNanos = 0;
    return;
  }
  let whole = Math.floor(ms);
  // ms - whole is exact (Sterbenz): only the rounding to whole nanoseconds loses anything.
  let sub = Math.round((ms - whole) * 1e6);
  if (sub === 1e6) {
    whole += 1;
    sub = 0;
  }
  if (whole > MAX_WHOLE_MS) {
    whole = MAX_WHOLE_MS;
    sub = 0;
  }
  wholeMs = whole;
  subNanos = sub;
}

/** Writes epoch ms `ms` as little-endian fixed64 nanoseconds into `buf` at `pos` (8 bytes). */
export function writeEpochMsAsFixed64(buf: Uint8Array, pos: number, ms: number): void {
  split(ms);
  // nanos = whole * 1e6 + sub = (q * 2^16 + r) * 1e6 + sub = (q * 1e6) * 2^16 + (r * 1e6 + sub)
  const q = Math.floor(wholeMs / 65536);
  const a = q * 1e6; // < 2^49: exact
  const b = (wholeMs - q * 65536) * 1e6 + subNanos; // < 2^37: exact
  const aLow16 = a % 65536;
  let lo = aLow16 * 65536 + (b % TWO_32);
  let hi = (a - aLow16) / 65536 + Math.floor(b / TWO_32);
  if (lo >= TWO_32) {
    lo -= TWO_32;
    hi += 1;
  }
  buf[pos] = lo;
  buf[pos + 1] = lo >>> 8;
  buf[pos + 2] = lo >>> 16;
  buf[pos + 3] = lo >>> 24;
  buf[pos + 4] = hi;
  buf[pos + 5] = hi >>> 8;
  buf[pos + 6] = hi >>> 16;
  buf[pos + 7] = hi >>> 24;
}

/** Epoch ms as a decimal string of nanoseconds, as OTLP/JSON writes uint64 fields. */
export function epochMsToNanosString(ms: number): string {
  split(ms);
  if (wholeMs === 0) return String(subNanos);
  // 1e6 + sub has seven digits; dropping the first zero-pads sub to six.
  return String(wholeMs) + String(1e6 + subNanos).slice(1);
}

/** Epoch ms from fixed64 nanoseconds given as unsigned 32-bit halves. */
export function fixed64NanosToEpochMs(lo: number, hi: number): number {
  // hi * 2^32 = hi * 4294 * 1e6 + hi * 967296, so every partial stays below 2^53.
  const rest = hi * 967296 + lo;
  const sub = rest % 1e6;
  return hi * 4294 + (rest - sub) / 1e6 + sub / 1e6;
}

/** Epoch ms from OTLP/JSON nanoseconds: a decimal string (or, leniently, a number). */
export function nanosToEpochMs(value: unknown): number {
  if (typeof value === 'number') return value > 0 ? value / 1e6 : 0;
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value)) return 0;
  if (value.length <= 6) return Number(value) / 1e6;
  const whole = Number(value.slice(0, -6));
  return whole + Number(value.slice(-6)) / 1e6;
}
