// url.full without secrets (semconv url.full, note [4]): credentials in the
// authority become REDACTED:REDACTED, and the values of sensitive query keys
// become REDACTED while their keys stay. Meant to be shared with the http
// client instrumentation; kept here until instrumentations/http has its own.

/** The replacement text for a redacted value. */
export const REDACTED = 'REDACTED';

// Default sensitive keys, matched on the lower-cased, decoded key. Issue 4 asks
// for "token, key, secret, password, signature, sig, X-Amz-Signature,
// X-Goog-Signature, AWSAccessKeyId, session, auth, and the like"; semconv lists
// AWSAccessKeyId, Signature, sig and X-Goog-Signature. Substrings catch
// access_token, client_secret, api_key, X-Goog-Credential and friends.
const SENSITIVE_KEY = /token|secret|passw|pwd|signature|session|auth|credential|api[-_]?key|access[-_]?key|private[-_]?key|^key$|^sig$|[-_.]key$/;

/** True when the value of query key `key` (raw, as in the URL) must be redacted; `extra` holds lower-cased keys. */
export function isSensitiveQueryKey(key: string, extra: readonly string[]): boolean {
  const k = decodeKey(key).toLowerCase();
  if (SENSITIVE_KEY.test(k)) return true;
  for (let i = 0; i < extra.length; i++) if (extra[i] === k) return true;
  return false;
}

function decodeKey(key: string): string {
  if (key.indexOf('%') < 0 && key.indexOf('+') < 0) return key;
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

/**
 * Returns `url` with credentials and sensitive query values replaced by
 * REDACTED; the same string when there is nothing to redact (the common case
 * costs two indexOf calls). `extraKeys` are lower-cased keys to redact as well.
 */
export function redactUrl(url: string, extraKeys: readonly string[]): string {
  let out = url;
  if (out.indexOf('@') >= 0) out = redactCredentials(out);
  const q = out.indexOf('?');
  return q < 0 ? out : redactQuery(out, q, extraKeys);
}

function redactCredentials(url: string): string {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd < 0) return url;
  const start = schemeEnd + 3;
  let end = url.length;
  for (const c of ['/', '?', '#']) {
    const i = url.indexOf(c, start);
    if (i >= 0 && i < end) end = i;
  }
  const at = url.lastIndexOf('@', end - 1);
  if (at < start) return url;
  const userinfo = url.slice(start, at);
  const replacement = userinfo.indexOf(':') >= 0 ? `${REDACTED}:${REDACTED}` : REDACTED;
  return url.slice(0, start) + replacement + url.slice(at);
}

function redactQuery(url: string, q: number, extraKeys: readonly string[]): string {
  const hash = url.indexOf('#', q);
  const end = hash < 0 ? url.length : hash;
  const parts = url.slice(q + 1, end).split('&');
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq);
    if (part.length - eq - 1 > 0 && isSensitiveQueryKey(key, extraKeys)) {
      parts[i] = `${key}=${REDACTED}`;
      changed = true;
    }
  }
  return changed ? url.slice(0, q + 1) + parts.join('&') + url.slice(end) : url;
}
