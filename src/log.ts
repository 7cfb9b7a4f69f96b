// The agent's own diagnostics. Goes to stderr, never throws, and repeats a
// message at most once a minute so a hot-path failure cannot flood the app's logs.

/** Log levels as in OTEL_LOG_LEVEL, most severe first. */
export const LOG_LEVELS = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: Record<LogLevel, number> = { none: 0, error: 1, warn: 2, info: 3, debug: 4, verbose: 5, all: 6 };
const REPEAT_AFTER_MS = 60_000;

let threshold = RANK.warn;
const lastSeen = new Map<string, number>();

/** Sets the most verbose level that is printed. */
export function setLogLevel(level: LogLevel): void {
  threshold = RANK[level];
}

/** True when messages of `level` are printed; lets callers skip building them. */
export function logEnabled(level: LogLevel): boolean {
  return RANK[level] <= threshold;
}

function write(level: LogLevel, message: string, detail?: unknown): void {
  if (RANK[level] > threshold) return;
  const now = Date.now();
  const seen = lastSeen.get(message);
  if (seen !== undefined && now - seen < REPEAT_AFTER_MS) return;
  if (lastSeen.size > 1000) lastSeen.clear();
  lastSeen.set(message, now);
  let text = `spanwise ${level}: ${message}`;
  if (detail !== undefined) {
    const d = detail instanceof Error ? (detail.stack ?? String(detail)) : String(detail);
    text += `\n  ${d}`;
  }
  try {
    process.stderr.write(text + '\n');
  } catch {
    // stderr closed: nothing sensible left to do.
  }
}

/** The agent's logger. Each message (by its text) is printed at most once a minute. */
export const log = {
  error: (message: string, detail?: unknown) => write('error', message, detail),
  warn: (message: string, detail?: unknown) => write('warn', message, detail),
  info: (message: string, detail?: unknown) => write('info', message, detail),
  debug: (message: string, detail?: unknown) => write('debug', message, detail),
};
