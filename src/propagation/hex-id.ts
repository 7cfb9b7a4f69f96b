// Lowercase-hex id checks shared by the W3C and B3 propagators. Char loops, not
// regexes: they run on every request and a loop is several times cheaper.
import type { SpanContext } from '@opentelemetry/api';
import { CheckedSpanContext } from '../span-context';

/** Value of the lowercase hex digit with char code `c` (0-9, a-f), or -1 for anything else. */
export function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** True when `s[start, end)` is lowercase hex and not all zeros (W3C and B3 both forbid the all-zero id). */
export function isNonZeroLowerHex(s: string, start: number, end: number): boolean {
  let nonZero = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 48) continue;
    if ((c > 48 && c <= 57) || (c >= 97 && c <= 102)) nonZero = true;
    else return false;
  }
  return nonZero;
}

/** True for a 32-char lowercase hex trace id that is not all zeros. */
export function isValidTraceId(id: unknown): id is string {
  return typeof id === 'string' && id.length === 32 && isNonZeroLowerHex(id, 0, 32);
}

/** True for a 16-char lowercase hex span id that is not all zeros. */
export function isValidSpanId(id: unknown): id is string {
  return typeof id === 'string' && id.length === 16 && isNonZeroLowerHex(id, 0, 16);
}

/** Both ids valid as above; the SDK's own contexts were checked when made, so they skip the per-character scan. */
export function hasValidIds(spanContext: SpanContext): boolean {
  return spanContext instanceof CheckedSpanContext || (isValidTraceId(spanContext.traceId) && isValidSpanId(spanContext.spanId));
}
