// OTLP/JSON ExportTraceServiceRequest (already JSON.parse'd) into FinishedSpan
// values. OTLP spec, "JSON Protobuf Encoding": ids are hex strings, enums are
// integers, 64-bit integers are decimal strings. As the proto3 JSON mapping asks
// of parsers, the original snake_case field names, enum names and numbers for
// 64-bit fields are accepted too. A value of the wrong shape throws; the caller
// wraps that in OtlpDecodeError.
import { createTraceState, type Attributes, type AttributeValue, type SpanContext } from '@opentelemetry/api';
import type { FinishedSpan, InstrumentationScope, ResourceData, SpanEventData, SpanLinkData } from '../span-data';
import { emptySpan, spanKindFromWire, statusCodeFromWire, SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK, type Mutable } from './otlp-decoded-span';
import { nanosToEpochMs } from './otlp-time';

type Json = Record<string, unknown>;

const SPAN_KIND_NAMES = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_CODE_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

// The field under its JSON name or its proto name.
function field(o: Json, camel: string, snake?: string): unknown {
  const v = o[camel];
  return v !== undefined || snake === undefined ? v : o[snake];
}

function object(v: unknown, what: string): Json {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what} is not an object`);
  return v as Json;
}

function list(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`${what} is not an array`);
  return v;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

// uint32/int64 fields: a number or a decimal string.
function integer(v: unknown): number {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
}

function enumValue(v: unknown, names: readonly string[]): number {
  if (typeof v === 'string') {
    const at = names.indexOf(v);
    return at >= 0 ? at : integer(v);
  }
  return integer(v);
}

// Ids are hex in OTLP/JSON; base64 (the plain proto3 mapping of bytes) is accepted from older senders.
function id(v: unknown): string {
  if (typeof v !== 'string') return '';
  if (v.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(v)) return v.toLowerCase();
  return Buffer.from(v, 'base64').toString('hex');
}

function double(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return integer(v);
}

function anyValue(v: unknown): AttributeValue | undefined {
  const o = object(v, 'AnyValue');
  let x: unknown;
  if ((x = field(o, 'stringValue', 'string_value')) !== undefined) return text(x);
  if ((x = field(o, 'boolValue', 'bool_value')) !== undefined) return x === true;
  if ((x = field(o, 'intValue', 'int_value')) !== undefined) return integer(x);
  if ((x = field(o, 'doubleValue', 'double_value')) !== undefined) return double(x);
  if ((x = field(o, 'arrayValue', 'array_value')) !== undefined) {
    const values = list(object(x, 'arrayValue').values, 'arrayValue.values');
    return values.map((item) => anyValue(item) ?? null) as AttributeValue;
  }
  // kvlist_value and bytes_value have no Attributes counterpart: kept readable as text.
  if ((x = field(o, 'kvlistValue', 'kvlist_value')) !== undefined) {
    return JSON.stringify(attributes(object(x, 'kvlistValue').values));
  }
  if ((x = field(o, 'bytesValue', 'bytes_value')) !== undefined) return text(x);
  return undefined;
}

function attributes(v: unknown): Attributes {
  const out: Attributes = {};
  for (const item of list(v, 'attributes')) {
    const kv = object(item, 'KeyValue');
    const value = anyValue(kv.value);
    if (value !== undefined) out[text(kv.key)] = value;
  }
  return out;
}

function event(v: unknown): SpanEventData {
  const o = object(v, 'event');
  return {
    name: text(o.name),
    time: nanosToEpochMs(field(o, 'timeUnixNano', 'time_unix_nano')),
    attributes: attributes(o.attributes),
    droppedAttributesCount: integer(field(o, 'droppedAttributesCount', 'dropped_attributes_count')),
  };
}

function traceState(v: unknown): SpanContext['traceState'] {
  return typeof v === 'string' && v !== '' ? createTraceState(v) : undefined;
}

function link(v: unknown): SpanLinkData {
  const o = object(v, 'link');
  const flags = field(o, 'flags');
  const context: Mutable<SpanContext> = {
    traceId: id(field(o, 'traceId', 'trace_id')),
    spanId: id(field(o, 'spanId', 'span_id')),
    traceFlags: integer(flags) & 0xff,
    isRemote: (integer(flags) & SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK) !== 0,
  };
  const state = traceState(field(o, 'traceState', 'trace_state'));
  if (state) context.traceState = state;
  return {
    context,
    attributes: attributes(o.attributes),
    droppedAttributesCount: integer(field(o, 'droppedAttributesCount', 'dropped_attributes_count')),
  };
}

function span(v: unknown, resource: ResourceData, scope: InstrumentationScope): FinishedSpan {
  const o = object(v, 'span');
  const out = emptySpan(resource, scope);
  const context = out.spanContext as Mutable<SpanContext>;
  context.traceId = id(field(o, 'traceId', 'trace_id'));
  context.spanId = id(field(o, 'spanId', 'span_id'));
  const state = traceState(field(o, 'traceState', 'trace_state'));
  if (state) context.traceState = state;
  out.parentSpanId = id(field(o, 'parentSpanId', 'parent_span_id')) || undefined;
  const flags = field(o, 'flags');
  if (flags !== undefined) {
    context.traceFlags = integer(flags) & 0xff;
    out.parentIsRemote = (integer(flags) & SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK) !== 0;
  }
  out.name = text(o.name);
  out.kind = spanKindFromWire(enumValue(o.kind, SPAN_KIND_NAMES));
  out.startTime = nanosToEpochMs(field(o, 'startTimeUnixNano', 'start_time_unix_nano'));
  out.endTime = nanosToEpochMs(field(o, 'endTimeUnixNano', 'end_time_unix_nano'));
  out.attributes = attributes(o.attributes);
  out.droppedAttributesCount = integer(field(o, 'droppedAttributesCount', 'dropped_attributes_count'));
  out.events = list(o.events, 'events').map(event);
  out.droppedEventsCount = integer(field(o, 'droppedEventsCount', 'dropped_events_count'));
  out.links = list(o.links, 'links').map(link);
  out.droppedLinksCount = integer(field(o, 'droppedLinksCount', 'dropped_links_count'));
  const status = object(o.status, 'status');
  const code = statusCodeFromWire(enumValue(status.code, STATUS_CODE_NAMES));
  out.status = typeof status.message === 'string' && status.message ? { code, message: status.message } : { code };
  return out;
}

function scopeSpans(v: unknown, resource: ResourceData, into: FinishedSpan[]): void {
  const o = object(v, 'scopeSpans');
  const s = object(o.scope, 'scope');
  const scope: Mutable<InstrumentationScope> = { name: text(s.name) };
  if (typeof s.version === 'string' && s.version) scope.version = s.version;
  const schemaUrl = field(o, 'schemaUrl', 'schema_url');
  if (typeof schemaUrl === 'string' && schemaUrl) scope.schemaUrl = schemaUrl;
  for (const item of list(o.spans, 'spans')) into.push(span(item, resource, scope));
}

/** Spans of a parsed OTLP/JSON ExportTraceServiceRequest; throws on a value of the wrong shape. */
export function decodeJsonRequest(request: unknown): FinishedSpan[] {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    throw new Error('request is not a JSON object');
  }
  const spans: FinishedSpan[] = [];
  for (const item of list(field(request as Json, 'resourceSpans', 'resource_spans'), 'resourceSpans')) {
    const o = object(item, 'resourceSpans');
    const resource: ResourceData = { attributes: attributes(object(o.resource, 'resource').attributes) };
    for (const ss of list(field(o, 'scopeSpans', 'scope_spans'), 'scopeSpans')) scopeSpans(ss, resource, spans);
  }
  return spans;
}
