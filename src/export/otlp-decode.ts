// OTLP ExportTraceServiceRequest (protobuf or JSON) back into FinishedSpan-shaped
// plain objects, so spans received from other processes go through the same
// renderers as our own. Each span gets its resource and scope; one resource object
// is shared by all spans of a ResourceSpans, one scope object per ScopeSpans.
// Unknown fields are skipped (proto3 forward compatibility); malformed input
// ends in OtlpDecodeError from the two exported functions, never another error.
import { createTraceState, type Attributes, type AttributeValue, type SpanContext } from '@opentelemetry/api';
import type { FinishedSpan, InstrumentationScope, ResourceData, SpanEventData, SpanLinkData } from '../span-data';
import { decodeJsonRequest } from './otlp-decode-json';
import {
  emptySpan,
  hex,
  spanKindFromWire,
  statusCodeFromWire,
  SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK,
  type Mutable,
} from './otlp-decoded-span';
import { fixed64NanosToEpochMs } from './otlp-time';
import { ProtobufReader } from './protobuf-reader';

/** The request body is not a valid ExportTraceServiceRequest; a receiver answers 400. */
export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}

function anyValue(r: ProtobufReader): AttributeValue | undefined {
  let value: AttributeValue | undefined;
  while (r.more()) {
    const tag = r.tag();
    switch (tag) {
      case (1 << 3) | 2: value = r.string(); break;
      case 2 << 3: value = r.bool(); break;
      case 3 << 3: value = r.int64(); break;
      case (4 << 3) | 1: value = r.double(); break;
      case (5 << 3) | 2: value = arrayValue(r.sub()); break;
      // kvlist_value and bytes_value have no Attributes counterpart: kept readable as text.
      case (6 << 3) | 2: value = JSON.stringify(keyValueList(r.sub())); break;
      case (7 << 3) | 2: value = Buffer.from(r.bytesField()).toString('base64'); break;
      default: r.skipField(tag & 7);
    }
  }
  return value;
}

function arrayValue(r: ProtobufReader): AttributeValue {
  const values: unknown[] = [];
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((1 << 3) | 2)) values.push(anyValue(r.sub()) ?? null);
    else r.skipField(tag & 7);
  }
  return values as AttributeValue;
}

function keyValueList(r: ProtobufReader): Attributes {
  const out: Attributes = {};
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((1 << 3) | 2)) keyValue(r.sub(), out);
    else r.skipField(tag & 7);
  }
  return out;
}

// One KeyValue into `into`; a KeyValue without a value is dropped.
function keyValue(r: ProtobufReader, into: Attributes): void {
  let key = '';
  let value: AttributeValue | undefined;
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((1 << 3) | 2)) key = r.string();
    else if (tag === ((2 << 3) | 2)) value = anyValue(r.sub());
    else r.skipField(tag & 7);
  }
  if (value !== undefined) into[key] = value;
}

function time(r: ProtobufReader): number {
  const lo = r.fixed64();
  return fixed64NanosToEpochMs(lo, r.high);
}

function event(r: ProtobufReader): SpanEventData {
  const out: Mutable<SpanEventData> = { name: '', time: 0, attributes: {}, droppedAttributesCount: 0 };
  while (r.more()) {
    const tag = r.tag();
    switch (tag) {
      case (1 << 3) | 1: out.time = time(r); break;
      case (2 << 3) | 2: out.name = r.string(); break;
      case (3 << 3) | 2: keyValue(r.sub(), out.attributes); break;
      case 4 << 3: out.droppedAttributesCount = r.uint32(); break;
      default: r.skipField(tag & 7);
    }
  }
  return out;
}

function link(r: ProtobufReader): SpanLinkData {
  const context: Mutable<SpanContext> = { traceId: '', spanId: '', traceFlags: 0 };
  const out: Mutable<SpanLinkData> = { context, attributes: {}, droppedAttributesCount: 0 };
  while (r.more()) {
    const tag = r.tag();
    switch (tag) {
      case (1 << 3) | 2: context.traceId = hex(r.bytesField()); break;
      case (2 << 3) | 2: context.spanId = hex(r.bytesField()); break;
      case (3 << 3) | 2: context.traceState = createTraceState(r.string()); break;
      case (4 << 3) | 2: keyValue(r.sub(), out.attributes); break;
      case 5 << 3: out.droppedAttributesCount = r.uint32(); break;
      case (6 << 3) | 5: {
        const flags = r.fixed32();
        context.traceFlags = flags & 0xff;
        context.isRemote = (flags & SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK) !== 0;
        break;
      }
      default: r.skipField(tag & 7);
    }
  }
  return out;
}

function status(r: ProtobufReader, span: Mutable<FinishedSpan>): void {
  let code = 0;
  let message: string | undefined;
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((2 << 3) | 2)) message = r.string();
    else if (tag === 3 << 3) code = statusCodeFromWire(r.uint32());
    else r.skipField(tag & 7);
  }
  span.status = message ? { code, message } : { code };
}

