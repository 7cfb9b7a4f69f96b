// The attributes of a fetch/undici CLIENT span, per the stable HTTP client span
// conventions (semconv docs/http/http-spans.md, "HTTP client span"). The rules
// shared with the http instrumentation (method normalisation, error.type, URL
// and header redaction) come from instrumentations/http. Called only for
// recording spans: unsampled requests build none of this.
import { SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import type { Config } from '../../src/config';
import { JoinedNames } from '../../src/joined-names';
import { giveAttributes } from '../../src/span';
import { createHeaderCapture, REQUEST_HEADER_PREFIX, RESPONSE_HEADER_PREFIX, type HeaderCapture } from '../http/headers';
import {
  ATTR, errorTypeOf, isClientErrorStatus, setMethodAttributes, TIMEOUT_ERROR, type HttpMethod,
} from '../http/semconv';
import { createQueryRedactor, redactUrl, type QueryRedactor } from '../http/url';
import type { SendHeadersMessage, UndiciRequest } from './channels';
import { parseOrigin, type OriginInfo } from './origin';
import { headerValues } from './undici-headers';

/** What the attribute builders need from the configuration, prepared once at subscribe time. */
export interface FetchAttributeOptions {
  readonly redactQuery: QueryRedactor;
  /** url.full from origin and path, redacted, kept for the next request to the same URL. */
  readonly fullUrls: JoinedNames;
  readonly captureRequest: HeaderCapture | undefined;
  readonly captureResponse: HeaderCapture | undefined;
}

/** Prepares the redactor and header captures from the `http` config section. */
export function createAttributeOptions(http: Config['http']): FetchAttributeOptions {
  const redactQuery = createQueryRedactor(http.redactQueryKeys);
  return {
    redactQuery,
    // At most 32 origins of 256 paths of up to 256 characters: a few MB at worst.
    fullUrls: new JoinedNames('', { finish: (url) => redactUrl(url, redactQuery), maxHeads: 32, maxTails: 256, maxTailLength: 256 }),
    captureRequest: createHeaderCapture(REQUEST_HEADER_PREFIX, http.clientRequestHeaders),
    captureResponse: createHeaderCapture(RESPONSE_HEADER_PREFIX, http.clientResponseHeaders),
  };
}

/** Sets what is known when undici creates the request: method, server, url.full, captured request headers. */
export function setRequestAttributes(
  span: Span, request: UndiciRequest, method: HttpMethod, options: FetchAttributeOptions,
): void {
  const attributes: Attributes = {};
  setMethodAttributes(attributes, method);
  const path = request.path;
  // An absolute-form target (through a proxy) names the server itself (semconv server.address, note [2]).
  const absolute = typeof path === 'string' && (path.startsWith('http://') || path.startsWith('https://'));
  const origin = absolute ? parseOrigin(originOf(path)) : parseOrigin(request.origin);
  if (origin !== null) {
    attributes[ATTR.serverAddress] = origin.address;
    attributes[ATTR.serverPort] = origin.port;
  }
  if (absolute) attributes[ATTR.urlFull] = redactUrl(path as string, options.redactQuery);
  else if (origin !== null) attributes[ATTR.urlFull] = fullUrl(origin, path, options);
  giveAttributes(span, attributes);
  if (options.captureRequest !== undefined) {
    const headers = request.headers;
    options.captureRequest(span, (name) => headerValues(headers, name));
  }
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function fullUrl(origin: OriginInfo, path: unknown, options: FetchAttributeOptions): string {
  if (typeof path === 'string' && path.startsWith('/')) {
    // A query may carry a secret that redaction hides from the span: such a path is
    // never kept (as a cache key) beyond its request.
    return path.includes('?') ? redactUrl(origin.prefix + path, options.redactQuery) : options.fullUrls.join(origin.prefix, path);
  }
  // `host:port` for CONNECT, or no path at all: the origin is all there is.
  return redactUrl(origin.prefix, options.redactQuery);
}

/** Sets network.peer.* and network.protocol.version from the socket the request is written to. */
export function setConnectionAttributes(span: Span, socket: SendHeadersMessage['socket']): void {
  if (socket === null || typeof socket !== 'object') return;
  const { remoteAddress, remotePort, alpnProtocol } = socket;
  if (typeof remoteAddress === 'string') span.setAttribute(ATTR.peerAddress, remoteAddress);
  if (typeof remotePort === 'number') span.setAttribute(ATTR.peerPort, remotePort);
  // undici speaks HTTP/1.1 unless ALPN negotiated h2 (semconv network.protocol.version, note [10]).
  span.setAttribute(ATTR.protocolVersion, alpnProtocol === 'h2' ? '2' : '1.1');
}

/**
 * Sets the status code and captured response headers. A status >= 400 is an
 * error on a client span (semconv "Status": 4xx SHOULD be Error for CLIENT), with
 * the code as error.type and no description (it is inferred from the code).
 */
export function setResponseAttributes(
  span: Span, statusCode: unknown, headers: unknown, options: FetchAttributeOptions,
): void {
  if (typeof statusCode === 'number' && statusCode > 0) {
    span.setAttribute(ATTR.statusCode, statusCode);
    if (isClientErrorStatus(statusCode)) {
      span.setAttribute(ATTR.errorType, String(statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  }
  if (options.captureResponse !== undefined) {
    options.captureResponse(span, (name) => headerValues(headers, name));
  }
}

/** Marks the span as failed by `err`: error.type, and status ERROR with the error's message. */
export function setFailure(span: Span, err: unknown): void {
  span.setAttribute(ATTR.errorType, fetchErrorType(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(err) });
}

/**
 * error.type of a failed request: `timeout` for AbortSignal.timeout() (a
 * DOMException named TimeoutError) and undici's own timeouts
 * (UND_ERR_CONNECT_TIMEOUT, UND_ERR_HEADERS_TIMEOUT, UND_ERR_BODY_TIMEOUT), so
 * timeouts count alike across http and fetch; otherwise the shared rule: the
 * error code (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...), else the class name.
 */
export function fetchErrorType(err: unknown): string {
  if (err !== null && typeof err === 'object') {
    if ((err as { name?: unknown }).name === 'TimeoutError') return TIMEOUT_ERROR;
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('UND_ERR_') && code.endsWith('_TIMEOUT')) return TIMEOUT_ERROR;
  }
  return errorTypeOf(err);
}

function errorMessage(err: unknown): string | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const message = (err as { message?: unknown }).message;
  return typeof message === 'string' && message !== '' ? message : undefined;
}
