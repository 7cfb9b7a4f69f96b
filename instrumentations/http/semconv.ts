// The stable HTTP semantic conventions shared by the http and fetch client and
// server spans: attribute names, method normalisation, status-to-error rules and
// error.type values. Semconv "HTTP spans" (v1.23+, stable).
import type { Attributes } from '@opentelemetry/api';

/** Attribute names used by HTTP spans. */
export const ATTR = {
  method: 'http.request.method',
  methodOriginal: 'http.request.method_original',
  statusCode: 'http.response.status_code',
  route: 'http.route',
  errorType: 'error.type',
  urlFull: 'url.full',
  urlPath: 'url.path',
  urlQuery: 'url.query',
  urlScheme: 'url.scheme',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  clientAddress: 'client.address',
  peerAddress: 'network.peer.address',
  peerPort: 'network.peer.port',
  protocolVersion: 'network.protocol.version',
  userAgent: 'user_agent.original',
} as const;

/** `error.type` fallback when nothing better is known (semconv well-known value). */
export const OTHER_ERROR = '_OTHER';
/** `error.type` of a request that timed out (the example value of semconv). */
export const TIMEOUT_ERROR = 'timeout';

/** A request method as semconv wants it recorded. */
export interface HttpMethod {
  /** `http.request.method`: the known method, or `_OTHER`. */
  readonly method: string;
  /** `http.request.method_original`, set only when it differs from `method`. */
  readonly original: string | undefined;
  /** The `{method}` of the span name: the method, or `HTTP` for `_OTHER`. */
  readonly spanName: string;
}

/** RFC 9110 methods plus PATCH (RFC 5789): semconv's default "known" methods. */
export const KNOWN_METHODS: readonly string[] = [
  'CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE',
];

/** Maps a raw request method to its semconv form; see createMethodNormalizer. */
export type MethodNormalizer = (raw: unknown) => HttpMethod;

/**
 * Builds a normaliser for a list of known methods (semconv: the list MUST be
 * overridable, as OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS, a full override).
 * "HTTP method names are case-sensitive": a known method passes as is; a known
 * method in another case gets its canonical form and keeps the original (Node's
 * client upper-cases methods itself); anything else becomes `_OTHER` with the
 * original, and the span name uses `HTTP`. A missing method is GET.
 */
export function createMethodNormalizer(knownMethods: readonly string[]): MethodNormalizer {
  const known = new Map<string, HttpMethod>();
  for (const m of knownMethods) known.set(m, Object.freeze({ method: m, original: undefined, spanName: m }));
  const get = Object.freeze({ method: 'GET', original: undefined, spanName: 'GET' });
  return (raw) => {
    if (typeof raw !== 'string' || raw === '') return known.get('GET') ?? get;
    const hit = known.get(raw);
    if (hit !== undefined) return hit;
    const upper = raw.toUpperCase();
    if (known.has(upper)) return { method: upper, original: raw, spanName: upper };
    return { method: '_OTHER', original: raw, spanName: 'HTTP' };
  };
}

/** The normaliser for semconv's default known methods. */
export const normalizeMethod: MethodNormalizer = createMethodNormalizer(KNOWN_METHODS);

/** The normaliser for OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS (config.http.knownMethods), or the default. */
export function methodNormalizerFor(knownMethods: readonly string[] | undefined): MethodNormalizer {
  return knownMethods === undefined ? normalizeMethod : createMethodNormalizer(knownMethods);
}

/** Sets `http.request.method` (and `_original` when normalised) on `attributes`. */
export function setMethodAttributes(attributes: Attributes, method: HttpMethod): void {
  attributes[ATTR.method] = method.method;
  if (method.original !== undefined) attributes[ATTR.methodOriginal] = method.original;
}

/** Semconv "Status": on a CLIENT span 4xx and 5xx are errors, and so is any code outside 100-599. */
export function isClientErrorStatus(status: number): boolean {
  return !(status >= 100 && status < 400);
}

/** Semconv "Status": on a SERVER span 4xx is not an error; 5xx and codes outside 100-599 are. */
export function isServerErrorStatus(status: number): boolean {
  return !(status >= 100 && status < 500);
}

/**
 * `error.type` for a thrown or emitted error: Node's error code when there is one
 * (`ECONNREFUSED`, `ENOTFOUND`, `ERR_TLS_CERT_ALTNAME_INVALID`: low-cardinality,
 * component-specific identifiers as semconv allows), else the class name, else `_OTHER`.
 */
export function errorTypeOf(error: unknown): string {
  if (error === null || typeof error !== 'object') return OTHER_ERROR;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code !== '') return code;
  const name = (error as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof name === 'string' && name !== '' && name !== 'Object') return name;
  const own = (error as { name?: unknown }).name;
  return typeof own === 'string' && own !== '' ? own : OTHER_ERROR;
}

/** `network.protocol.version` from Node's `httpVersion` (`1.1`, `1.0`; HTTP/2 reports `2.0`, semconv says `2`). */
export function protocolVersion(httpVersion: unknown): string | undefined {
  if (typeof httpVersion !== 'string' || httpVersion === '') return undefined;
  if (httpVersion === '2.0') return '2';
  if (httpVersion === '3.0') return '3';
  return httpVersion;
}

/** The port a scheme implies when a URL or Host header names none. */
export function defaultPort(scheme: string): number {
  return scheme === 'https' || scheme === 'https:' ? 443 : 80;
}
