// Wall-clock time with sub-millisecond precision: performance.timeOrigin plus
// the monotonic performance.now(), so span durations never go negative when
// the system clock is adjusted mid-span. The global `performance` loads
// perf_hooks on first access, so it is read on the first span, not at start-up.
import type { Performance } from 'node:perf_hooks';
import type { TimeInput } from '@opentelemetry/api';

let perf: Performance | undefined;
let origin = 0;

function clock(): Performance {
  if (perf === undefined) {
    perf = globalThis.performance as unknown as Performance;
    origin = perf.timeOrigin;
  }
  return perf;
}

/** Now, as epoch milliseconds with a fractional part. */
export function now(): number {
  const p = perf ?? clock();
  return origin + p.now();
}

/** Converts any api TimeInput (epoch ms, HrTime, Date) to epoch milliseconds; undefined means now. */
export function toEpochMs(time: TimeInput | undefined): number {
  if (time === undefined) return now();
  if (typeof time === 'number') {
    // Numbers below the epoch of year 2000 in ms are performance.now() values (spec: "duration since timeOrigin").
    if (time < 946_684_800_000) {
      clock();
      return origin + time;
    }
    return time;
  }
  if (Array.isArray(time)) return time[0] * 1000 + time[1] / 1e6;
  if (time instanceof Date) return time.getTime();
  return now();
}
