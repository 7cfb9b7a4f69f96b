// The call forms of http(s).request and http(s).get, read the way Node reads
// them (lib/_http_client.js): (url), (url, cb), (url, options, cb), (options, cb),
// where url is a string or a URL. Used to add propagation headers without
// touching the caller's objects, and to learn the method and port of a request.
import type { OutgoingHttpHeaders, RequestOptions } from 'node:http';
import { defaultPort } from './semconv';

/** The URL and options of one call; either may be absent. */
export interface RequestCall {
  readonly url: string | URL | undefined;
  readonly options: RequestOptions | undefined;
  /** Index of the options argument, or where it would be inserted. */
  readonly optionsIndex: number;
}

/** Node's own test for a WHATWG URL (internal/url.js isURL), so both agree on the call form. */
function isUrl(value: unknown): value is URL {
  if (value instanceof URL) return true;
  const v = value as { href?: unknown; protocol?: unknown; auth?: unknown; path?: unknown } | null;
  return Boolean(v?.href && v.protocol && v.auth === undefined && v.path === undefined);
}

function isOptions(value: unknown): value is RequestOptions {
  return value !== null && typeof value === 'object';
}

/** Reads the call form of a request() or get() call. */
export function readCall(args: ArrayLike<unknown>): RequestCall {
  const first = args[0];
  if (typeof first === 'string' || isUrl(first)) {
    const second = args[1];
    return { url: first, options: isOptions(second) ? second : undefined, optionsIndex: 1 };
  }
  return { url: undefined, options: isOptions(first) ? first : undefined, optionsIndex: 0 };
}

/** The method Node will send: upper-cased, GET by default. */
export function requestMethod(args: ArrayLike<unknown>): string {
  const method = readCall(args).options?.method;
  return typeof method === 'string' && method !== '' ? method.toUpperCase() : 'GET';
}

/**
 * The arguments with `inject` added to the headers of a copy of the options;
 * the caller's options and headers objects are never modified. Existing fields
 * of the same name (any case) are replaced, as a forwarded `traceparent` must
 * not reach the next hop. Returns undefined when the headers cannot be merged.
 */
export function argsWithHeaders(args: ArrayLike<unknown>, inject: Record<string, string>): unknown[] | undefined {
  const first = args[0];
  // A number or boolean where the URL or options belong: Node's own quirks decide, untouched.
  if (first != null && typeof first !== 'object' && typeof first !== 'string' && typeof first !== 'function') {
    return undefined;
  }
  const call = readCall(args);
  const headers = mergeHeaders(call.options?.headers, inject);
  if (headers === undefined) return undefined;
  const out = Array.prototype.slice.call(args) as unknown[];
  const options = { ...call.options, headers };
  const slot = out[call.optionsIndex];
  if (call.options !== undefined || (call.optionsIndex < out.length && slot == null)) {
    out[call.optionsIndex] = options;
  } else {
    // (url), (url, cb), (), (cb): insert the options where Node looks for them.
    out.splice(call.optionsIndex, 0, options);
  }
  return out;
}

function mergeHeaders(headers: unknown, inject: Record<string, string>): OutgoingHttpHeaders | string[] | undefined {
  if (Array.isArray(headers)) {
    // The raw [name, value, name, value] form; an odd length is the app's error to keep.
    if (headers.length % 2 !== 0) return undefined;
    const out: string[] = [];
    for (let i = 0; i < headers.length; i += 2) {
      if (!Object.prototype.hasOwnProperty.call(inject, String(headers[i]).toLowerCase())) {
        out.push(headers[i], headers[i + 1]);
      }
    }
    for (const name in inject) out.push(name, inject[name]);
    return out;
  }
  const out: OutgoingHttpHeaders = {};
  if (headers !== null && typeof headers === 'object') {
    for (const name of Object.keys(headers)) {
      if (!Object.prototype.hasOwnProperty.call(inject, name.toLowerCase())) {
        out[name] = (headers as OutgoingHttpHeaders)[name];
      }
    }
  }
  for (const name in inject) out[name] = inject[name];
  return out;
}

/** What a request's span reports about where it goes, beyond what ClientRequest exposes. */
export interface RequestEndpoint {
  readonly port: number;
  /** True when the URL or the `auth` option carries credentials. */
  readonly hasCredentials: boolean;
  /** The Unix socket path, when the request goes to one. */
  readonly socketPath: string | undefined;
}

/**
 * Where a request goes, as Node resolves it: the port is options.port, else the
 * URL's, else options.defaultPort, else the agent's default port, else the scheme's.
 */
export function requestEndpoint(args: ArrayLike<unknown>, protocol: string, agentPort: unknown): RequestEndpoint {
  const { url, options } = readCall(args);
  let parsed: URL | undefined;
  if (typeof url === 'string') {
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
  } else if (url !== undefined) {
    parsed = url;
  }
  let port = Number(options?.port) || Number(parsed?.port) || Number(options?.defaultPort) || Number(agentPort);
  if (!port) port = defaultPort(protocol);
  const hasCredentials = Boolean(options?.auth) || Boolean(parsed?.username) || Boolean(parsed?.password);
  const socketPath = typeof options?.socketPath === 'string' ? options.socketPath : undefined;
  return { port, hasCredentials, socketPath };
}
