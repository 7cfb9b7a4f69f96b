// When and how long the OTLP/HTTP exporter waits before sending a batch again.
// OTLP spec, "OTLP/HTTP Throttling" and "Failures": 429, 502, 503 and 504 are
// retryable, the client SHOULD honour Retry-After, and SHOULD back off
// exponentially with jitter; every other 4xx/5xx means the data is dropped.

/** HTTP statuses the OTLP/HTTP spec lists as retryable. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

// Transient network failures: the collector is restarting, a pooled keep-alive
// socket was closed by the server ("socket hang up" carries ECONNRESET), or the
// network briefly went away.
const RETRYABLE_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

const MAX_STEP_MS = 5_000;

/** True when a response with this status should be retried. */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/** True when a request error is a connection failure worth retrying. */
export function isRetryableNetworkError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && RETRYABLE_ERROR_CODES.has(code)) return true;
  return (error as { message?: unknown }).message === 'socket hang up';
}

/**
 * Milliseconds a Retry-After header asks to wait (RFC 9110 section 10.2.3: a
 * number of seconds or an HTTP date), or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  if (Array.isArray(value)) value = value[0];
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // All three HTTP-date forms name the month and carry an hh:mm:ss time; the
  // check keeps Date.parse from reading "-1" or "1.5" as years.
  if (!/[a-z]/i.test(text) || !text.includes(':')) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * Delay before retry number `attempt` (0 for the first retry): base * 2^attempt,
 * at most 5 s, with "equal jitter" (half fixed, half random) so that exporters
 * restarted together do not retry in lockstep, yet never retry instantly.
 */
export function backoffDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const step = Math.min(MAX_STEP_MS, baseMs * 2 ** Math.min(attempt, 30));
  return step / 2 + (step / 2) * random();
}
