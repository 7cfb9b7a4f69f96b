// The diagnostics channels undici publishes for every request, and the parts of
// their messages we read. Declared once here and typed loosely on purpose: the
// publisher is undici (Node's bundled copy, 5.x in early Node 20 up to 7.x in
// Node 24, or the `undici` package 6 to 8 an app loads itself), so every field
// is checked before use. All copies publish on the same process-wide channel
// names, and each request is published only by the copy that owns it.

/** The channel names (undici docs, "Diagnostics Channel"). */
export const UNDICI_CHANNELS = {
  /** A Request object was built; runs synchronously in the caller's async context. */
  create: 'undici:request:create',
  /** The request line and headers are being written to a socket. */
  sendHeaders: 'undici:client:sendHeaders',
  /** Response status line and headers arrived. */
  headers: 'undici:request:headers',
  /** The response body (and trailers) were fully received. */
  trailers: 'undici:request:trailers',
  /** The request failed or was aborted. */
  error: 'undici:request:error',
} as const;

/** The parts of undici's Request object that we read or call. */
export interface UndiciRequest {
  /** `http://host:port`; undici builds it from URL.origin, so it never holds credentials. */
  readonly origin?: unknown;
  readonly method?: unknown;
  /** `/path?query`, an absolute URL (proxies) or `host:port` (CONNECT). */
  readonly path?: unknown;
  /** undici >= 6: flat `[name, value, ...]` array (a value may be a string[]); undici 5: `name: value\r\n` lines. */
  readonly headers?: unknown;
  /** Appends one request header (undici >= 5.x, made for instrumentations). */
  readonly addHeader?: (name: string, value: string) => unknown;
}

/** `undici:request:create` */
export interface RequestCreateMessage {
  readonly request: UndiciRequest;
}

/** `undici:client:sendHeaders` */
export interface SendHeadersMessage {
  readonly request: UndiciRequest;
  readonly socket?: { readonly remoteAddress?: unknown; readonly remotePort?: unknown; readonly alpnProtocol?: unknown };
}

/** `undici:request:headers` */
export interface ResponseHeadersMessage {
  readonly request: UndiciRequest;
  /** `headers` is the raw `[name, value, ...]` list of Buffers (HTTP/1.1) or, in some versions for HTTP/2, an object. */
  readonly response: { readonly statusCode?: unknown; readonly headers?: unknown };
}

/** `undici:request:trailers` */
export interface TrailersMessage {
  readonly request: UndiciRequest;
}

/** `undici:request:error` */
export interface RequestErrorMessage {
  readonly request: UndiciRequest;
  /** Usually an Error; a ReadableStream cancel reason (any value) when the app or the GC cancelled the body. */
  readonly error: unknown;
}
