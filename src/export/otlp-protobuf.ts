// ExportTraceServiceRequest as protobuf bytes, written by hand for speed
// (opentelemetry-proto: collector/trace/v1/trace_service.proto, trace/v1/trace.proto,
// common/v1/common.proto, resource/v1/resource.proto). The buffer and wire
// primitives live in protobuf-writer.ts, attributes in otlp-protobuf-attributes.ts.
// Proto3 default values (zero counts, UNSET status, empty strings) are left out,
// as the proto3 encoding allows.
import type { SpanContext } from '@opentelemetry/api';
import type { FinishedSpan, InstrumentationScope, ResourceData, SpanEventData, SpanLinkData } from '../span-data';
import { groupSpans, type ScopeGroup } from './otlp-group';
import { writeAttributes } from './otlp-protobuf-attributes';
import { writeEpochMsAsFixed64 } from './otlp-time';
import { CheckedSpanContext } from '../span-context';
import { copyIn, endLength, ensure, takeBytes, writeFixed32, writeHexId, writeIdBytes, writeString, writeVarint32 } from './protobuf-writer';

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

// trace.proto SpanFlags: bit 8 says whether bit 9 (parent or link is remote) is known.
const SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK = 0x100;
const SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK = 0x200;

function writeTime(p: number, tag: number, ms: number): number {
  const b = ensure(p, 9);
  b[p] = tag;
  writeEpochMsAsFixed64(b, p + 1, ms);
  return p + 9;
}

// A uint32 field, left out when zero (proto3 default) or not a count at all.
function writeCount(p: number, tag: number, n: number): number {
  if (!(n > 0)) return p;
  ensure(p, 6)[p] = tag;
  return writeVarint32(p + 1, n >>> 0);
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
  ensure(p, 2)[p] = TAG_SPAN_EVENTS;
  const start = p + 2;
  p = writeTime(start, TAG_EVENT_TIME, event.time);
  p = writeString(p, TAG_EVENT_NAME, event.name);
  p = writeAttributes(p, TAG_EVENT_ATTRIBUTES, event.attributes);
  p = writeCount(p, TAG_EVENT_DROPPED_ATTRIBUTES, event.droppedAttributesCount);
  return endLength(start, 1, p);
}

function writeLink(p: number, link: SpanLinkData): number {
  const context = link.context;
  ensure(p, 2)[p] = TAG_SPAN_LINKS;
  const start = p + 2;
  p = writeSpanId(writeTraceId(start, TAG_LINK_TRACE_ID, context), TAG_LINK_SPAN_ID, context);
  p = writeTraceState(p, TAG_LINK_TRACE_STATE, context);
  p = writeAttributes(p, TAG_LINK_ATTRIBUTES, link.attributes);
  p = writeCount(p, TAG_LINK_DROPPED_ATTRIBUTES, link.droppedAttributesCount);
  ensure(p, 5)[p] = TAG_LINK_FLAGS;
  p = writeFixed32(p + 1, spanFlags(context, context.isRemote));
  return endLength(start, 1, p);
}

// A context's ids: copied from the id pool when the SDK made them (ids.ts), else decoded from hex.
function writeTraceId(p: number, tag: number, context: SpanContext): number {
  if (context instanceof CheckedSpanContext && context.traceIdBytes !== undefined) {
    return writeIdBytes(p, tag, context.traceIdBytes, context.traceIdAt, 16);
  }
  return writeHexId(p, tag, context.traceId);
}

function writeSpanId(p: number, tag: number, context: SpanContext): number {
  if (context instanceof CheckedSpanContext && context.spanIdBytes !== undefined) {
    return writeIdBytes(p, tag, context.spanIdBytes, context.spanIdAt, 8);
  }
  return writeHexId(p, tag, context.spanId);
}

function writeStatus(p: number, code: number, message: string | undefined): number {
  ensure(p, 2)[p] = TAG_SPAN_STATUS;
  const start = p + 2;
  p = message ? writeString(start, TAG_STATUS_MESSAGE, message) : start;
  return endLength(start, 1, writeCount(p, TAG_STATUS_CODE, code));
}

// Events, links, status and flags: the part of a Span after its attributes.
function writeSpanTail(p: number, span: FinishedSpan): number {
  const events = span.events;
  for (let i = 0; i < events.length; i++) p = writeEvent(p, events[i]);
  p = writeCount(p, TAG_SPAN_DROPPED_EVENTS, span.droppedEventsCount);
  const links = span.links;
  for (let i = 0; i < links.length; i++) p = writeLink(p, links[i]);
  p = writeCount(p, TAG_SPAN_DROPPED_LINKS, span.droppedLinksCount);
  const status = span.status;
  if (status.code || status.message) p = writeStatus(p, status.code, status.message);
  const b = ensure(p, 6);
  b[p] = TAG_SPAN_FLAGS_0;
  b[p + 1] = TAG_SPAN_FLAGS_1;
  return writeFixed32(p + 2, spanFlags(span.spanContext, span.parentIsRemote));
}

