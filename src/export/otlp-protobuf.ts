// ExportTraceServiceRequest as protobuf bytes, written by hand for speed
// (opentelemetry-proto: collector/trace/v1/trace_service.proto, trace/v1/trace.proto,
// common/v1/common.proto, resource/v1/resource.proto).
//
// One module-level byte buffer is reused across calls and grows as needed, so
// an export allocates little more than its result. Every writer takes the write
// position and returns the new one: a local position is several times faster in
// V8 than a module-level variable updated per byte. A length-delimited field
// reserves the bytes its length usually needs, writes the content, then
// back-patches the length; in the rare case the guess was wrong the content is
// moved with one copyWithin. That beats a separate size pass, which would walk
// every string twice. Proto3 default values (zero counts, UNSET status, empty
// strings) are left out, as the proto3 encoding allows.
import type { AttributeValue, Attributes, SpanContext } from '@opentelemetry/api';
import type { FinishedSpan, InstrumentationScope, ResourceData, SpanEventData, SpanLinkData } from '../span-data';
import { groupSpans, type ScopeGroup } from './otlp-group';
import { writeEpochMsAsFixed64 } from './otlp-time';

// Field keys, (field number << 3) | wire type; all but span.flags fit in one byte.
const LEN = 2;
const TAG_REQUEST_RESOURCE_SPANS = (1 << 3) | LEN;
const TAG_RESOURCE = (1 << 3) | LEN;
const TAG_RESOURCE_SCOPE_SPANS = (2 << 3) | LEN;
const TAG_RESOURCE_ATTRIBUTES = (1 << 3) | LEN;
const TAG_SCOPE = (1 << 3) | LEN;
const TAG_SCOPE_SPANS_SPANS = (2 << 3) | LEN;
const TAG_SCOPE_SPANS_SCHEMA_URL = (3 << 3) | LEN;
const TAG_SCOPE_NAME = (1 << 3) | LEN;
const TAG_SCOPE_VERSION = (2 << 3) | LEN;
const TAG_SPAN_TRACE_ID = (1 << 3) | LEN;
const TAG_SPAN_SPAN_ID = (2 << 3) | LEN;
const TAG_SPAN_TRACE_STATE = (3 << 3) | LEN;
const TAG_SPAN_PARENT_SPAN_ID = (4 << 3) | LEN;
const TAG_SPAN_NAME = (5 << 3) | LEN;
const TAG_SPAN_KIND = 6 << 3;
const TAG_SPAN_START = (7 << 3) | 1;
const TAG_SPAN_END = (8 << 3) | 1;
const TAG_SPAN_ATTRIBUTES = (9 << 3) | LEN;
const TAG_SPAN_DROPPED_ATTRIBUTES = 10 << 3;
const TAG_SPAN_EVENTS = (11 << 3) | LEN;
const TAG_SPAN_DROPPED_EVENTS = 12 << 3;
const TAG_SPAN_LINKS = (13 << 3) | LEN;
const TAG_SPAN_DROPPED_LINKS = 14 << 3;
const TAG_SPAN_STATUS = (15 << 3) | LEN;
// span.flags is field 16, fixed32: key 133 as a two-byte varint.
const TAG_SPAN_FLAGS_0 = 0x85;
const TAG_SPAN_FLAGS_1 = 0x01;
const TAG_EVENT_TIME = (1 << 3) | 1;
const TAG_EVENT_NAME = (2 << 3) | LEN;
const TAG_EVENT_ATTRIBUTES = (3 << 3) | LEN;
const TAG_EVENT_DROPPED_ATTRIBUTES = 4 << 3;
const TAG_LINK_TRACE_ID = (1 << 3) | LEN;
const TAG_LINK_SPAN_ID = (2 << 3) | LEN;
const TAG_LINK_TRACE_STATE = (3 << 3) | LEN;
const TAG_LINK_ATTRIBUTES = (4 << 3) | LEN;
const TAG_LINK_DROPPED_ATTRIBUTES = 5 << 3;
const TAG_LINK_FLAGS = (6 << 3) | 5;
const TAG_STATUS_MESSAGE = (2 << 3) | LEN;
const TAG_STATUS_CODE = 3 << 3;
const TAG_KEY_VALUE_KEY = (1 << 3) | LEN;
const TAG_KEY_VALUE_VALUE = (2 << 3) | LEN;
const TAG_ANY_STRING = (1 << 3) | LEN;
const TAG_ANY_BOOL = 2 << 3;
const TAG_ANY_INT = 3 << 3;
const TAG_ANY_DOUBLE = (4 << 3) | 1;
const TAG_ANY_ARRAY = (5 << 3) | LEN;
const TAG_ARRAY_VALUES = (1 << 3) | LEN;

