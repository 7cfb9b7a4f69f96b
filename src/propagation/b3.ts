// Zipkin B3 propagation, single header (`b3`) and multi header (`x-b3-*`), after
// the openzipkin/b3-propagation description. Both propagators extract either form,
// the single header first, as the OpenTelemetry B3 propagator spec requires
// ("MUST attempt to extract B3 encoded using single and multi-header formats");
// each injects only its own form.
import {
  createContextKey,
  trace,
  TraceFlags,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { log } from '../log';
import { isTracingSuppressed } from '../suppress';
import { firstHeaderValue } from './header-value';
import { hasValidIds, isNonZeroLowerHex, isValidSpanId, isValidTraceId } from './hex-id';

/** Header of the B3 single-header form. */
export const B3_HEADER = 'b3';
// The multi-header names are lower-cased, as Node delivers incoming headers.
/** B3 multi-header: trace id. */
export const B3_TRACE_ID_HEADER = 'x-b3-traceid';
/** B3 multi-header: span id. */
export const B3_SPAN_ID_HEADER = 'x-b3-spanid';
/** B3 multi-header: sampling decision, `1` or `0`. */
export const B3_SAMPLED_HEADER = 'x-b3-sampled';
/** B3 multi-header: `1` means debug. */
export const B3_FLAGS_HEADER = 'x-b3-flags';

// Debug ("d" / X-B3-Flags: 1) is a B3-only notion: remembered in the context so it is
// sent on again, and always means sampled.
const B3_DEBUG_KEY = createContextKey('spanwise.b3-debug');
const PAD_64_BIT = '0000000000000000';

/** A B3 trace id (16 or 32 lowercase hex, not all zero) as 32 chars, or undefined. */
function normalizeTraceId(id: string, start: number, end: number): string | undefined {
  const length = end - start;
  if (length !== 16 && length !== 32) return undefined;
  if (!isNonZeroLowerHex(id, start, end)) return undefined;
  // A 64-bit id is left-padded to the 128 bits OpenTelemetry uses.
  return length === 16 ? PAD_64_BIT + id.slice(start, end) : id.slice(start, end);
}

function remoteContext(context: Context, traceId: string, spanId: string, sampled: boolean, debug: boolean): Context {
  const spanContext: SpanContext = {
    traceId,
    spanId,
    traceFlags: sampled || debug ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  };
  const withSpan = trace.setSpanContext(context, spanContext);
  return debug ? withSpan.setValue(B3_DEBUG_KEY, true) : withSpan;
}

/**
 * `b3: {TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]`. The sampling-only forms
 * (`b3: 0`, `1`, `d`) carry no ids and so give no span context; undefined then.
 */
function extractSingle(context: Context, header: string): Context | undefined {
  const firstDash = header.indexOf('-');
  if (firstDash === -1) return undefined;
  const traceId = normalizeTraceId(header, 0, firstDash);
  if (traceId === undefined) return undefined;
  const spanEnd = firstDash + 17;
  if (header.length < spanEnd || !isNonZeroLowerHex(header, firstDash + 1, spanEnd)) return undefined;
  const spanId = header.slice(firstDash + 1, spanEnd);
  let sampled = false;
  let debug = false;
  if (header.length > spanEnd) {
    // "-X" with X one of 0, 1, d; then optionally "-" and a 16-hex parent span id.
    if (header.charCodeAt(spanEnd) !== 45 || header.length < spanEnd + 2) return undefined;
    const state = header.charCodeAt(spanEnd + 1);
    if (state === 49) sampled = true;
    else if (state === 100) debug = true;
    else if (state !== 48) return undefined;
    const rest = spanEnd + 2;
    if (header.length !== rest) {
      if (header.length !== rest + 17 || header.charCodeAt(rest) !== 45) return undefined;
      if (!isNonZeroLowerHex(header, rest + 1, rest + 17)) return undefined;
    }
  }
  return remoteContext(context, traceId, spanId, sampled, debug);
}

function extractMulti(context: Context, carrier: unknown, getter: TextMapGetter): Context | undefined {
  const rawTraceId = firstHeaderValue(getter.get(carrier, B3_TRACE_ID_HEADER));
  if (rawTraceId === undefined) return undefined;
  const traceId = normalizeTraceId(rawTraceId, 0, rawTraceId.length);
  const spanId = firstHeaderValue(getter.get(carrier, B3_SPAN_ID_HEADER));
  if (traceId === undefined || !isValidSpanId(spanId)) return undefined;
  const flags = firstHeaderValue(getter.get(carrier, B3_FLAGS_HEADER));
  const debug = flags === '1';
  // "true" is the legacy spelling some tracers send; the description allows accepting it.
  const sampledValue = firstHeaderValue(getter.get(carrier, B3_SAMPLED_HEADER));
  const sampled = sampledValue === '1' || sampledValue === 'true';
  return remoteContext(context, traceId, spanId, sampled, debug);
}

function extractB3(context: Context, carrier: unknown, getter: TextMapGetter): Context {
  try {
    const single = firstHeaderValue(getter.get(carrier, B3_HEADER));
    if (single !== undefined) {
      const extracted = extractSingle(context, single.trim());
      if (extracted !== undefined) return extracted;
    }
    return extractMulti(context, carrier, getter) ?? context;
  } catch (error) {
    log.debug('b3 extract failed', error);
    return context;
  }
}

/** The span context to send, or undefined when there is none or tracing is suppressed. */
function injectableSpanContext(context: Context): SpanContext | undefined {
  if (isTracingSuppressed(context)) return undefined;
  const spanContext = trace.getSpanContext(context);
  if (spanContext === undefined) return undefined;
  if (!hasValidIds(spanContext)) return undefined;
  return spanContext;
}

function injectSingle(context: Context, carrier: unknown, setter: TextMapSetter): void {
  try {
    const spanContext = injectableSpanContext(context);
    if (spanContext === undefined) return;
    let state: string;
    if (context.getValue(B3_DEBUG_KEY) === true) state = '-d';
    else state = (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '-1' : '-0';
    setter.set(carrier, B3_HEADER, spanContext.traceId + '-' + spanContext.spanId + state);
  } catch (error) {
    log.debug('b3 inject failed', error);
  }
}

function injectMulti(context: Context, carrier: unknown, setter: TextMapSetter): void {
  try {
    const spanContext = injectableSpanContext(context);
    if (spanContext === undefined) return;
    setter.set(carrier, B3_TRACE_ID_HEADER, spanContext.traceId);
    setter.set(carrier, B3_SPAN_ID_HEADER, spanContext.spanId);
    // "Debug implies an accept decision, so don't also send the X-B3-Sampled header."
    if (context.getValue(B3_DEBUG_KEY) === true) {
      setter.set(carrier, B3_FLAGS_HEADER, '1');
    } else {
      const sampled = (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
      setter.set(carrier, B3_SAMPLED_HEADER, sampled ? '1' : '0');
    }
  } catch (error) {
    log.debug('b3multi inject failed', error);
  }
}

function singleFields(): string[] {
  return [B3_HEADER];
}

function multiFields(): string[] {
  return [B3_TRACE_ID_HEADER, B3_SPAN_ID_HEADER, B3_SAMPLED_HEADER, B3_FLAGS_HEADER];
}

/** B3 single-header propagator (`OTEL_PROPAGATORS=b3`): injects `b3`, extracts either form. */
export const b3SinglePropagator: TextMapPropagator = Object.freeze({
  inject: injectSingle,
  extract: extractB3,
  fields: singleFields,
});

/** B3 multi-header propagator (`OTEL_PROPAGATORS=b3multi`): injects `x-b3-*`, extracts either form. */
export const b3MultiPropagator: TextMapPropagator = Object.freeze({
  inject: injectMulti,
  extract: extractB3,
  fields: multiFields,
});
