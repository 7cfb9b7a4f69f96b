// The attributes of a fetch/undici CLIENT span, per the stable HTTP client span
// conventions (semconv docs/http/http-spans.md, "HTTP client span"). Called only
// for recording spans: unsampled requests build none of this.
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import type { Config } from '../../src/config';
import type { SendHeadersMessage, UndiciRequest } from './channels';
import { parseOrigin, type OriginInfo } from './origin';
import { errorMessage, errorType, isSecretHeader, type NormalizedMethod } from './semconv';
import { headerValues } from './undici-headers';
import { REDACTED, redactUrl } from './url';

type HttpConfig = Config['http'];

/** Sets what is known when undici creates the request: method, server, url.full, captured request headers. */
export function setRequestAttributes(span: Span, request: UndiciRequest, method: NormalizedMethod, http: HttpConfig): void {
  span.setAttribute('http.request.method', method.method);
  if (method.original !== undefined) span.setAttribute('http.request.method_original', method.original);
  const path = request.path;
  // An absolute-form target (through a proxy) names the server itself (semconv server.address, note [2]).
  const absolute = typeof path === 'string' && (path.startsWith('http://') || path.startsWith('https://'));
  const origin = absolute ? parseOrigin(originOf(path)) : parseOrigin(request.origin);
  if (origin !== null) {
    span.setAttribute('server.address', origin.address);
    span.setAttribute('server.port', origin.port);
  }
  const full = absolute ? (path as string) : joinUrl(origin, path);
  if (full !== undefined) span.setAttribute('url.full', redactUrl(full, http.redactQueryKeys));
  if (http.clientRequestHeaders.length > 0) {
    captureHeaders(span, 'http.request.header.', http.clientRequestHeaders, request.headers);
  }
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function joinUrl(origin: OriginInfo | null, path: unknown): string | undefined {
  if (origin === null) return undefined;
  // `host:port` for CONNECT, or no path at all: the origin is all there is.
  return typeof path === 'string' && path.startsWith('/') ? origin.prefix + path : origin.prefix;
}

/** Sets network.peer.* and network.protocol.version from the socket the request is written to. */
export function setConnectionAttributes(span: Span, socket: SendHeadersMessage['socket']): void {
  if (socket === null || typeof socket !== 'object') return;
  const { remoteAddress, remotePort, alpnProtocol } = socket;
  if (typeof remoteAddress === 'string') span.setAttribute('network.peer.address', remoteAddress);
  if (typeof remotePort === 'number') span.setAttribute('network.peer.port', remotePort);
  // undici speaks HTTP/1.1 unless ALPN negotiated h2 (semconv network.protocol.version, note [10]).
  span.setAttribute('network.protocol.version', alpnProtocol === 'h2' ? '2' : '1.1');
}

/**
 * Sets the status code and captured response headers. A status >= 400 is an
 * error on a client span (semconv "Status": 4xx SHOULD be Error for CLIENT), with
 * the code as error.type and no description (it is inferred from the code).
 */
export function setResponseAttributes(span: Span, statusCode: unknown, headers: unknown, http: HttpConfig): void {
  if (typeof statusCode === 'number' && statusCode > 0) {
    span.setAttribute('http.response.status_code', statusCode);
    if (statusCode >= 400) {
      span.setAttribute('error.type', String(statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  }
  if (http.clientResponseHeaders.length > 0) {
    captureHeaders(span, 'http.response.header.', http.clientResponseHeaders, headers);
  }
}

/** Marks the span as failed by `err`: error.type, and status ERROR with the error's message. */
export function setFailure(span: Span, err: unknown): void {
  span.setAttribute('error.type', errorType(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(err) });
}

/** `http.{request|response}.header.<name>` as string[] (semconv note [11]); secrets become REDACTED. */
function captureHeaders(span: Span, prefix: string, names: readonly string[], headers: unknown): void {
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const values = headerValues(headers, name);
    if (values === undefined) continue;
    if (isSecretHeader(name)) values.fill(REDACTED);
    span.setAttribute(prefix + name, values);
  }
}
