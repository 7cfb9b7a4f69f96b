// Reading header values out of a carrier. Node gives `string[]` for a repeated
// header (and in `headersDistinct`), other carriers may hold anything at all.

/** A header that must appear once: a string, or an array of exactly one string; else undefined. */
export function singleHeaderValue(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw;
  if (Array.isArray(raw) && raw.length === 1 && typeof raw[0] === 'string') return raw[0];
  return undefined;
}

/** The first value of a header that may repeat (B3 takes the first); undefined if it is not a string. */
export function firstHeaderValue(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw;
  if (Array.isArray(raw) && raw.length > 0 && typeof raw[0] === 'string') return raw[0];
  return undefined;
}

/**
 * A list-valued header whose repeated fields are combined with `,` (RFC 7230 §3.2.2,
 * as tracestate and baggage require); undefined if any value is not a string.
 */
export function joinedHeaderValue(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw;
  if (!Array.isArray(raw)) return undefined;
  let joined = '';
  for (let i = 0; i < raw.length; i++) {
    const part: unknown = raw[i];
    if (typeof part !== 'string') return undefined;
    joined = i === 0 ? part : joined + ',' + part;
  }
  return joined;
}
