// server.address and server.port from undici's `request.origin`
// (`scheme://host[:port]`). An app talks to few origins, so each is parsed once
// and remembered; the cache is bounded so a crawler cannot grow it without limit.
import { defaultPort } from '../http/semconv';

/** The parts of an origin that the client span reports. */
export interface OriginInfo {
  /** `http://host:port` without a trailing slash, the prefix of url.full. */
  readonly prefix: string;
  readonly scheme: string;
  /** Host name or IP address; IPv6 without its brackets. */
  readonly address: string;
  /** The explicit port, else the scheme's default (semconv: server.port is required). */
  readonly port: number;
}

const MAX_CACHED = 256;
const cache = new Map<string, OriginInfo | null>();

/** Parses `origin` (a string, or a URL in odd versions); null when it is not an http(s) origin. */
export function parseOrigin(origin: unknown): OriginInfo | null {
  const text = typeof origin === 'string' ? origin : origin instanceof URL ? origin.origin : undefined;
  if (text === undefined) return null;
  let info = cache.get(text);
  if (info !== undefined) return info;
  info = parse(text);
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(text, info);
  return info;
}

function parse(text: string): OriginInfo | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const scheme = url.protocol.slice(0, -1);
  const port = url.port === '' ? defaultPort(scheme) : Number(url.port);
  let address = url.hostname;
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  // URL.origin drops any user:password and the trailing slash.
  return { prefix: url.origin === 'null' ? `${url.protocol}//${url.host}` : url.origin, scheme, address, port };
}
