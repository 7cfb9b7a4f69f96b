// URLs on HTTP spans: splitting a request target into url.path and url.query,
// redacting sensitive query values (semconv url.query / url.full: "Query string
// values for the following keys SHOULD be redacted ... replaced by REDACTED", the
// key kept) and credentials in url.full ("https://REDACTED:REDACTED@host/").

/** The replacement text semconv prescribes for redacted values. */
export const REDACTED = 'REDACTED';

/**
 * Query keys whose values are redacted by default, lower case. Semconv lists
 * AWSAccessKeyId, Signature, sig and X-Goog-Signature; the rest are the usual
 * names of secrets in URLs (signed-URL schemes, OAuth, API keys, sessions).
 */
export const DEFAULT_SENSITIVE_QUERY_KEYS: readonly string[] = [
  'awsaccesskeyid', 'signature', 'sig', 'x-goog-signature', 'x-goog-credential', 'x-amz-signature',
  'x-amz-credential', 'x-amz-security-token', 'token', 'access_token', 'refresh_token', 'id_token',
  'key', 'apikey', 'api_key', 'secret', 'client_secret', 'password', 'passwd', 'pwd', 'credential',
  'credentials', 'session', 'sessionid', 'session_id', 'auth', 'authorization', 'jwt',
];

/** Redacts the values of sensitive keys in a query string given without its `?`. */
export type QueryRedactor = (query: string) => string;

const MAX_CACHED_KEYS = 1024;

/**
 * Builds a redactor for the default keys plus `extraKeys` (SPANWISE_REDACT_QUERY_KEYS).
 * A key is sensitive when, case-insensitively and after percent-decoding, it
 * equals a listed key or one of its words does (words split at `_ - .` and at
 * lower-to-upper case changes): `access_token`, `apiKey` and `X-Amz-Signature`
 * match; `author`, `monkey` and `design` do not. Returns the input itself when
 * nothing is redacted.
 */
export function createQueryRedactor(extraKeys: readonly string[] = []): QueryRedactor {
  const keys = new Set(DEFAULT_SENSITIVE_QUERY_KEYS);
  for (const k of extraKeys) if (typeof k === 'string' && k !== '') keys.add(k.toLowerCase());
  // Apps use few distinct keys, so each verdict is remembered; bounded against hostile input.
  const verdicts = new Map<string, boolean>();
  const isSensitive = (rawKey: string): boolean => {
    let verdict = verdicts.get(rawKey);
    if (verdict === undefined) {
      verdict = keyIsSensitive(decodeKey(rawKey), keys);
      if (verdicts.size >= MAX_CACHED_KEYS) verdicts.clear();
      verdicts.set(rawKey, verdict);
    }
    return verdict;
  };
  return (query) => redactQuery(query, isSensitive);
}

function redactQuery(query: string, isSensitive: (key: string) => boolean): string {
  if (typeof query !== 'string' || query.length === 0) return query;
  let out: string | undefined;
  let copied = 0;
  let start = 0;
  let eq = -1;
  // One pass: linear even for hostile queries such as 10 KB of `a&a&a...`.
  for (let i = 0; i <= query.length; i++) {
    const c = i === query.length ? 38 : query.charCodeAt(i);
    if (c === 61 /* = */ && eq === -1) {
      eq = i;
    } else if (c === 38 /* & */) {
      if (eq !== -1 && isSensitive(query.slice(start, eq))) {
        out = (out ?? '') + query.slice(copied, eq + 1) + REDACTED;
        copied = i;
      }
      start = i + 1;
      eq = -1;
    }
  }
  if (out === undefined) return query;
  return out + query.slice(copied);
}

function decodeKey(rawKey: string): string {
  if (rawKey.indexOf('%') === -1 && rawKey.indexOf('+') === -1) return rawKey;
  try {
    return decodeURIComponent(rawKey.replace(/\+/g, ' '));
  } catch {
    return rawKey;
  }
}

function keyIsSensitive(key: string, keys: ReadonlySet<string>): boolean {
  if (keys.has(key.toLowerCase())) return true;
  // Words: split at separators and at a lower-case letter or digit followed by an upper-case one.
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[\s_.\-[\]]+/);
  for (const word of words) if (word !== '' && keys.has(word)) return true;
  return false;
}

/** The path and query of a request target (origin-form `/p?q`, or absolute-form `http://h/p?q`). */
export interface TargetParts {
  readonly path: string;
  /** Without the `?`; undefined when the target has no query. */
  readonly query: string | undefined;
}

/** Splits an HTTP/1.1 request target (RFC 9112 §3.2) into url.path and url.query; a fragment is dropped. */
export function splitTarget(target: string): TargetParts {
  let start = 0;
  if (target.charCodeAt(0) !== 47 /* / */) {
    // absolute-form (requests to a proxy): skip scheme and authority.
    const scheme = target.indexOf('://');
    if (scheme !== -1) {
      const slash = target.indexOf('/', scheme + 3);
      const q = target.indexOf('?', scheme + 3);
      if (slash === -1 || (q !== -1 && q < slash)) {
        return { path: '/', query: q === -1 ? undefined : stripFragment(target.slice(q + 1)) };
      }
      start = slash;
    }
  }
  const q = target.indexOf('?', start);
  if (q === -1) return { path: stripFragment(target.slice(start)), query: undefined };
  return { path: target.slice(start, q), query: stripFragment(target.slice(q + 1)) };
}

function stripFragment(s: string): string {
  const hash = s.indexOf('#');
  return hash === -1 ? s : s.slice(0, hash);
}

/**
 * Redacts an absolute URL for url.full: userinfo becomes `REDACTED:REDACTED`,
 * sensitive query values become `REDACTED`; everything else is kept as given.
 */
export function redactUrl(url: string, redactQueryValues: QueryRedactor): string {
  if (typeof url !== 'string') return '';
  const schemeEnd = url.indexOf('://');
  const authorityStart = schemeEnd === -1 ? 0 : schemeEnd + 3;
  let authorityEnd = url.length;
  for (let i = authorityStart; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35) {
      authorityEnd = i;
      break;
    }
  }
  let result = url;
  const at = schemeEnd === -1 ? -1 : url.lastIndexOf('@', authorityEnd - 1);
  if (at >= authorityStart) {
    result = url.slice(0, authorityStart) + REDACTED + ':' + REDACTED + url.slice(at);
  }
  const q = result.indexOf('?');
  if (q === -1) return result;
  const hash = result.indexOf('#', q);
  const queryEnd = hash === -1 ? result.length : hash;
  const query = result.slice(q + 1, queryEnd);
  const redacted = redactQueryValues(query);
  return redacted === query ? result : result.slice(0, q + 1) + redacted + result.slice(queryEnd);
}
