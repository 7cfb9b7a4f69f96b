// Epoch-millisecond floats (FinishedSpan times) to and from OTLP's uint64
// nanoseconds. Above 2^53 a double cannot hold nanoseconds since the epoch,
// so the whole milliseconds and the nanoseconds past them are kept apart and
// combined with integer arithmetic only; the float is touched just once, for
// the sub-millisecond fraction (about 0.25 µs of precision at today's epoch).

const TWO_32 = 4294967296;
// 2^64 - 1 nanoseconds, in whole milliseconds: later times are clamped to it.
const MAX_WHOLE_MS = 18_446_744_073_708;

// Whole milliseconds of `ms` (NaN and negatives are 0), clamped to what fixed64 nanoseconds hold.
function wholeMsOf(ms: number): number {
  return ms > 0 ? Math.min(Math.floor(ms), MAX_WHOLE_MS) : 0;
}

// Nanoseconds past the whole millisecond, 0..1e6 (1e6 when rounding carries into the next one).
function subNanosOf(ms: number, whole: number): number {
  // ms - whole is exact (Sterbenz): only the rounding to whole nanoseconds loses anything.
  return ms > 0 && whole < MAX_WHOLE_MS ? Math.round((ms - whole) * 1e6) : 0;
}

/** Writes epoch ms `ms` as little-endian fixed64 nanoseconds into `buf` at `pos` (8 bytes). */
export function writeEpochMsAsFixed64(buf: Uint8Array, pos: number, ms: number): void {
  const whole = wholeMsOf(ms);
  // nanos = whole * 1e6 + sub = (q * 2^16 + r) * 1e6 + sub = (q * 1e6) * 2^16 + (r * 1e6 + sub).
  // Integer doubles below 2^53 only, and no float %: `& 0xffff` and `>>> 0` are exact on them.
  const q = Math.floor(whole / 65536);
  const a = q * 1e6; // < 2^49
  const b = (whole - q * 65536) * 1e6 + subNanosOf(ms, whole); // < 2^37
  const aLow16 = a & 0xffff;
  const bLow32 = b >>> 0;
  let lo = aLow16 * 65536 + bLow32;
  let hi = (a - aLow16) / 65536 + (b - bLow32) / TWO_32;
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
  let whole = wholeMsOf(ms);
  let sub = subNanosOf(ms, whole);
  if (sub === 1e6) {
    whole += 1;
    sub = 0;
  }
  if (whole === 0) return String(sub);
  // 1e6 + sub has seven digits; dropping the first zero-pads sub to six.
  return String(whole) + String(1e6 + sub).slice(1);
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
