// The W3C Baggage propagator (`baggage` header). Grammar, from the W3C Baggage spec:
//   list-member = key OWS "=" OWS value *( OWS ";" OWS property )
//   property    = key OWS "=" OWS value / key OWS
//   key = token (RFC 7230 §3.2.6); value = *baggage-octet, percent-encoded UTF-8.
// A member that breaks the grammar is skipped; the rest of the header is kept.
import {
  baggageEntryMetadataFromString,
  propagation,
  type Baggage,
  type BaggageEntry,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { log } from '../log';
import { isTracingSuppressed } from '../suppress';
import { joinedHeaderValue } from './header-value';

/** Header name of W3C Baggage. */
export const BAGGAGE_HEADER = 'baggage';
/** "Limits": a platform MUST propagate at least 64 list-members; we propagate at most that. */
export const MAX_BAGGAGE_MEMBERS = 64;
/** "Limits": at least 8192 bytes of baggage-string; we propagate at most that. */
export const MAX_BAGGAGE_BYTES = 8192;

const TOKEN = 1;
const OCTET = 2;
const CHAR_CLASS = buildCharClasses();

function buildCharClasses(): Uint8Array {
  const table = new Uint8Array(128);
  // baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
  for (let c = 0x21; c <= 0x7e; c++) {
    if (c !== 0x22 && c !== 0x2c && c !== 0x3b && c !== 0x5c) table[c] |= OCTET;
  }
  // tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
  const specials = "!#$%&'*+-.^_`|~";
  for (let i = 0; i < specials.length; i++) table[specials.charCodeAt(i)] |= TOKEN;
  for (let c = 48; c <= 57; c++) table[c] |= TOKEN;
  for (let c = 65; c <= 90; c++) table[c] |= TOKEN;
  for (let c = 97; c <= 122; c++) table[c] |= TOKEN;
  return table;
}

function isAll(s: string, start: number, end: number, charClass: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (CHAR_CLASS[c] & charClass) === 0) return false;
  }
  return true;
}

function isOws(c: number): boolean {
  return c === 32 || c === 9;
}

function skipOws(s: string, start: number, end: number): number {
  while (start < end && isOws(s.charCodeAt(start))) start++;
  return start;
}

function skipOwsBack(s: string, start: number, end: number): number {
  while (end > start && isOws(s.charCodeAt(end - 1))) end--;
  return end;
}

// Index of char `code` in `s[start, end)`, or `end`. Bounded, unlike indexOf, so a
// header of many small members costs linear time, not quadratic.
function findChar(s: string, code: number, start: number, end: number): number {
  for (let i = start; i < end; i++) if (s.charCodeAt(i) === code) return i;
  return end;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Percent-decodes `s[start, end)` (already checked to be ASCII). Octets that are not
 * valid UTF-8 become U+FFFD, as the spec requires; a `%` not followed by two hex
 * digits is kept as it is.
 */
function decodeValue(s: string, start: number, end: number): string {
  if (findChar(s, 37, start, end) === end) return s.slice(start, end);
  const encoded = s.slice(start, end);
  try {
    // The native decoder is the fast path; it throws on invalid UTF-8 and on a stray `%`.
    return decodeURIComponent(encoded);
  } catch {
    return decodeLeniently(encoded);
  }
}

/** Percent-decoding that never throws; Buffer's UTF-8 decoder puts in the U+FFFD. */
function decodeLeniently(s: string): string {
  const bytes = Buffer.allocUnsafe(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 && i + 2 < s.length) {
      const high = hexValue(s.charCodeAt(i + 1));
      const low = hexValue(s.charCodeAt(i + 2));
      if (high >= 0 && low >= 0) {
        bytes[n++] = (high << 4) | low;
        i += 2;
        continue;
      }
    }
    bytes[n++] = c;
  }
  return bytes.toString('utf8', 0, n);
}

const UPPER_HEX = '0123456789ABCDEF';

/** Percent-encodes every UTF-8 octet that is not a baggage-octet, and `%` itself. */
function encodeValue(value: string): string {
  let safe = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128 || c === 37 || (CHAR_CLASS[c] & OCTET) === 0) {
      safe = false;
      break;
    }
  }
  if (safe) return value;
  // Buffer.from turns a lone surrogate into U+FFFD instead of throwing like encodeURIComponent.
  const bytes = Buffer.from(value, 'utf8');
  let encoded = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b < 128 && b !== 37 && (CHAR_CLASS[b] & OCTET) !== 0) encoded += String.fromCharCode(b);
    else encoded += '%' + UPPER_HEX[b >> 4] + UPPER_HEX[b & 15];
  }
  return encoded;
}

/**
 * Normalizes a `;`-separated property list in `s[start, end)` to `k=v;k2` form with
 * OWS trimmed ("Leading and trailing OWS ... MUST be trimmed"); invalid properties
 * are dropped. Property values are opaque, so they stay encoded as received.
 */
function normalizeProperties(s: string, start: number, end: number): string {
  let result = '';
  let i = start;
  while (i < end) {
    const semi = findChar(s, 59, i, end);
    const pStart = skipOws(s, i, semi);
    const pEnd = skipOwsBack(s, pStart, semi);
    i = semi + 1;
    if (pStart === pEnd) continue;
    let property: string;
    const eq = findChar(s, 61, pStart, pEnd);
    if (eq === pEnd) {
      if (!isAll(s, pStart, pEnd, TOKEN)) continue;
      property = s.slice(pStart, pEnd);
    } else {
      const keyEnd = skipOwsBack(s, pStart, eq);
      const valueStart = skipOws(s, eq + 1, pEnd);
      if (keyEnd === pStart || !isAll(s, pStart, keyEnd, TOKEN) || !isAll(s, valueStart, pEnd, OCTET)) continue;
      property = s.slice(pStart, keyEnd) + '=' + s.slice(valueStart, pEnd);
    }
    result = result.length === 0 ? property : result + ';' + property;
  }
  return result;
}

