// The HTTP semantic-convention rules a client span needs beyond the URL:
// method normalisation, error.type, and which captured headers are secret.
// Meant to be shared with the http client instrumentation; kept here until
// instrumentations/http has its own.

/** A request method as the conventions want it on the span. */
export interface NormalizedMethod {
  /** http.request.method: a known method, or `_OTHER`. */
  readonly method: string;
  /** The `{method}` of the span name: the known method, or `HTTP`. */
  readonly spanName: string;
  /** http.request.method_original, set only when it differs from `method`. */
  readonly original: string | undefined;
}

// Semconv http.request.method: the methods of RFC 9110 plus PATCH (RFC 5789),
// matched case-sensitively ("MUST match a known HTTP method name exactly").
const KNOWN: ReadonlyMap<string, NormalizedMethod> = new Map(
  ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE'].map(
    (m) => [m, Object.freeze({ method: m, spanName: m, original: undefined })] as const,
  ),
);

/** Normalises a request method; anything unknown (including `patch` in lower case) becomes `_OTHER`. */
export function normalizeMethod(raw: unknown): NormalizedMethod {
  const original = typeof raw === 'string' ? raw : '';
  const known = KNOWN.get(original);
  if (known !== undefined) return known;
  return { method: '_OTHER', spanName: 'HTTP', original: original === '' ? undefined : original };
}

/**
 * error.type for a failed request (semconv error.type, note [5]): a string
 * `code` (Node's `ECONNREFUSED`, undici's `UND_ERR_SOCKET`,
 * `UND_ERR_HEADERS_TIMEOUT`, ...), else the error's name (`TimeoutError` for
 * AbortSignal.timeout), else `_OTHER`. All are low-cardinality class names.
 */
export function errorType(err: unknown): string {
  if (err !== null && typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    const name = (err as { name?: unknown }).name;
    if (typeof name === 'string' && name !== '') return name;
  }
  return '_OTHER';
}

/** The message of an error for the status description, if it has one. */
export function errorMessage(err: unknown): string | undefined {
  if (err !== null && typeof err === 'object') {
    const message = (err as { message?: unknown }).message;
    if (typeof message === 'string' && message !== '') return message;
  }
  return typeof err === 'string' && err !== '' ? err : undefined;
}

// Issue 4: "authorization, cookie and set-cookie values are always redacted";
// proxy-authorization carries the same kind of secret.
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/** True when a captured header's values must be replaced by REDACTED; `name` is lower case. */
export function isSecretHeader(name: string): boolean {
  return SECRET_HEADERS.has(name);
}
