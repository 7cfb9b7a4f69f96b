// The W3C Trace Context propagator (`traceparent` + `tracestate`, Level 2).
// Runs on every incoming and outgoing request, so traceparent is parsed with a
// char loop, and bad input of any shape is a no-op, never an exception.
import {
  trace,
  TraceFlags,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { log } from '../log';
import { CheckedSpanContext } from '../span-context';
import { isTracingSuppressed } from '../suppress';
import { joinedHeaderValue, singleHeaderValue } from './header-value';
import { hasValidIds, hexDigit, isNonZeroLowerHex } from './hex-id';
import { TraceState, parseTraceState } from './trace-state';

/** Header name of the W3C traceparent. */
export const TRACEPARENT_HEADER = 'traceparent';
/** Header name of the W3C tracestate. */
export const TRACESTATE_HEADER = 'tracestate';

// version "-" trace-id "-" parent-id "-" trace-flags = 2 + 1 + 32 + 1 + 16 + 1 + 2.
const TRACEPARENT_LENGTH = 55;
// Only the sampled bit is written: "Other Flags ... Vendors MUST set those to zero".
// (Level 2's random-trace-id bit 0x02 would be added here if the id generator sets it.)
const PROPAGATED_FLAGS = TraceFlags.SAMPLED;
const FLAGS_TEXT = ['-00', '-01', '-02', '-03'];

function isOws(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * Parses a traceparent header into a remote span context, or undefined when it is
 * invalid. Version 00 must be exactly 55 chars; a higher version is read by its first
 * four fields ("Versioning of traceparent"); version ff, upper-case hex and all-zero
 * ids are rejected. Leading and trailing OWS is ignored, as HTTP parsers do.
 */
export function parseTraceParent(header: string): SpanContext | undefined {
  if (typeof header !== 'string') return undefined;
  let start = 0;
  let end = header.length;
  while (start < end && isOws(header.charCodeAt(start))) start++;
  while (end > start && isOws(header.charCodeAt(end - 1))) end--;
  const length = end - start;
  if (length < TRACEPARENT_LENGTH) return undefined;

  const v1 = hexDigit(header.charCodeAt(start));
  const v2 = hexDigit(header.charCodeAt(start + 1));
  if (v1 < 0 || v2 < 0 || (v1 === 15 && v2 === 15)) return undefined;
  if (v1 === 0 && v2 === 0) {
    if (length !== TRACEPARENT_LENGTH) return undefined;
  } else if (length > TRACEPARENT_LENGTH && header.charCodeAt(start + TRACEPARENT_LENGTH) !== 45) {
    // A future version may append fields, but only after a dash.
    return undefined;
  }
  if (
    header.charCodeAt(start + 2) !== 45 ||
    header.charCodeAt(start + 35) !== 45 ||
    header.charCodeAt(start + 52) !== 45
  ) {
    return undefined;
  }
  if (!isNonZeroLowerHex(header, start + 3, start + 35)) return undefined;
  if (!isNonZeroLowerHex(header, start + 36, start + 52)) return undefined;
  const f1 = hexDigit(header.charCodeAt(start + 53));
  const f2 = hexDigit(header.charCodeAt(start + 54));
  if (f1 < 0 || f2 < 0) return undefined;

  return new CheckedSpanContext(header.slice(start + 3, start + 35), header.slice(start + 36, start + 52), (f1 << 4) | f2,
    undefined, true);
}

function extractTraceContext(context: Context, carrier: unknown, getter: TextMapGetter): Context {
  const header = singleHeaderValue(getter.get(carrier, TRACEPARENT_HEADER));
  if (header === undefined) return context;
  const spanContext = parseTraceParent(header);
  if (spanContext === undefined) return context;
  // "failure to parse tracestate MUST NOT affect the parsing of traceparent"
  const stateHeader = joinedHeaderValue(getter.get(carrier, TRACESTATE_HEADER));
  if (stateHeader !== undefined && stateHeader.length > 0) {
    const traceState = parseTraceState(stateHeader);
    if (traceState !== undefined && traceState.size > 0) spanContext.traceState = traceState;
  }
  return trace.setSpanContext(context, spanContext);
}

/** The tracestate to send: ours as is; any other implementation's only if it re-parses as valid. */
function serializeTraceState(spanContext: SpanContext): string {
  const traceState = spanContext.traceState;
  if (traceState == null || typeof traceState.serialize !== 'function') return '';
  if (traceState instanceof TraceState) return traceState.serialize();
  const text = traceState.serialize();
  if (typeof text !== 'string' || text.length === 0) return '';
  const parsed = parseTraceState(text);
  return parsed === undefined ? '' : parsed.serialize();
}

function injectTraceContext(context: Context, carrier: unknown, setter: TextMapSetter): void {
  if (isTracingSuppressed(context)) return;
  const spanContext = trace.getSpanContext(context);
  if (spanContext === undefined || !hasValidIds(spanContext)) {
    return;
  }
  // Always written as version 00, the highest this implementation knows ("Versioning of traceparent").
  const flags = FLAGS_TEXT[spanContext.traceFlags & PROPAGATED_FLAGS];
  setter.set(carrier, TRACEPARENT_HEADER, '00-' + spanContext.traceId + '-' + spanContext.spanId + flags);
  const state = serializeTraceState(spanContext);
  if (state.length > 0) setter.set(carrier, TRACESTATE_HEADER, state);
}

function inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
  try {
    injectTraceContext(context, carrier, setter);
  } catch (error) {
    log.debug('tracecontext inject failed', error);
  }
}

function extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
  try {
    return extractTraceContext(context, carrier, getter);
  } catch (error) {
    log.debug('tracecontext extract failed', error);
    return context;
  }
}

function fields(): string[] {
  return [TRACEPARENT_HEADER, TRACESTATE_HEADER];
}

/** The W3C Trace Context propagator (`OTEL_PROPAGATORS=tracecontext`). */
export const traceContextPropagator: TextMapPropagator = Object.freeze({ inject, extract, fields });
