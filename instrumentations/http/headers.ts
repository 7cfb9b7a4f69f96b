// Header capture as span attributes (semconv `http.request.header.<key>` and
// `http.response.header.<key>`: lower-case name, value a string array), switched
// on per header by the OTEL_INSTRUMENTATION_HTTP_*_CAPTURE_*_HEADERS variables.
// Credentials are never recorded, whatever the configuration says.
import type { OutgoingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';
import { REDACTED } from './url';

/** Attribute prefix of captured request headers. */
export const REQUEST_HEADER_PREFIX = 'http.request.header.';
/** Attribute prefix of captured response headers. */
export const RESPONSE_HEADER_PREFIX = 'http.response.header.';

/** Headers whose values are always recorded as `REDACTED`. */
export const ALWAYS_REDACTED_HEADERS: ReadonlySet<string> = new Set([
  'authorization', 'proxy-authorization', 'cookie', 'set-cookie',
]);

const REDACTED_VALUE: readonly string[] = Object.freeze([REDACTED]);

/** Sets the configured headers on a span; `read(name)` returns the raw value for a lower-case name. */
export type HeaderCapture = (span: Span, read: (name: string) => unknown) => void;

/**
 * Builds a capture for `names` (lower case, from the config) under `prefix`, or
 * undefined when nothing is configured, so the hot path pays one check.
 */
export function createHeaderCapture(prefix: string, names: readonly string[]): HeaderCapture | undefined {
  if (names.length === 0) return undefined;
  const lower = names.map((n) => n.toLowerCase());
  const keys = lower.map((n) => prefix + n);
  return (span, read) => {
    for (let i = 0; i < lower.length; i++) {
      const values = headerValues(read(lower[i]));
      if (values === undefined) continue;
      span.setAttribute(keys[i], ALWAYS_REDACTED_HEADERS.has(lower[i]) ? REDACTED_VALUE.slice() : values);
    }
  };
}

/** A header value as the string array semconv wants; undefined when absent or not a string/number. */
export function headerValues(raw: unknown): string[] | undefined {
  if (typeof raw === 'string') return [raw];
  if (typeof raw === 'number') return [String(raw)];
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const out: string[] = [];
  for (const v of raw) if (typeof v === 'string' || typeof v === 'number') out.push(String(v));
  return out.length === 0 ? undefined : out;
}

/**
 * A header of an outgoing message (ServerResponse or ClientRequest). getHeader()
 * misses headers given only to writeHead() or as a raw array, which Node renders
 * straight into the header block; that block (`_header`, unchanged since early
 * Node and checked by our tests on Node 20 and 24) is then read, never written.
 */
export function outgoingHeader(message: OutgoingMessage, name: string): unknown {
  const value = message.getHeader(name);
  if (value !== undefined) return value;
  const block = (message as unknown as { _header?: unknown })._header;
  return typeof block === 'string' ? headerFromBlock(block, name) : undefined;
}

function headerFromBlock(block: string, name: string): string[] | undefined {
  let out: string[] | undefined;
  const lines = block.split('\r\n');
  // Line 0 is the request or status line.
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0 || line.slice(0, colon).trim().toLowerCase() !== name) continue;
    (out ??= []).push(line.slice(colon + 1).trim());
  }
  return out;
}
