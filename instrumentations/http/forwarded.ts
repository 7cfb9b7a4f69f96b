// Reading where a server request really came from and went to, for url.scheme,
// server.address/port and client.address: the `Forwarded` header (RFC 7239),
// the de-facto `X-Forwarded-*` headers, then `Host`. Semconv "Setting
// server.address and server.port attributes" gives this order. Bad input yields
// undefined, never an exception.

/** The first element of a `Forwarded` header: the one closest to the original client. */
export interface ForwardedElement {
  readonly for?: string;
  readonly host?: string;
  readonly proto?: string;
}

/** Parses the first element of a `Forwarded` header (`for=...;host=...;proto=...`). */
export function parseForwarded(header: unknown): ForwardedElement | undefined {
  const value = firstListItem(header);
  if (value === undefined) return undefined;
  const out: { for?: string; host?: string; proto?: string } = {};
  for (const pair of value.split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim().toLowerCase();
    let v = pair.slice(eq + 1).trim();
    if (v.length >= 2 && v.charCodeAt(0) === 34 && v.charCodeAt(v.length - 1) === 34) v = v.slice(1, -1);
    if (v === '') continue;
    if (name === 'for' || name === 'host' || name === 'proto') out[name] = v;
  }
  return out;
}

/** The first comma-separated item of a header (an array means repeated fields: the first one counts). */
export function firstListItem(header: unknown): string | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (typeof raw !== 'string') return undefined;
  const comma = raw.indexOf(',');
  const item = (comma === -1 ? raw : raw.slice(0, comma)).trim();
  return item === '' ? undefined : item;
}

/** A host and optional port, IPv6 without brackets. */
export interface HostPort {
  readonly address: string;
  readonly port: number | undefined;
}

// The last value parsed and its result: a server sees the same Host header on
// nearly every request, and one string comparison is cheaper than the parse.
let lastValue = '';
let lastResult: HostPort | undefined;

/** Parses `host`, `host:port`, `[v6]` or `[v6]:port` (Host, X-Forwarded-Host, Forwarded host=). The result is shared: read it only. */
export function parseHostPort(value: string | undefined): HostPort | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === lastValue) return lastResult;
  const result = parseHostPortOnce(value);
  lastValue = value;
  lastResult = result;
  return result;
}

function parseHostPortOnce(value: string): HostPort | undefined {
  if (value.charCodeAt(0) === 91 /* [ */) {
    const close = value.indexOf(']');
    if (close <= 1) return undefined;
    const rest = value.slice(close + 1);
    return { address: value.slice(1, close), port: rest.startsWith(':') ? toPort(rest.slice(1)) : undefined };
  }
  const colon = value.indexOf(':');
  if (colon === -1) return { address: value, port: undefined };
  // More than one colon without brackets: a bare IPv6 address, no port.
  if (value.indexOf(':', colon + 1) !== -1) return { address: value, port: undefined };
  if (colon === 0) return undefined;
  return { address: value.slice(0, colon), port: toPort(value.slice(colon + 1)) };
}

function toPort(text: string): number | undefined {
  if (text.length === 0 || text.length > 5) return undefined;
  const n = Number(text);
  return Number.isInteger(n) && n > 0 && n <= 65535 ? n : undefined;
}

/** The client address of a `Forwarded` `for=` value: `[v6]:port`, `v4:port`; obfuscated ids (`_x`, `unknown`) give undefined. */
export function forwardedForAddress(value: string | undefined): string | undefined {
  if (value === undefined || value === 'unknown' || value.startsWith('_')) return undefined;
  return parseHostPort(value)?.address;
}

/** `http` or `https` from a forwarded proto value; anything else is ignored. */
export function forwardedScheme(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.toLowerCase();
  return v === 'http' || v === 'https' ? v : undefined;
}
