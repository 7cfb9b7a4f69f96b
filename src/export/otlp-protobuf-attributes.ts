// Attributes as repeated KeyValue (opentelemetry-proto common/v1/common.proto),
// the bulk of every encoded span.
//
// Attribute keys repeat from span to span, and so do most values (method, host,
// route, status code). Each key keeps its encoded bytes and the whole encoded
// KeyValue for the last primitive value seen with it; when the value is the
// same again, one copy replaces the encoding. A key whose values keep changing
// (a URL, an id) stops remembering them after a few misses, so it costs no
// allocation per span; now and then it tries again, in case the values settled.
//
// Spans of one kind also list the same keys in the same order, most with the
// same values: a key's entry keeps, for the keys that followed it last time, one
// Block of their KeyValues encoded back to back. When the keys and values come
// again, runs of them are copied at once, where a copy per key cost about 175
// instructions each (callgrind, Node 24: ten per HTTP server span).
import type { AttributeValue, Attributes } from '@opentelemetry/api';
import {
  copyIn, copyOut, copyOutTo, endLength, ensure, varintSize, writeDouble, writeInt64, writeString,
} from './protobuf-writer';

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
  /** Blocks of the keys that followed this one as a first key (see Block), at most MAX_BLOCKS; NO_BLOCKS once given up. */
  blocks: Block[] | undefined;
  /** Blocks built for this first key so far. */
  builds: number;
}

/**
 * The keys after a first key, as they came last time, with their KeyValue
 * fields encoded back to back: piece j, the field of entries[j], is
 * bytes[cuts[j], cuts[j + 1]). A piece whose value is HOLE is never copied (its
 * key's values change, or it could not be kept); its key is encoded afresh.
 */
interface Block {
  /** The field key byte the pieces were written with. */
  readonly tag: number;
  readonly entries: KeyEntry[];
  readonly values: unknown[];
  readonly cuts: number[];
  readonly bytes: Buffer;
  /**
   * For each piece a that starts a run (the first piece, or one after a hole):
   * the pieces from a up to the next hole, runEnds[a], as a Buffer of their own,
   * so that copying a whole run needs no view made of `bytes`.
   */
  readonly runs: (Buffer | undefined)[];
  readonly runEnds: number[];
  /** Uses, and those whose keys differed (a key missing, added or moved): see findBlock. */
  uses: number;
  misses: number;
}

const HOLE = {};
const NO_BLOCKS: Block[] = [];
const MAX_BLOCKS = 4;
// A block is built anew from the next span once REBUILD_AT of its uses, and more than half, had other keys.
const REBUILD_AT = 16;
// A first key whose followers keep changing stops building blocks after this many.
const MAX_BUILDS = 256;
const MAX_BLOCK_BYTES = 4096;

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
  const entry: KeyEntry = {
    name: key, key: encoded, value: NOT_CACHED, kv: EMPTY, score: 0, next: undefined, blocks: undefined, builds: 0,
  };
  if (key.length <= MAX_CACHED_KEY_CHARS) {
    // A process that invents keys without end gets a fresh cache rather than an unbounded one.
    if (keyCache.size >= MAX_KEYS) keyCache.clear();
    keyCache.set(key, entry);
  }
  return entry;
}