// trace.proto SpanFlags: bit 8 says whether bit 9 (parent or link is remote) is known.
const SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK = 0x100;
const SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK = 0x200;

const INITIAL_SIZE = 64 * 1024;
// A buffer grown past this for one huge batch is let go after the call.
const KEEP_AT_MOST = 4 * 1024 * 1024;
const TWO_32 = 4294967296;
const INT64_LIMIT = 2 ** 63;
// Below these lengths a JS loop beats a call into native code (measured on Node 20 and 24).
const SHORT_STRING = 24;
const SHORT_COPY = 12;

let buf: Buffer = Buffer.allocUnsafe(INITIAL_SIZE);

// Hex digit values by char code; anything else counts as 0 (bad ids are written, not thrown on).
const HEX = new Uint8Array(256);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[65 + i] = HEX[97 + i] = 10 + i;

// Makes room for `extra` more bytes at `p`. Callers re-read `buf` afterwards.
function ensure(p: number, extra: number): void {
  if (p + extra > buf.length) {
    const next = Buffer.allocUnsafe(Math.max(buf.length * 2, p + extra));
    buf.copy(next, 0, 0, p);
    buf = next;
  }
}

function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

function writeVarint32(p: number, v: number): number {
  const b = buf;
  while (v > 0x7f) {
    b[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  b[p++] = v;
  return p;
}

// Content of a length-delimited field starts `reserve` bytes after its key; `start` is
// where it starts and `p` where it ends. Writes the length, moving the content if the
// reserve was wrong, and returns the new end.
function endLength(start: number, reserve: number, p: number): number {
  const length = p - start;
  if (length < 0x80 && reserve === 1) {
    buf[start - 1] = length;
    return p;
  }
  const size = varintSize(length);
  if (size !== reserve) {
    ensure(p, size);
    buf.copyWithin(start - reserve + size, start, p);
    p += size - reserve;
  }
  writeVarint32(start - reserve, length);
  return p;
}

// A string field: key, length, UTF-8. Below SHORT_STRING chars a JS loop beats the
// call into Buffer's native writer (measured on Node 20 and 24); above, native wins.
function writeString(p: number, tag: number, s: string): number {
  const n = s.length;
  ensure(p, n * 3 + 6);
  const b = buf;
  b[p++] = tag;
  if (n < SHORT_STRING) {
    let q = p + 1;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) return writeUtf8(p, s);
      b[q++] = c;
    }
    b[p] = n;
    return q;
  }
  return writeUtf8(p, s);
}

// Length and UTF-8 bytes through Buffer's native writer. The length reserve assumes
// ASCII; endLength moves the bytes when UTF-8 came out longer. Room for 3 bytes per
// UTF-16 unit was ensured by the caller.
function writeUtf8(p: number, s: string): number {
  const n = s.length;
  const reserve = n < 0x80 ? 1 : varintSize(n);
  const start = p + reserve;
  return endLength(start, reserve, start + buf.write(s, start, 'utf8'));
}

function writeHexId(p: number, tag: number, hex: string): number {
  // Ids are 8 or 16 bytes; the cap only keeps a garbage id's length in one byte.
  const bytes = Math.min(hex.length >>> 1, 0x7f);
  ensure(p, bytes + 2);
  const b = buf;
  b[p++] = tag;
  b[p++] = bytes;
  for (let i = 0, c = 0; i < bytes; i++, c += 2) {
    b[p++] = (HEX[hex.charCodeAt(c) & 0xff] << 4) | HEX[hex.charCodeAt(c + 1) & 0xff];
  }
  return p;
}

function writeFixed32(p: number, v: number): number {
  const b = buf;
  b[p] = v;
  b[p + 1] = v >>> 8;
  b[p + 2] = v >>> 16;
  b[p + 3] = v >>> 24;
  return p + 4;
}

