// Trace and span ids from a pool of cryptographically random bytes: one
// randomFillSync call serves hundreds of ids, which matters on the span-start path.
import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 8192;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

function take(bytes: number): number {
  if (offset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
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
  return pool.toString('hex', at, at + bytes);
}

/** A new random 128-bit trace id as 32 lowercase hex characters, never all zero. */
export function newTraceId(): string {
  return hexId(16);
}

/** A new random 64-bit span id as 16 lowercase hex characters, never all zero. */
export function newSpanId(): string {
  return hexId(8);
}
