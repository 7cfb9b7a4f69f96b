// The W3C `tracestate` list (Trace Context Level 2, "Tracestate Header"):
// an immutable ordered list of vendor key/value pairs, and its strict parser.
import type { TraceState as ApiTraceState } from '@opentelemetry/api';

/** Level 2, "tracestate Header Field Values": "There can be a maximum of 32 list-members in a list." */
export const MAX_TRACE_STATE_MEMBERS = 32;
// Level 2 "Key" grammar: simple-key = lcalpha 0*255(keychar);
// multi-tenant-key = tenant-id "@" system-id, tenant-id = (lcalpha / DIGIT) 0*240(keychar),
// system-id = lcalpha 0*13(keychar). 241 + 1 + 14 = 256, so 256 bounds both forms.
const MAX_KEY_LENGTH = 256;
const MAX_TENANT_LENGTH = 241;
const MAX_SYSTEM_LENGTH = 14;
// Level 2 "Value" grammar: value = 0*255(chr) nblk-chr.
const MAX_VALUE_LENGTH = 256;

const NO_STRINGS: readonly string[] = [];

const KEY_CHAR = 1;
const VALUE_CHAR = 2;
const CHAR_CLASS = buildCharClasses();

function buildCharClasses(): Uint8Array {
  const table = new Uint8Array(128);
  // keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/"
  for (let c = 97; c <= 122; c++) table[c] |= KEY_CHAR;
  for (let c = 48; c <= 57; c++) table[c] |= KEY_CHAR;
  for (const c of [95, 45, 42, 47]) table[c] |= KEY_CHAR;
  // nblk-chr = %x21-2B / %x2D-3C / %x3E-7E (the space, chr 0x20, is handled by the scanners)
  for (let c = 0x21; c <= 0x7e; c++) if (c !== 0x2c && c !== 0x3d) table[c] |= VALUE_CHAR;
  return table;
}

function isLcAlpha(c: number): boolean {
  return c >= 97 && c <= 122;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

// OWS = *(SP / HTAB), RFC 7230 §3.2.3.
function isOws(c: number): boolean {
  return c === 32 || c === 9;
}

/** Length and first-char rules for a key in `s[start, end)` whose chars are already checked; `at` is its `@` or -1. */
function hasKeyShape(s: string, start: number, end: number, at: number): boolean {
  const first = s.charCodeAt(start);
  if (at === -1) return end > start && end - start <= MAX_KEY_LENGTH && isLcAlpha(first);
  const tenantLength = at - start;
  const systemLength = end - at - 1;
  return (
    tenantLength >= 1 &&
    tenantLength <= MAX_TENANT_LENGTH &&
    (isLcAlpha(first) || isDigit(first)) &&
    systemLength >= 1 &&
    systemLength <= MAX_SYSTEM_LENGTH &&
    isLcAlpha(s.charCodeAt(at + 1))
  );
}

/** True when `key` is a valid tracestate key, simple or `tenant@system`. */
export function isValidTraceStateKey(key: string): boolean {
  return typeof key === 'string' && scanKey(key, 0, key.length) === key.length;
}

/**
 * True when `value` is a valid tracestate value: 1 to 256 printable ASCII chars
 * (0x20-0x7E) other than `,` and `=`, not ending in a space. Leading spaces are part
 * of the value (chr includes 0x20); trailing ones would be OWS.
 */
export function isValidTraceStateValue(value: string): boolean {
  return typeof value === 'string' && scanValue(value, 0, value.length) === value.length;
}

/** Where a valid key starting at `start` stops (its `=`, or `n`), or -1 when the key is invalid. */
function scanKey(s: string, start: number, n: number): number {
  let at = -1;
  let i = start;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 61) break;
    if (c === 64) {
      if (at !== -1) return -1;
      at = i;
    } else if (c >= 128 || (CHAR_CLASS[c] & KEY_CHAR) === 0) {
      return -1;
    }
    if (i - start >= MAX_KEY_LENGTH) return -1;
  }
  return hasKeyShape(s, start, i, at) ? i : -1;
}

/**
 * End (exclusive, trailing OWS excluded) of a valid value starting at `start` and
 * running to the next comma or the end, or -1. A tab may only be trailing OWS.
 */
function scanValue(s: string, start: number, n: number): number {
  let end = -1;
  let sawTab = false;
  for (let i = start; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 44) break;
    if (c === 32) continue;
    if (c === 9) {
      sawTab = true;
    } else if (sawTab || c >= 128 || (CHAR_CLASS[c] & VALUE_CHAR) === 0) {
      return -1;
    } else {
      end = i + 1;
      if (end - start > MAX_VALUE_LENGTH) return -1;
    }
  }
  return end;
}

