// ExportTraceServiceRequest as protobuf bytes, written by hand for speed
// (opentelemetry-proto: collector/trace/v1/trace_service.proto, trace/v1/trace.proto,
// common/v1/common.proto, resource/v1/resource.proto).
//
// One module-level byte buffer is reused across calls and grows as needed, so
// an export allocates little more than its result. A length-delimited field
// reserves the bytes its length usually needs, writes the content, then
// back-patches the length; in the rare case the guess was wrong the content is
// moved with one copyWithin. That beats a separate size pass, which would walk
// every string twice. Proto3 default values (zero counts, UNSET status, empty
// strings) are left out, as the proto3 encoding allows.
import type { AttributeValue, Attributes, SpanContext } from '@opentelemetry/api';
import type { FinishedSpan, InstrumentationScope, ResourceData, SpanEventData, SpanLinkData } from '../span-data';
import { groupSpans } from './otlp-group';
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

let buf: Buffer = Buffer.allocUnsafe(INITIAL_SIZE);
let pos = 0;

// Hex digit values by char code; anything else counts as 0 (bad ids are written, not thrown on).
const HEX = new Uint8Array(256);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[65 + i] = HEX[97 + i] = 10 + i;

function grow(extra: number): void {
  const next = Buffer.allocUnsafe(Math.max(buf.length * 2, pos + extra));
  buf.copy(next, 0, 0, pos);
  buf = next;
}

function ensure(extra: number): void {
  if (pos + extra > buf.length) grow(extra);
}

function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

function writeVarint32(v: number): void {
  while (v > 0x7f) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
}

// Reserves `reserve` bytes for a length and returns where the content starts.
function beginLength(reserve: number): number {
  ensure(reserve);
  pos += reserve;
  return pos;
}

// Back-patches the length of content that started at `start` after `reserve` bytes.
function endLength(start: number, reserve: number): void {
  const length = pos - start;
  const size = varintSize(length);
  if (size !== reserve) {
    ensure(size);
    buf.copyWithin(start - reserve + size, start, pos);
    pos += size - reserve;
  }
  let at = start - reserve;
  let v = length;
  while (v > 0x7f) {
    buf[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[at] = v;
}

// A string field: key, length, UTF-8 bytes. Short ASCII (most keys and names) is copied by a loop.
function writeString(tag: number, s: string): void {
  const n = s.length;
  ensure(n * 3 + 6);
  buf[pos++] = tag;
  if (n < 0x80) {
    let p = pos + 1;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) return writeUtf8(s);
      buf[p++] = c;
    }
    buf[pos] = n;
    pos = p;
    return;
  }
  writeUtf8(s);
}

// Any string through Buffer's native UTF-8 writer; at most 3 bytes per UTF-16 unit.
function writeUtf8(s: string): void {
  const reserve = varintSize(s.length * 3);
  const start = pos + reserve;
  pos = start + buf.write(s, start, 'utf8');
  endLength(start, reserve);
}

function writeHexId(tag: number, hex: string): void {
  // Ids are 8 or 16 bytes; the cap only keeps a garbage id's length in one byte.
  const bytes = Math.min(hex.length >>> 1, 0x7f);
  ensure(bytes + 2);
  buf[pos++] = tag;
  buf[pos++] = bytes;
  for (let i = 0, c = 0; i < bytes; i++, c += 2) {
    buf[pos++] = (HEX[hex.charCodeAt(c) & 0xff] << 4) | HEX[hex.charCodeAt(c + 1) & 0xff];
  }
}

function writeFixed32(v: number): void {
  buf[pos++] = v;
  buf[pos++] = v >>> 8;
  buf[pos++] = v >>> 16;
  buf[pos++] = v >>> 24;
}

function writeTime(tag: number, ms: number): void {
  buf[pos++] = tag;
  writeEpochMsAsFixed64(buf, pos, ms);
  pos += 8;
}

// A uint32 field, left out when zero (proto3 default) or not a count at all.
function writeCount(tag: number, n: number): void {
  if (n > 0) {
    buf[pos++] = tag;
    writeVarint32(n >>> 0);
  }
}

// int64 as a varint: ten bytes of two's complement for negatives (protobuf encoding guide).
function writeInt64(v: number): void {
  if (v >= 0 && v < 0x80000000) return writeVarint32(v);
  const a = Math.abs(v);
  let lo = a >>> 0;
  let hi = Math.floor(a / TWO_32) >>> 0;
  if (v < 0) {
    lo = (~lo + 1) >>> 0;
    hi = ~hi >>> 0;
    if (lo === 0) hi = (hi + 1) >>> 0;
  }
  while (hi !== 0 || lo > 0x7f) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  buf[pos++] = lo;
}