/** The cache entry of `key`, made on first sight. */
function entryFor(key: string): KeyEntry {
  return keyCache.get(key) ?? newKeyEntry(key);
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

/**
 * Writes `attributes` as repeated KeyValue fields with key byte `tag`; null and
 * undefined values are skipped. The first key goes key by key (writeKeyValue);
 * from the second on, the keys follow the first key's Block for `tag` and the
 * second key, copying each run of unchanged values at once. Where they differ,
 * a key the block lacks is written alone and a piece the span lacks is skipped,
 * so a request with a query string, say, still copies the fields around it. A
 * span that found no Block (or a stale one) records where each field went, and
 * leaves a Block built from them.
 */
export function writeAttributes(p: number, tag: number, attributes: Attributes | undefined): number {
  // Key by key, each entry remembers which entry came next: one pointer
  // comparison, where a Map lookup per key cost about 110 instructions.
  let predicted: KeyEntry | undefined;
  let previous: KeyEntry | undefined;
  let first: KeyEntry | undefined;
  let block: Block | undefined;
  // In a block: the next piece expected, and the first piece not yet copied.
  let j = 0;
  let from = 0;
  let missed = false;
  // Recording for a new block: the entries from the second key on, their values, where each field starts.
  let recorded: KeyEntry[] | undefined;
  let values: unknown[] | undefined;
  let starts: number[] | undefined;
  // for-in rather than Object.keys: no array per call. Attribute objects are plain data.
  for (const key in attributes) {
    const value: AttributeValue | undefined = attributes[key];
    if (value === undefined || value === null) continue;
    if (first !== undefined && previous === first && block === undefined && recorded === undefined) {
      // The second key: pick the block, or record one.
      block = findBlock(first, tag, key);
      // Keys too long for the key cache get a new entry each time: no block to keep them in.
      if (block === undefined && first.blocks !== NO_BLOCKS && first.name.length <= MAX_CACHED_KEY_CHARS) {
        recorded = [];
        values = [];
        starts = [];
      }
    }
    if (block !== undefined) {
      const entries = block.entries;
      let matched = j < entries.length && entries[j].name === key;
      if (!matched && j + 1 < entries.length && entries[j + 1].name === key) {
        // This span lacks the key of piece j: copy the run before it, and go on from the next piece.
        p = copyPieces(p, block, from, j);
        from = ++j;
        missed = true;
        matched = true;
      }
      if (matched) {
        const expected = block.values[j];
        if (expected !== value) {
          // A changed value: copy the run before it and write this one afresh; from now on it is a hole.
          p = copyPieces(p, block, from, j);
          p = writeKeyValue(p, tag, entries[j], value);
          if (expected !== HOLE) makeHole(block, j);
          from = j + 1;
        }
        j++;
        continue;
      }
      // A key the block has not here (an extra one, or keys in another order): copy the run before it, write it alone.
      p = copyPieces(p, block, from, j);
      from = j;
      missed = true;
      p = writeKeyValue(p, tag, entryFor(key), value);
      continue;
    }
    let entry: KeyEntry;
    if (predicted !== undefined && predicted.name === key) entry = predicted;
    else {
      entry = entryFor(key);
      if (previous !== undefined) previous.next = entry;
    }
    previous = entry;
    predicted = entry.next;
    first ??= entry;
    if (recorded !== undefined) {
      recorded.push(entry);
      values!.push(value);
      starts!.push(p);
    }
    p = writeKeyValue(p, tag, entry, value);
  }
  if (block !== undefined) {
    p = copyPieces(p, block, from, j);
    block.uses++;
    if (missed || j !== block.entries.length) block.misses++;
  } else if (recorded !== undefined) {
    starts!.push(p);
    addBlock(first!, tag, recorded, values!, starts!);
  }
  return p;
}

/** One KeyValue field: copied from the key's entry when its value is the one remembered, else encoded. */
function writeKeyValue(p: number, tag: number, entry: KeyEntry, value: AttributeValue): number {
  ensure(p, 1)[p++] = tag;
  if (entry.value === value) {
    if (entry.score < MAX_SCORE) entry.score++;
    return copyIn(p, entry.kv);
  }
  const kvStart = p + 1;
  p = copyIn(kvStart, entry.key);
  ensure(p, 2)[p] = TAG_KEY_VALUE_VALUE;
  const valueStart = p + 2;
  p = endLength(valueStart, 1, writeAnyValue(valueStart, value));
  p = endLength(kvStart, 1, p);
  remember(entry, value, kvStart - 1, p);
  return p;
}

/** Copies pieces [from, to) of `block`: a whole run as it is, anything else through a view of the block's bytes. */
function copyPieces(p: number, block: Block, from: number, to: number): number {
  if (from === to) return p;
  if (block.runEnds[from] === to) return copyIn(p, block.runs[from]!);
  return copyIn(p, block.bytes.subarray(block.cuts[from], block.cuts[to]));
}

/** Makes piece j a hole, splitting the run it was in. */
function makeHole(block: Block, j: number): void {
  block.values[j] = HOLE;
  for (let a = j; a >= 0; a--) {
    const end = block.runEnds[a];
    if (block.runs[a] === undefined || end <= j) continue;
    if (a < j) setRun(block, a, j);
    else {
      block.runs[a] = undefined;
      block.runEnds[a] = -1;
    }
    if (j + 1 < end) setRun(block, j + 1, end);
    return;
  }
}

function setRun(block: Block, from: number, to: number): void {
  block.runs[from] = Buffer.from(block.bytes.subarray(block.cuts[from], block.cuts[to]));
  block.runEnds[from] = to;
}

/** The usable block of `first` for `tag` whose keys start with `second`, if any. */
function findBlock(first: KeyEntry, tag: number, second: string): Block | undefined {
  const i = blockIndex(first, tag, second);
  if (i < 0) return undefined;
  const block = first.blocks![i];
  return block.misses >= REBUILD_AT && block.misses * 2 > block.uses ? undefined : block;
}

/** Where `first` keeps its block for `tag` and second key `second`; -1 when it has none. */
function blockIndex(first: KeyEntry, tag: number, second: string): number {
  const blocks = first.blocks;
  if (blocks === undefined) return -1;
  for (let i = 0; i < blocks.length; i++) {
    if (blocks[i].tag === tag && blocks[i].entries[0].name === second) return i;
  }
  return -1;
}

/**
 * Builds a block from the fields just written, one per recorded entry, field k
 * at [starts[k], starts[k + 1]). A value the key's entry did not keep (an array,
 * a key whose values keep changing) is a hole. Replaces the block it supersedes
 * (same tag and second key), else the oldest once there are MAX_BLOCKS.
 */
function addBlock(first: KeyEntry, tag: number, entries: KeyEntry[], values: unknown[], starts: number[]): void {
  if (++first.builds > MAX_BUILDS) {
    first.blocks = NO_BLOCKS;
    return;
  }
  const n = entries.length;
  let size = 0;
  for (let k = 0; k < n; k++) {
    if (entries[k].value !== values[k]) values[k] = HOLE;
    else size += starts[k + 1] - starts[k];
  }
  if (size > MAX_BLOCK_BYTES) return;
  const bytes = Buffer.allocUnsafe(size);
  const cuts = new Array<number>(n + 1);
  let at = 0;
  for (let k = 0; k < n; k++) {
    cuts[k] = at;
    if (values[k] === HOLE) continue;
    copyOutTo(bytes, at, starts[k], starts[k + 1]);
    at += starts[k + 1] - starts[k];
  }
  cuts[n] = at;
  const runs = new Array<Buffer | undefined>(n).fill(undefined);
  const runEnds = new Array<number>(n).fill(-1);
  const block: Block = { tag, entries, values, cuts, bytes, runs, runEnds, uses: 0, misses: 0 };
  for (let a = 0; a < n;) {
    let end = a;
    while (end < n && values[end] !== HOLE) end++;
    if (end > a) setRun(block, a, end);
    a = end + 1;
  }
  const superseded = blockIndex(first, tag, entries[0].name);
  const blocks = (first.blocks ??= []);
  if (superseded >= 0) blocks[superseded] = block;
  else {
    if (blocks.length >= MAX_BLOCKS) blocks.shift();
    blocks.push(block);
  }
}