/**
 * An immutable tracestate list. Index 0 is the leftmost member, the one written by
 * the most recent vendor. Start from `TraceState.empty()` or `parseTraceState()`.
 */
export class TraceState implements ApiTraceState {
  private static readonly EMPTY = new TraceState(NO_STRINGS, NO_STRINGS);

  private readonly keys: readonly string[];
  private readonly values: readonly string[];
  private serialized: string | undefined;

  private constructor(keys: readonly string[], values: readonly string[]) {
    this.keys = keys;
    this.values = values;
    this.serialized = undefined;
  }

  /** The shared empty list. */
  static empty(): TraceState {
    return TraceState.EMPTY;
  }

  /** Parses a combined tracestate header; see `parseTraceState`. */
  static parse(header: string): TraceState | undefined {
    if (typeof header !== 'string') return undefined;
    const keys: string[] = [];
    const values: string[] = [];
    const n = header.length;
    let canonicalLength = -1;
    let i = 0;
    // One pass: OWS, then a member or nothing ("Empty and whitespace-only list members
    // are allowed"), then OWS, then a comma or the end.
    while (i < n) {
      while (i < n && isOws(header.charCodeAt(i))) i++;
      if (i === n) break;
      if (header.charCodeAt(i) !== 44) {
        // A 33rd member makes the list invalid; stopping here also bounds the work on hostile input.
        if (keys.length === MAX_TRACE_STATE_MEMBERS) return undefined;
        const eq = scanKey(header, i, n);
        if (eq === -1 || eq === n) return undefined;
        const valueEnd = scanValue(header, eq + 1, n);
        if (valueEnd === -1) return undefined;
        const key = header.slice(i, eq);
        // "Combined Header Value": "Only one entry per key is allowed"; a duplicate makes the header invalid.
        if (keys.includes(key)) return undefined;
        keys.push(key);
        values.push(header.slice(eq + 1, valueEnd));
        canonicalLength += valueEnd - i + 1;
        i = valueEnd;
        while (i < n && isOws(header.charCodeAt(i))) i++;
        if (i === n) break;
      }
      i++; // the comma: scanValue stops only at a comma or the end
    }
    if (keys.length === 0) return TraceState.EMPTY;
    const state = new TraceState(keys, values);
    // A header without OWS or empty members is its own serialization: pass-through inject reuses it.
    if (canonicalLength === n) state.serialized = header;
    return state;
  }

  /** Number of list members. */
  get size(): number {
    return this.keys.length;
  }

  /**
   * Returns a list with `key` set to `value`, moved to the front ("Mutating the
   * tracestate Field": "Modified keys MUST be moved to the beginning"). When the list
   * is full the rightmost member is dropped. An invalid key or value leaves the list
   * unchanged.
   */
  set(key: string, value: string): TraceState {
    if (typeof key !== 'string' || typeof value !== 'string') return this;
    if (!isValidTraceStateKey(key) || !isValidTraceStateValue(value)) return this;
    if (this.keys[0] === key && this.values[0] === value) return this;
    const keys = [key];
    const values = [value];
    for (let i = 0; i < this.keys.length && keys.length < MAX_TRACE_STATE_MEMBERS; i++) {
      if (this.keys[i] === key) continue;
      keys.push(this.keys[i]);
      values.push(this.values[i]);
    }
    return new TraceState(keys, values);
  }

  /** Returns a list without `key`; the same list when `key` is absent. */
  unset(key: string): TraceState {
    const index = this.keys.indexOf(key);
    if (index === -1) return this;
    if (this.keys.length === 1) return TraceState.EMPTY;
    const keys = this.keys.slice();
    const values = this.values.slice();
    keys.splice(index, 1);
    values.splice(index, 1);
    return new TraceState(keys, values);
  }

  /** The value for `key`, or undefined. */
  get(key: string): string | undefined {
    const index = this.keys.indexOf(key);
    return index === -1 ? undefined : this.values[index];
  }

  /** The header value: `key=value` members joined by `,`, leftmost first, no whitespace. */
  serialize(): string {
    let text = this.serialized;
    if (text === undefined) {
      text = '';
      for (let i = 0; i < this.keys.length; i++) {
        if (i > 0) text += ',';
        text += this.keys[i] + '=' + this.values[i];
      }
      this.serialized = text;
    }
    return text;
  }
}

/**
 * Parses a tracestate header (several header fields joined with `,`) by the strict
 * Level 2 grammar. Returns undefined when anything in it is invalid (bad key or value,
 * duplicate key, more than 32 members): the whole header is then discarded, as the
 * Level 2 grammar leaves no partial parse. Never throws.
 */
export function parseTraceState(header: string): TraceState | undefined {
  return TraceState.parse(header);
}