function span(r: ProtobufReader, resource: ResourceData, scope: InstrumentationScope): FinishedSpan {
  const out = emptySpan(resource, scope);
  const context = out.spanContext as Mutable<SpanContext>;
  const events: SpanEventData[] = [];
  const links: SpanLinkData[] = [];
  while (r.more()) {
    const tag = r.tag();
    switch (tag) {
      case (1 << 3) | 2: context.traceId = hex(r.bytesField()); break;
      case (2 << 3) | 2: context.spanId = hex(r.bytesField()); break;
      case (3 << 3) | 2: context.traceState = createTraceState(r.string()); break;
      case (4 << 3) | 2: out.parentSpanId = hex(r.bytesField()) || undefined; break;
      case (5 << 3) | 2: out.name = r.string(); break;
      case 6 << 3: out.kind = spanKindFromWire(r.uint32()); break;
      case (7 << 3) | 1: out.startTime = time(r); break;
      case (8 << 3) | 1: out.endTime = time(r); break;
      case (9 << 3) | 2: keyValue(r.sub(), out.attributes); break;
      case 10 << 3: out.droppedAttributesCount = r.uint32(); break;
      case (11 << 3) | 2: events.push(event(r.sub())); break;
      case 12 << 3: out.droppedEventsCount = r.uint32(); break;
      case (13 << 3) | 2: links.push(link(r.sub())); break;
      case 14 << 3: out.droppedLinksCount = r.uint32(); break;
      case (15 << 3) | 2: status(r.sub(), out); break;
      case (16 << 3) | 5: {
        const flags = r.fixed32();
        context.traceFlags = flags & 0xff;
        out.parentIsRemote = (flags & SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK) !== 0;
        break;
      }
      default: r.skipField(tag & 7);
    }
  }
  out.events = events;
  out.links = links;
  return out;
}

function scope(r: ProtobufReader): Mutable<InstrumentationScope> {
  const out: Mutable<InstrumentationScope> = { name: '' };
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((1 << 3) | 2)) out.name = r.string();
    else if (tag === ((2 << 3) | 2)) out.version = r.string();
    else r.skipField(tag & 7);
  }
  return out;
}

// ScopeSpans: the scope may come after its spans on the wire, so spans are read first.
function scopeSpans(r: ProtobufReader, resource: ResourceData, into: FinishedSpan[]): void {
  const scopeOut: Mutable<InstrumentationScope> = { name: '' };
  const spanReaders: ProtobufReader[] = [];
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((1 << 3) | 2)) Object.assign(scopeOut, scope(r.sub()));
    else if (tag === ((2 << 3) | 2)) spanReaders.push(r.sub());
    else if (tag === ((3 << 3) | 2)) scopeOut.schemaUrl = r.string();
    else r.skipField(tag & 7);
  }
  for (const spanReader of spanReaders) into.push(span(spanReader, resource, scopeOut));
}

function resourceSpans(r: ProtobufReader, into: FinishedSpan[]): void {
  const resource: ResourceData = { attributes: {} };
  const scopeReaders: ProtobufReader[] = [];
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((1 << 3) | 2)) {
      const rr = r.sub();
      while (rr.more()) {
        const t = rr.tag();
        if (t === ((1 << 3) | 2)) keyValue(rr.sub(), resource.attributes);
        else rr.skipField(t & 7);
      }
    } else if (tag === ((2 << 3) | 2)) scopeReaders.push(r.sub());
    else r.skipField(tag & 7);
  }
  for (const scopeReader of scopeReaders) scopeSpans(scopeReader, resource, into);
}

/** Decodes an OTLP/protobuf ExportTraceServiceRequest; throws OtlpDecodeError on malformed input. */
export function decodeTraceRequestProtobuf(bytes: Uint8Array): FinishedSpan[] {
  try {
    const spans: FinishedSpan[] = [];
    const r = new ProtobufReader(bytes);
    while (r.more()) {
      const tag = r.tag();
      if (tag === ((1 << 3) | 2)) resourceSpans(r.sub(), spans);
      else r.skipField(tag & 7);
    }
    return spans;
  } catch (error) {
    throw new OtlpDecodeError(`invalid OTLP protobuf trace request: ${(error as Error)?.message ?? String(error)}`);
  }
}

/** Decodes an OTLP/JSON ExportTraceServiceRequest; throws OtlpDecodeError on malformed input. */
export function decodeTraceRequestJson(text: string): FinishedSpan[] {
  try {
    return decodeJsonRequest(JSON.parse(text));
  } catch (error) {
    throw new OtlpDecodeError(`invalid OTLP JSON trace request: ${(error as Error)?.message ?? String(error)}`);
  }
}
