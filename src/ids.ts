// Trace and span ids from a pool of cryptographically random bytes: one
// randomFillSync call serves hundreds of ids, which matters on the span-start path.
//
// The pool is turned into hex one window at a time, and an id is a slice of the
// window's string: V8 makes a slice of 13 or more characters a view on its
// parent, so an id costs no per-byte work (measured: about 4x faster than
// Buffer#toString('hex', start, end), which crosses into C++ for every id and
// was ~20% of span start+end). An id kept alive long after its span keeps its
// window's string alive too, so windows are small (1 KiB of bytes, 2 KiB of hex)
// while the pool stays large enough to make randomFillSync's fixed cost negligible.
//
// The bytes of every id stay readable beside its hex (lastIdPool, lastIdAt): a
// used-up pool is replaced, never refilled, so the encoder copies a span's ids
// instead of decoding their hex, which was the most expensive step of encoding
// a span (about 2,500 instructions of ~9,000, callgrind).
//
// node:crypto is loaded on the first refill, not at start-up: it pulls in a
// dozen internal modules that every instrumented process would pay for at launch.
type RandomFill = (buffer: Buffer) => Buffer;
let randomFill: RandomFill | undefined;

function freshPool(): Buffer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  randomFill ??= (require('node:crypto') as { randomFillSync: RandomFill }).randomFillSync;
  // Its own memory, not a slice of Buffer's shared pool: ids may keep it alive.
  return randomFill(Buffer.allocUnsafeSlow(POOL_SIZE));
}

// A pool serves about 170 spans; the randomFillSync per pool costs less than a microsecond.
const POOL_SIZE = 4096;
const WINDOW_SIZE = 1024;
let pool: Buffer = Buffer.alloc(0);
let lastAt = 0;
let offset = POOL_SIZE;
let windowStart = POOL_SIZE;
let windowEnd = POOL_SIZE;
let windowHex = '';

/** Reserves `bytes` random bytes inside one window and returns their pool offset. */
function take(bytes: number): number {
  if (offset + bytes > windowEnd) {
    if (windowEnd + bytes > POOL_SIZE) {
      pool = freshPool();
      windowEnd = 0;
    }
    windowStart = windowEnd;
    windowEnd = windowStart + WINDOW_SIZE;
    windowHex = pool.toString('hex', windowStart, windowEnd);
    offset = windowStart;
  }
  const at = offset;
  offset += bytes;
  return at;
}

function isZero(at: number, bytes: number): boolean {
  for (let i = at; i < at + bytes; i++) if (pool[i] !== 0) return false;
  return true;
}

function hexId(bytes: number): string {
  let at = take(bytes);
  // An all-zero id is invalid (W3C Trace Context §3.2.2.3); draw again.
  while (isZero(at, bytes)) at = take(bytes);
  lastAt = at;
  const from = (at - windowStart) * 2;
  return windowHex.slice(from, from + bytes * 2);
}

/** A new random 128-bit trace id as 32 lowercase hex characters, never all zero. */
export function newTraceId(): string {
  return hexId(16);
}

/** A new random 64-bit span id as 16 lowercase hex characters, never all zero. */
export function newSpanId(): string {
  return hexId(8);
}

/** The buffer holding the bytes of the id newTraceId or newSpanId returned last; never overwritten. */
export function lastIdPool(): Buffer {
  return pool;
}

/** Where in lastIdPool() the bytes of the id returned last start. */
export function lastIdAt(): number {
  return lastAt;
}
