// ExportTraceServiceRequest in OTLP/JSON (OTLP spec, "JSON Protobuf Encoding"):
// the proto3 JSON mapping with lowerCamelCase field names, trace and span ids as
// hex strings rather than base64, enums as integers, and 64-bit integers (times,
// int_value) as decimal strings. Built as plain objects, then JSON.stringify.
import type { Attributes, SpanContext } from '@opentelemetry/api';
import type { FinishedSpan, InstrumentationScope, SpanEventData, SpanLinkData } from '../span-data';
import { groupSpans } from './otlp-group';
import { epochMsToNanosString } from './otlp-time';

// trace.proto SpanFlags: bit 8 says whether bit 9 (parent or link is remote) is known.
const SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK = 0x100;
const SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK = 0x200;
const INT64_LIMIT = 2 ** 63;

type JsonObject = Record<string, unknown>;

// One attribute value as an OTLP/JSON AnyValue; null and undefined give an empty one.
function toJsonAnyValue(value: unknown): JsonObject {
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'number':
      if (Number.isInteger(value) && value >= -INT64_LIMIT && value < INT64_LIMIT) {
        return { intValue: String(value) };
      }
      // proto3 JSON writes the non-finite doubles as these strings.
      if (Number.isNaN(value)) return { doubleValue: 'NaN' };
      if (!Number.isFinite(value)) return { doubleValue: value > 0 ? 'Infinity' : '-Infinity' };
      return { doubleValue: value };
    default:
      if (Array.isArray(value)) {
        const values: JsonObject[] = [];
        for (let i = 0; i < value.length; i++) values.push(toJsonAnyValue(value[i]));
        return { arrayValue: { values } };
      }
      return {};
  }
}

function toJsonAttributes(attributes: Attributes | undefined): JsonObject[] {
  const out: JsonObject[] = [];
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    out.push({ key, value: toJsonAnyValue(value) });
  }
  return out;
}

function spanFlags(context: SpanContext, isRemote: boolean | undefined): number {
  let flags = (context.traceFlags & 0xff) | SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK;
  if (isRemote === true) flags |= SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK;
  return flags;
}

function count(n: number): number {
  return n > 0 ? n >>> 0 : 0;
}

function addTraceState(target: JsonObject, context: SpanContext): void {
  const serialized = context.traceState?.serialize();
  if (serialized) target.traceState = serialized;
}

function toJsonEvent(event: SpanEventData): JsonObject {
  return {
    timeUnixNano: epochMsToNanosString(event.time),
    name: event.name,
    attributes: toJsonAttributes(event.attributes),
    droppedAttributesCount: count(event.droppedAttributesCount),
  };
}

function toJsonLink(link: SpanLinkData): JsonObject {
  const context = link.context;
  const out: JsonObject = { traceId: context.traceId.toLowerCase(), spanId: context.spanId.toLowerCase() };
  addTraceState(out, context);
  out.attributes = toJsonAttributes(link.attributes);
  out.droppedAttributesCount = count(link.droppedAttributesCount);
  out.flags = spanFlags(context, context.isRemote);
  return out;
}

function toJsonSpan(span: FinishedSpan): JsonObject {
  const context = span.spanContext;
  const out: JsonObject = { traceId: context.traceId.toLowerCase(), spanId: context.spanId.toLowerCase() };
  addTraceState(out, context);
  if (span.parentSpanId) out.parentSpanId = span.parentSpanId.toLowerCase();
  out.flags = spanFlags(context, span.parentIsRemote);
  out.name = span.name;
  // api SpanKind INTERNAL=0..CONSUMER=4 is SPAN_KIND_INTERNAL=1..SPAN_KIND_CONSUMER=5 on the wire.
  out.kind = span.kind >= 0 && span.kind <= 4 ? span.kind + 1 : 0;
  out.startTimeUnixNano = epochMsToNanosString(span.startTime);
  out.endTimeUnixNano = epochMsToNanosString(span.endTime);
  out.attributes = toJsonAttributes(span.attributes);
  out.droppedAttributesCount = count(span.droppedAttributesCount);
  out.events = span.events.map(toJsonEvent);
  out.droppedEventsCount = count(span.droppedEventsCount);
  out.links = span.links.map(toJsonLink);
  out.droppedLinksCount = count(span.droppedLinksCount);
  const status: JsonObject = { code: span.status.code || 0 };
  if (span.status.message) status.message = span.status.message;
  out.status = status;
  return out;
}

function toJsonScope(scope: InstrumentationScope): JsonObject {
  const out: JsonObject = { name: scope.name || '' };
  if (scope.version) out.version = scope.version;
  return out;
}

/** The OTLP/JSON ExportTraceServiceRequest object for `spans` (before stringifying). */
export function toJsonTraceRequest(spans: readonly FinishedSpan[]): JsonObject {
  const resourceSpans: JsonObject[] = [];
  for (const group of groupSpans(spans)) {
    const scopeSpans: JsonObject[] = [];
    for (const { scope, spans: members } of group.scopes) {
      const entry: JsonObject = { scope: toJsonScope(scope), spans: members.map(toJsonSpan) };
      if (scope.schemaUrl) entry.schemaUrl = scope.schemaUrl;
      scopeSpans.push(entry);
    }
    resourceSpans.push({ resource: { attributes: toJsonAttributes(group.resource.attributes) }, scopeSpans });
  }
  return { resourceSpans };
}

/** Encodes spans as an OTLP/JSON ExportTraceServiceRequest string. */
export function encodeTraceRequestJson(spans: readonly FinishedSpan[]): string {
  return JSON.stringify(toJsonTraceRequest(spans));
}