function writeTime(p: number, tag: number, ms: number): number {
  buf[p] = tag;
  writeEpochMsAsFixed64(buf, p + 1, ms);
  return p + 9;
}

// A uint32 field, left out when zero (proto3 default) or not a count at all.
function writeCount(p: number, tag: number, n: number): number {
  if (!(n > 0)) return p;
  buf[p] = tag;
  return writeVarint32(p + 1, n >>> 0);
}

// int64 as a varint: ten bytes of two's complement for negatives (protobuf encoding guide).
function writeInt64(p: number, v: number): number {
  if (v >= 0 && v < 0x80000000) return writeVarint32(p, v);
  const a = Math.abs(v);
  let lo = a >>> 0;
  let hi = ((a - lo) / TWO_32) >>> 0;
  if (v < 0) {
    lo = (~lo + 1) >>> 0;
    hi = ~hi >>> 0;
    if (lo === 0) hi = (hi + 1) >>> 0;
  }
  const b = buf;
  while (hi !== 0 || lo > 0x7f) {
    b[p++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  b[p++] = lo;
  return p;
}

function writeNumber(p: number, n: number): number {
  // Integral numbers become int_value, everything else (fractions, NaN, ±Infinity, huge) double_value.
  if (Number.isInteger(n) && n >= -INT64_LIMIT && n < INT64_LIMIT) {
    buf[p] = TAG_ANY_INT;
    return writeInt64(p + 1, n);
  }
  buf[p] = TAG_ANY_DOUBLE;
  buf.writeDoubleLE(n, p + 1);
  return p + 9;
}

// The fields of an AnyValue (common.proto); null and undefined give an empty AnyValue.
function writeAnyValue(p: number, value: unknown): number {
  ensure(p, 16);
  switch (typeof value) {
    case 'string':
      return writeString(p, TAG_ANY_STRING, value);
    case 'number':
      return writeNumber(p, value);
    case 'boolean':
      buf[p] = TAG_ANY_BOOL;
      buf[p + 1] = value ? 1 : 0;
      return p + 2;
  }
  if (!Array.isArray(value)) return p;
  buf[p] = TAG_ANY_ARRAY;
  const arrayStart = p + 2;
  p = arrayStart;
  for (let i = 0; i < value.length; i++) {
    ensure(p, 8);
    buf[p] = TAG_ARRAY_VALUES;
    const itemStart = p + 2;
    p = endLength(itemStart, 1, writeAnyValue(itemStart, value[i]));
  }
  return endLength(arrayStart, 1, p);
}

// Attribute keys repeat from span to span, and so do most values (method, host,
// route, status code). Each key keeps its encoded bytes and the whole encoded
// KeyValue for the last primitive value seen with it; when the value is the
// same again, one memcpy replaces the encoding. A key whose values keep
// changing (a URL, an id) stops being remembered after a few misses.
interface KeyEntry {
  /** [key tag, length, UTF-8 bytes] of the key. */
  readonly key: Buffer;
  /** The value `kv` encodes; NOT_CACHED when nothing is remembered. */
  value: unknown;
  /** [length, KeyValue content] for `value`. */
  kv: Buffer;
  hits: number;
  misses: number;
}

const NOT_CACHED = {};
const EMPTY = Buffer.alloc(0);
const MAX_KEYS = 4096;
const MAX_CACHED_KEY_CHARS = 256;
const MAX_CACHED_KV_BYTES = 512;
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
  const entry: KeyEntry = { key: encoded, value: NOT_CACHED, kv: EMPTY, hits: 0, misses: 0 };
  if (key.length <= MAX_CACHED_KEY_CHARS) {
    // A process that invents keys without end gets a fresh cache rather than an unbounded one.
    if (keyCache.size >= MAX_KEYS) keyCache.clear();
    keyCache.set(key, entry);
  }
  return entry;
}

function copyIn(p: number, bytes: Buffer): number {
  const n = bytes.length;
  ensure(p, n);
  const b = buf;
  // A loop beats the native set() call only for very short runs.
  if (n > SHORT_COPY) b.set(bytes, p);
  else for (let i = 0; i < n; i++) b[p + i] = bytes[i];
  return p + n;
}

// Remembers the KeyValue just written at [start, end) for `value`, unless its key's values keep changing.
function remember(entry: KeyEntry, value: unknown, start: number, end: number): void {
  entry.misses++;
  if ((entry.misses > 8 && entry.misses > entry.hits) || end - start > MAX_CACHED_KV_BYTES || typeof value === 'object') {
    entry.value = NOT_CACHED;
    return;
  }
  const kv = Buffer.allocUnsafe(end - start);
  buf.copy(kv, 0, start, end);
  entry.value = value;
  entry.kv = kv;
}

// Repeated KeyValue under `tag`; keys with null or undefined values are skipped.
function writeAttributes(p: number, tag: number, attributes: Attributes | undefined): number {
  // for-in rather than Object.keys: no array per call. Attribute objects are plain data.
  for (const key in attributes) {
    const value: AttributeValue | undefined = attributes[key];
    if (value === undefined || value === null) continue;
    const entry = keyCache.get(key) ?? newKeyEntry(key);
    ensure(p, 4);
    buf[p++] = tag;
    if (entry.value === value) {
      entry.hits++;
      p = copyIn(p, entry.kv);
      continue;
    }
    const kvStart = p + 1;
    p = copyIn(kvStart, entry.key);
    ensure(p, 4);
    buf[p] = TAG_KEY_VALUE_VALUE;
    const valueStart = p + 2;
    p = endLength(valueStart, 1, writeAnyValue(valueStart, value));
    p = endLength(kvStart, 1, p);
    remember(entry, value, kvStart - 1, p);
  }
  return p;
}

function spanFlags(context: SpanContext, isRemote: boolean | undefined): number {
  let flags = (context.traceFlags & 0xff) | SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK;
  if (isRemote === true) flags |= SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK;
  return flags;
}

function writeTraceState(p: number, tag: number, context: SpanContext): number {
  const traceState = context.traceState;
  if (traceState === undefined) return p;
  const serialized = traceState.serialize();
  return serialized ? writeString(p, tag, serialized) : p;
}

function writeEvent(p: number, event: SpanEventData): number {
  ensure(p, 16);
  buf[p] = TAG_SPAN_EVENTS;
  const start = p + 2;
  p = writeTime(start, TAG_EVENT_TIME, event.time);
  p = writeString(p, TAG_EVENT_NAME, event.name);
  p = writeAttributes(p, TAG_EVENT_ATTRIBUTES, event.attributes);
  ensure(p, 8);
  p = writeCount(p, TAG_EVENT_DROPPED_ATTRIBUTES, event.droppedAttributesCount);
  return endLength(start, 1, p);
}

function writeLink(p: number, link: SpanLinkData): number {
  const context = link.context;
  ensure(p, 4);
  buf[p] = TAG_SPAN_LINKS;
  const start = p + 2;
  p = writeHexId(start, TAG_LINK_TRACE_ID, context.traceId);
  p = writeHexId(p, TAG_LINK_SPAN_ID, context.spanId);
  p = writeTraceState(p, TAG_LINK_TRACE_STATE, context);
  p = writeAttributes(p, TAG_LINK_ATTRIBUTES, link.attributes);
  ensure(p, 16);
  p = writeCount(p, TAG_LINK_DROPPED_ATTRIBUTES, link.droppedAttributesCount);
  buf[p] = TAG_LINK_FLAGS;
  p = writeFixed32(p + 1, spanFlags(context, context.isRemote));
  return endLength(start, 1, p);
}

function writeStatus(p: number, code: number, message: string | undefined): number {
  ensure(p, 4);
  buf[p] = TAG_SPAN_STATUS;
  const start = p + 2;
  p = message ? writeString(start, TAG_STATUS_MESSAGE, message) : start;
  ensure(p, 8);
  return endLength(start, 1, writeCount(p, TAG_STATUS_CODE, code));
}

// Events, links, status and flags: the part of a Span after its attributes.
function writeSpanTail(p: number, span: FinishedSpan): number {
  const events = span.events;
  for (let i = 0; i < events.length; i++) p = writeEvent(p, events[i]);
  ensure(p, 8);
  p = writeCount(p, TAG_SPAN_DROPPED_EVENTS, span.droppedEventsCount);
  const links = span.links;
  for (let i = 0; i < links.length; i++) p = writeLink(p, links[i]);
  ensure(p, 8);
  p = writeCount(p, TAG_SPAN_DROPPED_LINKS, span.droppedLinksCount);
  const status = span.status;
  if (status.code || status.message) p = writeStatus(p, status.code, status.message);
  ensure(p, 8);
  buf[p] = TAG_SPAN_FLAGS_0;
  buf[p + 1] = TAG_SPAN_FLAGS_1;
  return writeFixed32(p + 2, spanFlags(span.spanContext, span.parentIsRemote));
}

function writeSpan(p: number, span: FinishedSpan): number {
  const context = span.spanContext;
  ensure(p, 4);
  buf[p] = TAG_SCOPE_SPANS_SPANS;
  // Two bytes of length cover spans up to 16 KiB, which is nearly all of them.
  const start = p + 3;
  p = writeHexId(start, TAG_SPAN_TRACE_ID, context.traceId);
  p = writeHexId(p, TAG_SPAN_SPAN_ID, context.spanId);
  p = writeTraceState(p, TAG_SPAN_TRACE_STATE, context);
  if (span.parentSpanId) p = writeHexId(p, TAG_SPAN_PARENT_SPAN_ID, span.parentSpanId);
  p = writeString(p, TAG_SPAN_NAME, span.name);
  ensure(p, 24);
  // api SpanKind INTERNAL=0..CONSUMER=4 is SPAN_KIND_INTERNAL=1..SPAN_KIND_CONSUMER=5 on the wire.
  const kind = span.kind;
  if (kind >= 0 && kind <= 4) {
    buf[p++] = TAG_SPAN_KIND;
    buf[p++] = kind + 1;
  }
  p = writeTime(p, TAG_SPAN_START, span.startTime);
  p = writeTime(p, TAG_SPAN_END, span.endTime);
  p = writeAttributes(p, TAG_SPAN_ATTRIBUTES, span.attributes);
  ensure(p, 8);
  p = writeCount(p, TAG_SPAN_DROPPED_ATTRIBUTES, span.droppedAttributesCount);
  return endLength(start, 2, writeSpanTail(p, span));
}

function writeResource(p: number, resource: ResourceData): number {
  ensure(p, 4);
  buf[p] = TAG_RESOURCE;
  const start = p + 3;
  return endLength(start, 2, writeAttributes(start, TAG_RESOURCE_ATTRIBUTES, resource.attributes));
}

function writeScope(p: number, scope: InstrumentationScope): number {
  ensure(p, 4);
  buf[p] = TAG_SCOPE;
  const start = p + 2;
  p = writeString(start, TAG_SCOPE_NAME, scope.name || '');
  if (scope.version) p = writeString(p, TAG_SCOPE_VERSION, scope.version);
  return endLength(start, 1, p);
}

function writeScopeSpans(p: number, group: ScopeGroup): number {
  ensure(p, 8);
  buf[p] = TAG_RESOURCE_SCOPE_SPANS;
  // Three bytes of length cover 2 MiB, a batch of several thousand spans, without a move.
  const start = p + 4;
  const { scope, spans } = group;
  p = writeScope(start, scope);
  for (let i = 0; i < spans.length; i++) p = writeSpan(p, spans[i]);
  if (scope.schemaUrl) p = writeString(p, TAG_SCOPE_SPANS_SCHEMA_URL, scope.schemaUrl);
  return endLength(start, 3, p);
}

function writeRequest(spans: readonly FinishedSpan[]): number {
  const groups = groupSpans(spans);
  let p = 0;
  for (let g = 0; g < groups.length; g++) {
    ensure(p, 8);
    buf[p] = TAG_REQUEST_RESOURCE_SPANS;
    const start = p + 4;
    p = writeResource(start, groups[g].resource);
    const scopes = groups[g].scopes;
    for (let s = 0; s < scopes.length; s++) p = writeScopeSpans(p, scopes[s]);
    p = endLength(start, 3, p);
  }
  return p;
}

/** Encodes spans as an OTLP ExportTraceServiceRequest in protobuf binary form. */
export function encodeTraceRequestProtobuf(spans: readonly FinishedSpan[]): Uint8Array {
  const length = writeRequest(spans);
  const out = Buffer.allocUnsafeSlow(length);
  buf.copy(out, 0, 0, length);
  if (buf.length > KEEP_AT_MOST) buf = Buffer.allocUnsafe(INITIAL_SIZE);
  return out;
}
