// Wall-clock time with sub-millisecond precision: performance.timeOrigin plus
// the monotonic performance.now(), so span durations never go negative when
// the system clock is adjusted mid-span.
import { performance } from 'node:perf_hooks';
import type { TimeInput } from '@opentelemetry/api';

const origin = performance.timeOrigin;

/** Now, as epoch milliseconds with a fractional part. */
export function now(): number {
  return origin + performance.now();
}

/** Converts any api TimeInput (epoch ms, HrTime, Date) to epoch milliseconds; undefined means now. */
export function toEpochMs(time: TimeInput | undefined): number {
  if (time === undefined) return now();
  if (typeof time === 'number') {
    // Numbers below the epoch of year 2000 in ms are performance.now() values (spec: "duration since timeOrigin").
    return time < 946_684_800_000 ? origin + time : time;
  }
  if (Array.isArray(time)) return time[0] * 1000 + time[1] / 1e6;
  if (time instanceof Date) return time.getTime();
  return now();
}
