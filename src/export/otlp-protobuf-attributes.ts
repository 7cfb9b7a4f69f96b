// Attributes as repeated KeyValue (opentelemetry-proto common/v1/common.proto),
// the bulk of every encoded span.
//
// Attribute keys repeat from span to span, and so do most values (method, host,
// route, status code). Each key keeps its encoded bytes and the whole encoded
// KeyValue for the last primitive value seen with it; when the value is the
// same again, one copy replaces the encoding. A key whose values keep changing
// (a URL, an id) stops remembering them after a few misses, so it costs no
// allocation per span; now and then it tries again, in case the values settled.
import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { copyIn, copyOut, endLength, ensure, varintSize, writeDouble, writeInt64, writeString } from './protobuf-writer';

// Field keys, (field number << 3) | wire type.
const TAG_KEY_VALUE_KEY = (1 << 3) | 2;
const TAG_KEY_VALUE_VALUE = (2 << 3) | 2;
const TAG_ANY_STRING = (1 << 3) | 2;
const TAG_ANY_BOOL = 2 << 3;
const TAG_ANY_INT = 3 << 3;
const TAG_ANY_DOUBLE = (4 << 3) | 1;
const TAG_ANY_ARRAY = (5 << 3) | 2;
const TAG_ARRAY_VALUES = (1 << 3) | 2;

const INT64_LIMIT = 2 ** 63;

interface KeyEntry {
  /** The key itself. */
  readonly name: string;
  /** [key tag, length, UTF-8] of the key. */
  readonly key: Buffer;
  /** The value `kv` encodes; NOT_CACHED when nothing is remembered. */
  value: unknown;
  /** [length, KeyValue content] for `value`. */
  kv: Buffer;
  /** Up with hits, down with misses: below STOP_BELOW the key stops remembering values. */
  score: number;
  /** The entry of the key that followed this one last time (see writeAttributes). */
  next: KeyEntry | undefined;
}

const NOT_CACHED = {};
const EMPTY = Buffer.alloc(0);
const MAX_KEYS = 4096;
const MAX_CACHED_KEY_CHARS = 256;
const MAX_CACHED_KV_BYTES = 512;
const MAX_SCORE = 32;
const STOP_BELOW = -8;
const RETRY_BELOW = -1024;
const keyCache = new Map<string, KeyEntry>();

function newKeyEntry(key: string): KeyEntry {
  const bytes = Buffer.from(key, 'utf8');
  const size = varintSize(bytes.length);
  const encoded = Buffer.allocUnsafe(1 + size + bytes.length);
  encoded[0] = TAG_KEY_VALUE_KEY;
  let at = 1;
  for (let n = bytes.length; n > 0x7f; n >>>= 7) encoded[at++] = (n & 0x7f) | 0x80;
  encoded[at] = bytes.length >>> (7 * (size - 1));
  bytes.copy(encoded, 1 + size);
  const entry: KeyEntry = { name: key, key: encoded, value: NOT_CACHED, kv: EMPTY, score: 0, next: undefined };
  if (key.length <= MAX_CACHED_KEY_CHARS) {
    // A process that invents keys without end gets a fresh cache rather than an unbounded one.
    if (keyCache.size >= MAX_KEYS) keyCache.clear();
    keyCache.set(key, entry);
  }
  return entry;
}

// Remembers the KeyValue just written at [start, end) for `value`, unless its key's values keep changing.
function remember(entry: KeyEntry, value: unknown, start: number, end: number): void {
  const score = --entry.score;
  if (score < RETRY_BELOW) entry.score = 0;
  if (score < STOP_BELOW || end - start > MAX_CACHED_KV_BYTES || typeof value === 'object') {
    entry.value = NOT_CACHED;
    return;
  }
  entry.value = value;
  entry.kv = copyOut(start, end);
}

function writeNumber(p: number, n: number): number {
  const b = ensure(p, 11);
  // Integral numbers become int_value, everything else (fractions, NaN, ±Infinity, huge) double_value.
  if (Number.isInteger(n) && n >= -INT64_LIMIT && n < INT64_LIMIT) {
    b[p] = TAG_ANY_INT;
    return writeInt64(p + 1, n);
  }
  b[p] = TAG_ANY_DOUBLE;
  return writeDouble(p + 1, n);
}

// The fields of an AnyValue; null, undefined and other types give an empty AnyValue.
function writeAnyValue(p: number, value: unknown): number {
  switch (typeof value) {
    case 'string':
      return writeString(p, TAG_ANY_STRING, value);
    case 'number':
      return writeNumber(p, value);
    case 'boolean': {
      const b = ensure(p, 2);
      b[p] = TAG_ANY_BOOL;
      b[p + 1] = value ? 1 : 0;
      return p + 2;
    }
  }
  if (!Array.isArray(value)) return p;
  ensure(p, 2)[p] = TAG_ANY_ARRAY;
  const arrayStart = p + 2;
  p = arrayStart;
  for (let i = 0; i < value.length; i++) {
    ensure(p, 2)[p] = TAG_ARRAY_VALUES;
    const itemStart = p + 2;
    p = endLength(itemStart, 1, writeAnyValue(itemStart, value[i]));
  }
  return endLength(arrayStart, 1, p);
}

/** Writes `attributes` as repeated KeyValue fields with key byte `tag`; null and undefined values are skipped. */
export function writeAttributes(p: number, tag: number, attributes: Attributes | undefined): number {
  // Spans of one kind list the same keys in the same order, so each entry
  // remembers which entry came next: one pointer comparison, where a Map lookup
  // per key cost about 110 instructions (callgrind, Node 24).
  let predicted: KeyEntry | undefined;
  let previous: KeyEntry | undefined;
  // for-in rather than Object.keys: no array per call. Attribute objects are plain data.
  for (const key in attributes) {
    const value: AttributeValue | undefined = attributes[key];
    if (value === undefined || value === null) continue;
    let entry: KeyEntry;
    if (predicted !== undefined && predicted.name === key) entry = predicted;
    else {
      entry = keyCache.get(key) ?? newKeyEntry(key);
      if (previous !== undefined) previous.next = entry;
    }
    previous = entry;
    predicted = entry.next;
    ensure(p, 1)[p++] = tag;
    if (entry.value === value) {
      if (entry.score < MAX_SCORE) entry.score++;
      p = copyIn(p, entry.kv);
      continue;
    }
    const kvStart = p + 1;
    p = copyIn(kvStart, entry.key);
    ensure(p, 2)[p] = TAG_KEY_VALUE_VALUE;
    const valueStart = p + 2;
    p = endLength(valueStart, 1, writeAnyValue(valueStart, value));
    p = endLength(kvStart, 1, p);
    remember(entry, value, kvStart - 1, p);
  }
  return p;
}