// The fields of an AnyValue (common.proto); null and undefined give an empty AnyValue.
function writeAnyValue(value: unknown): void {
  const t = typeof value;
  ensure(16);
  if (t === 'string') {
    writeString(TAG_ANY_STRING, value as string);
  } else if (t === 'number') {
    const n = value as number;
    // Integral numbers become int_value, everything else (fractions, NaN, ±Infinity, huge) double_value.
    if (Number.isInteger(n) && n >= -INT64_LIMIT && n < INT64_LIMIT) {
      buf[pos++] = TAG_ANY_INT;
      writeInt64(n);
    } else {
      buf[pos++] = TAG_ANY_DOUBLE;
      buf.writeDoubleLE(n, pos);
      pos += 8;
    }
  } else if (t === 'boolean') {
    buf[pos++] = TAG_ANY_BOOL;
    buf[pos++] = value ? 1 : 0;
  } else if (Array.isArray(value)) {
    buf[pos++] = TAG_ANY_ARRAY;
    const arrayStart = beginLength(1);
    for (let i = 0; i < value.length; i++) {
      ensure(8);
      buf[pos++] = TAG_ARRAY_VALUES;
      const itemStart = beginLength(1);
      writeAnyValue(value[i]);
      endLength(itemStart, 1);
    }
    endLength(arrayStart, 1);
  }
}

// Repeated KeyValue under `tag`; keys with null or undefined values are skipped.
function writeAttributes(tag: number, attributes: Attributes | undefined): void {
  // for-in rather than Object.keys: no array per call. Attribute objects are plain data.
  for (const key in attributes) {
    const value: AttributeValue | undefined = attributes[key];
    if (value === undefined || value === null) continue;
    ensure(8);
    buf[pos++] = tag;
    const kvStart = beginLength(1);
    writeString(TAG_KEY_VALUE_KEY, key);
    ensure(8);
    buf[pos++] = TAG_KEY_VALUE_VALUE;
    const valueStart = beginLength(1);
    writeAnyValue(value);
    endLength(valueStart, 1);
    endLength(kvStart, 1);
  }
}

function spanFlags(context: SpanContext, isRemote: boolean | undefined): number {
  let flags = (context.traceFlags & 0xff) | SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK;
  if (isRemote === true) flags |= SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK;
  return flags;
}

function writeTraceState(tag: number, context: SpanContext): void {
  const traceState = context.traceState;
  if (traceState === undefined) return;
  const serialized = traceState.serialize();
  if (serialized) writeString(tag, serialized);
}

function writeEvent(event: SpanEventData): void {
  ensure(16);
  buf[pos++] = TAG_SPAN_EVENTS;
  const start = beginLength(1);
  writeTime(TAG_EVENT_TIME, event.time);
  writeString(TAG_EVENT_NAME, event.name);
  writeAttributes(TAG_EVENT_ATTRIBUTES, event.attributes);
  ensure(8);
  writeCount(TAG_EVENT_DROPPED_ATTRIBUTES, event.droppedAttributesCount);
  endLength(start, 1);
}

function writeLink(link: SpanLinkData): void {
  const context = link.context;
  ensure(16);
  buf[pos++] = TAG_SPAN_LINKS;
  const start = beginLength(1);
  writeHexId(TAG_LINK_TRACE_ID, context.traceId);
  writeHexId(TAG_LINK_SPAN_ID, context.spanId);
  writeTraceState(TAG_LINK_TRACE_STATE, context);
  writeAttributes(TAG_LINK_ATTRIBUTES, link.attributes);
  ensure(16);
  writeCount(TAG_LINK_DROPPED_ATTRIBUTES, link.droppedAttributesCount);
  buf[pos++] = TAG_LINK_FLAGS;
  writeFixed32(spanFlags(context, context.isRemote));
  endLength(start, 1);
}