/** End of the run of chars of `charClass` starting at `start`, at most `end`. */
function spanOf(s: string, start: number, end: number, charClass: number): number {
  let i = start;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (CHAR_CLASS[c] & charClass) === 0) break;
    i++;
  }
  return i;
}

/**
 * Parses one trimmed, non-empty list member into `entries`; false when it is invalid.
 * One pass: key, OWS, `=`, OWS, value, OWS, then `;` and properties or the end.
 */
function parseMember(s: string, start: number, end: number, entries: Record<string, BaggageEntry>): boolean {
  const keyEnd = spanOf(s, start, end, TOKEN);
  if (keyEnd === start) return false;
  const eq = skipOws(s, keyEnd, end);
  if (eq === end || s.charCodeAt(eq) !== 61) return false;
  const valueStart = skipOws(s, eq + 1, end);
  const valueEnd = spanOf(s, valueStart, end, OCTET);
  const semi = skipOws(s, valueEnd, end);
  if (semi < end && s.charCodeAt(semi) !== 59) return false;
  const entry: BaggageEntry = { value: decodeValue(s, valueStart, valueEnd) };
  if (semi < end) {
    const properties = normalizeProperties(s, semi + 1, end);
    if (properties.length > 0) entry.metadata = baggageEntryMetadataFromString(properties);
  }
  const key = s.slice(start, keyEnd);
  // `__proto__` is a valid token: it must become an entry, not the object's prototype.
  if (key === '__proto__') {
    Object.defineProperty(entries, key, { value: entry, enumerable: true, writable: true, configurable: true });
  } else {
    entries[key] = entry;
  }
  return true;
}

/**
 * Parses a baggage header (repeated fields joined with `,`). Invalid members are
 * skipped; members past 64 or past 8192 bytes in all are dropped. A repeated key
 * keeps its last value. Undefined when no member survives. Never throws.
 */
export function parseBaggage(header: string): Baggage | undefined {
  if (typeof header !== 'string') return undefined;
  const entries: Record<string, BaggageEntry> = {};
  const n = header.length;
  let count = 0;
  let bytes = 0;
  let i = 0;
  while (i < n && count < MAX_BAGGAGE_MEMBERS) {
    let comma = header.indexOf(',', i);
    if (comma === -1) comma = n;
    const start = skipOws(header, i, comma);
    const end = skipOwsBack(header, start, comma);
    i = comma + 1;
    if (start === end) continue;
    // A valid member is ASCII, so its length in chars is its length in bytes.
    const size = count === 0 ? end - start : end - start + 1;
    if (bytes + size > MAX_BAGGAGE_BYTES) continue;
    if (!parseMember(header, start, end, entries)) continue;
    bytes += size;
    count++;
  }
  return count === 0 ? undefined : propagation.createBaggage(entries);
}

function serializeMember(key: unknown, entry: BaggageEntry | undefined): string | undefined {
  if (typeof key !== 'string' || key.length === 0 || !isAll(key, 0, key.length, TOKEN)) return undefined;
  if (entry == null || typeof entry.value !== 'string') return undefined;
  let member = key + '=' + encodeValue(entry.value);
  const metadata = entry.metadata === undefined ? undefined : String(entry.metadata);
  if (metadata !== undefined && metadata.length > 0) {
    const properties = normalizeProperties(metadata, 0, metadata.length);
    if (properties.length > 0) member += ';' + properties;
  }
  return member;
}

/**
 * The header value for `baggage`: at most 64 members and 8192 bytes; an entry that
 * would pass a limit, or has a key that is not a token, is left out.
 */
export function serializeBaggage(baggage: Baggage): string {
  const entries = baggage.getAllEntries();
  let header = '';
  let count = 0;
  for (let i = 0; i < entries.length && count < MAX_BAGGAGE_MEMBERS; i++) {
    const member = serializeMember(entries[i][0], entries[i][1]);
    if (member === undefined) continue;
    // Every char of a serialized member is ASCII, so chars are bytes.
    const size = count === 0 ? member.length : member.length + 1;
    if (header.length + size > MAX_BAGGAGE_BYTES) continue;
    header = count === 0 ? member : header + ',' + member;
    count++;
  }
  return header;
}

function inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
  try {
    // The exporter's own requests run suppressed; they carry no baggage either.
    if (isTracingSuppressed(context)) return;
    const baggage = propagation.getBaggage(context);
    if (baggage === undefined) return;
    const header = serializeBaggage(baggage);
    if (header.length > 0) setter.set(carrier, BAGGAGE_HEADER, header);
  } catch (error) {
    log.debug('baggage inject failed', error);
  }
}

function extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
  try {
    const header = joinedHeaderValue(getter.get(carrier, BAGGAGE_HEADER));
    if (header === undefined || header.length === 0) return context;
    const baggage = parseBaggage(header);
    return baggage === undefined ? context : propagation.setBaggage(context, baggage);
  } catch (error) {
    log.debug('baggage extract failed', error);
    return context;
  }
}

function fields(): string[] {
  return [BAGGAGE_HEADER];
}

/** The W3C Baggage propagator (`OTEL_PROPAGATORS=baggage`). */
export const baggagePropagator: TextMapPropagator = Object.freeze({ inject, extract, fields });