/** Writes one span as a ScopeSpans.spans field (key, length, Span) at `p`. */
export function writeSpan(p: number, span: FinishedSpan): number {
  const context = span.spanContext;
  ensure(p, 3)[p] = TAG_SCOPE_SPANS_SPANS;
  // Two bytes of length cover spans up to 16 KiB, which is nearly all of them.
  const start = p + 3;
  p = writeSpanId(writeTraceId(start, TAG_SPAN_TRACE_ID, context), TAG_SPAN_SPAN_ID, context);
  p = writeTraceState(p, TAG_SPAN_TRACE_STATE, context);
  // Spans made by hand (tests, other SDKs' data) may carry only the parent's id.
  if (span.parentSpanContext !== undefined) p = writeSpanId(p, TAG_SPAN_PARENT_SPAN_ID, span.parentSpanContext);
  else if (span.parentSpanId) p = writeHexId(p, TAG_SPAN_PARENT_SPAN_ID, span.parentSpanId);
  p = writeString(p, TAG_SPAN_NAME, span.name);
  // api SpanKind INTERNAL=0..CONSUMER=4 is SPAN_KIND_INTERNAL=1..SPAN_KIND_CONSUMER=5 on the wire.
  const kind = span.kind;
  if (kind >= 0 && kind <= 4) {
    const b = ensure(p, 2);
    b[p++] = TAG_SPAN_KIND;
    b[p++] = kind + 1;
  }
  p = writeTime(p, TAG_SPAN_START, span.startTime);
  p = writeTime(p, TAG_SPAN_END, span.endTime);
  p = writeAttributes(p, TAG_SPAN_ATTRIBUTES, span.attributes);
  p = writeCount(p, TAG_SPAN_DROPPED_ATTRIBUTES, span.droppedAttributesCount);
  return endLength(start, 2, writeSpanTail(p, span));
}

function writeResource(p: number, resource: ResourceData): number {
  ensure(p, 3)[p] = TAG_RESOURCE;
  const start = p + 3;
  return endLength(start, 2, writeAttributes(start, TAG_RESOURCE_ATTRIBUTES, resource.attributes));
}

function writeScope(p: number, scope: InstrumentationScope): number {
  ensure(p, 2)[p] = TAG_SCOPE;
  const start = p + 2;
  p = writeString(start, TAG_SCOPE_NAME, scope.name || '');
  if (scope.version) p = writeString(p, TAG_SCOPE_VERSION, scope.version);
  return endLength(start, 1, p);
}

function writeScopeSpans(p: number, group: ScopeGroup): number {
  ensure(p, 4)[p] = TAG_RESOURCE_SCOPE_SPANS;
  // Three bytes of length cover 2 MiB, a batch of several thousand spans, without a move.
  const start = p + 4;
  const { scope, spans } = group;
  p = writeScope(start, scope);
  for (let i = 0; i < spans.length; i++) p = writeSpan(p, spans[i]);
  if (scope.schemaUrl) p = writeString(p, TAG_SCOPE_SPANS_SCHEMA_URL, scope.schemaUrl);
  return endLength(start, 3, p);
}

/** Encodes spans as an OTLP ExportTraceServiceRequest in protobuf binary form. */
export function encodeTraceRequestProtobuf(spans: readonly FinishedSpan[]): Uint8Array {
  const groups = groupSpans(spans);
  let p = 0;
  for (let g = 0; g < groups.length; g++) {
    ensure(p, 4)[p] = TAG_REQUEST_RESOURCE_SPANS;
    const start = p + 4;
    p = writeResource(start, groups[g].resource);
    const scopes = groups[g].scopes;
    for (let s = 0; s < scopes.length; s++) p = writeScopeSpans(p, scopes[s]);
    p = endLength(start, 3, p);
  }
  return takeBytes(p);
}

/** Spans of one scope already encoded as ScopeSpans.spans fields, back to back (encoded-span-queue.ts). */
export interface EncodedScopeRun {
  readonly resource: ResourceData;
  readonly scope: InstrumentationScope;
  readonly bytes: Buffer;
  readonly length: number;
}

/**
 * Writes an ExportTraceServiceRequest around runs of pre-encoded spans at the
 * start of the writer's current buffer (protobuf-writer.ts useBuffer) and
 * returns its length: the resource and scope envelopes are written, the span
 * bytes copied in as they are. Runs of one resource are expected together (one
 * resource per process).
 */
export function writeTraceRequestFromRuns(runs: readonly EncodedScopeRun[]): number {
  let p = 0;
  for (let i = 0; i < runs.length;) {
    const resource = runs[i].resource;
    ensure(p, 4)[p] = TAG_REQUEST_RESOURCE_SPANS;
    const start = p + 4;
    p = writeResource(start, resource);
    for (; i < runs.length && runs[i].resource === resource; i++) {
      const run = runs[i];
      ensure(p, 4)[p] = TAG_RESOURCE_SCOPE_SPANS;
      const scopeStart = p + 4;
      p = writeScope(scopeStart, run.scope);
      p = copyIn(p, run.bytes.subarray(0, run.length));
      if (run.scope.schemaUrl) p = writeString(p, TAG_SCOPE_SPANS_SCHEMA_URL, run.scope.schemaUrl);
      p = endLength(scopeStart, 3, p);
    }
    p = endLength(start, 3, p);
  }
  return p;
}