// Events, links, status and flags: the part of a Span after its attributes.
function writeSpanTail(span: FinishedSpan): void {
  const events = span.events;
  for (let i = 0; i < events.length; i++) writeEvent(events[i]);
  ensure(32);
  writeCount(TAG_SPAN_DROPPED_EVENTS, span.droppedEventsCount);
  const links = span.links;
  for (let i = 0; i < links.length; i++) writeLink(links[i]);
  ensure(32);
  writeCount(TAG_SPAN_DROPPED_LINKS, span.droppedLinksCount);
  const status = span.status;
  if (status.code || status.message) {
    buf[pos++] = TAG_SPAN_STATUS;
    const start = beginLength(1);
    if (status.message) writeString(TAG_STATUS_MESSAGE, status.message);
    ensure(8);
    writeCount(TAG_STATUS_CODE, status.code);
    endLength(start, 1);
  }
  ensure(8);
  buf[pos++] = TAG_SPAN_FLAGS_0;
  buf[pos++] = TAG_SPAN_FLAGS_1;
  writeFixed32(spanFlags(span.spanContext, span.parentIsRemote));
}

function writeSpan(span: FinishedSpan): void {
  const context = span.spanContext;
  ensure(64);
  buf[pos++] = TAG_SCOPE_SPANS_SPANS;
  // Two bytes cover spans up to 16 KiB, which is nearly all of them.
  const start = beginLength(2);
  writeHexId(TAG_SPAN_TRACE_ID, context.traceId);
  writeHexId(TAG_SPAN_SPAN_ID, context.spanId);
  writeTraceState(TAG_SPAN_TRACE_STATE, context);
  if (span.parentSpanId) writeHexId(TAG_SPAN_PARENT_SPAN_ID, span.parentSpanId);
  writeString(TAG_SPAN_NAME, span.name);
  ensure(32);
  // api SpanKind INTERNAL=0..CONSUMER=4 is SPAN_KIND_INTERNAL=1..SPAN_KIND_CONSUMER=5 on the wire.
  const kind = span.kind;
  if (kind >= 0 && kind <= 4) {
    buf[pos++] = TAG_SPAN_KIND;
    buf[pos++] = kind + 1;
  }
  writeTime(TAG_SPAN_START, span.startTime);
  writeTime(TAG_SPAN_END, span.endTime);
  writeAttributes(TAG_SPAN_ATTRIBUTES, span.attributes);
  ensure(8);
  writeCount(TAG_SPAN_DROPPED_ATTRIBUTES, span.droppedAttributesCount);
  writeSpanTail(span);
  endLength(start, 2);
}

function writeResource(resource: ResourceData): void {
  ensure(8);
  buf[pos++] = TAG_RESOURCE;
  const start = beginLength(2);
  writeAttributes(TAG_RESOURCE_ATTRIBUTES, resource.attributes);
  endLength(start, 2);
}

function writeScope(scope: InstrumentationScope): void {
  ensure(8);
  buf[pos++] = TAG_SCOPE;
  const start = beginLength(1);
  writeString(TAG_SCOPE_NAME, scope.name || '');
  if (scope.version) writeString(TAG_SCOPE_VERSION, scope.version);
  endLength(start, 1);
}

function writeRequest(spans: readonly FinishedSpan[]): void {
  const groups = groupSpans(spans);
  for (let g = 0; g < groups.length; g++) {
    ensure(8);
    buf[pos++] = TAG_REQUEST_RESOURCE_SPANS;
    // Three bytes cover 2 MiB, a batch of several thousand spans, without a move.
    const resourceStart = beginLength(3);
    writeResource(groups[g].resource);
    const scopes = groups[g].scopes;
    for (let s = 0; s < scopes.length; s++) {
      ensure(8);
      buf[pos++] = TAG_RESOURCE_SCOPE_SPANS;
      const scopeStart = beginLength(3);
      const { scope, spans: scopeSpans } = scopes[s];
      writeScope(scope);
      for (let i = 0; i < scopeSpans.length; i++) writeSpan(scopeSpans[i]);
      if (scope.schemaUrl) writeString(TAG_SCOPE_SPANS_SCHEMA_URL, scope.schemaUrl);
      endLength(scopeStart, 3);
    }
    endLength(resourceStart, 3);
  }
}

/** Encodes spans as an OTLP ExportTraceServiceRequest in protobuf binary form. */
export function encodeTraceRequestProtobuf(spans: readonly FinishedSpan[]): Uint8Array {
  pos = 0;
  writeRequest(spans);
  const out = Buffer.allocUnsafeSlow(pos);
  buf.copy(out, 0, 0, pos);
  if (buf.length > KEEP_AT_MOST) buf = Buffer.allocUnsafe(INITIAL_SIZE);
  return out;
}
