// One POST to the collector, written as HTTP/1.1 on a plain net or tls socket
// (RFC 9112) rather than through node:http or fetch:
// - fetch is undici, whose diagnostics channels our own fetch instrumentation
//   listens to, and node:http is what the http instrumentation patches; a raw
//   socket is invisible to both, so the exporter's requests are never traced.
// - node:http's client shares its classes (IncomingMessage, OutgoingMessage,
//   the stream machinery) with the app's HTTP server. Using them for a few
//   exports a second made V8's feedback on those hot server paths polymorphic,
//   a cost paid on every request of the app (measured with callgrind on the
//   hello route of bench/fixtures/http-server.js: about 4,000 instructions per
//   request, a fifth of the agent's whole cost there).
// Connections are kept alive and reused; every socket is unref'd so a pending
// export never keeps the process alive.
import * as net from 'node:net';
import type * as Tls from 'node:tls';
import { ResponseParser, type ResponseHeaders } from './http-response-parser';

/** What came back from one request: a status (0 when none arrived) or an error. */
export interface HttpOutcome {
  readonly status: number;
  readonly headers: ResponseHeaders;
  /** The first bytes of the response body (the rest is read and discarded). */
  readonly body: Buffer;
  readonly error?: Error;
  /** True when the request went out on a kept-alive socket that had served a request before. */
  readonly reusedSocket: boolean;
}

/** A keep-alive connection pool to one collector URL. */
export interface HttpTransport {
  /** POSTs `body` with `headers` (lower-case names); resolves (never rejects) when the response ended, failed, or `deadline` (epoch ms) passed. */
  post(body: Uint8Array, headers: Readonly<Record<string, string | number>>, deadline: number): Promise<HttpOutcome>;
  /** Aborts every request in flight and closes pooled sockets. */
  destroy(): void;
}

/** Error code given to a request cut off by the export deadline. */
export const EXPORT_TIMEOUT_CODE = 'SPANWISE_EXPORT_TIMEOUT';

const NO_HEADERS: ResponseHeaders = Object.freeze({});
const EMPTY = Buffer.alloc(0);
// Idle connections beyond this many are closed rather than pooled.
const MAX_IDLE = 4;
// A pooled connection unused this long is closed (collectors close idle ones too).
const IDLE_TIMEOUT_MS = 30_000;
// RFC 9110 field-value: no CR, LF or NUL may reach the wire (header injection).
const BAD_HEADER_TEXT = /[\r\n\0]/;

/** A socket and the request it is serving, if any. */
interface Connection {
  readonly socket: net.Socket;
  /** Requests this socket has carried. */
  served: number;
  current: Exchange | undefined;
}

/** One request in flight on a connection. */
interface Exchange {
  readonly parser: ResponseParser;
  readonly reused: boolean;
  readonly finish: (outcome: HttpOutcome) => void;
}

/** Creates the transport for `url` (http: or https:). */
export function createHttpTransport(url: URL): HttpTransport {
  const secure = url.protocol === 'https:';
  // WHATWG URL keeps IPv6 brackets in hostname; sockets want them off.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = Number(url.port) || (secure ? 443 : 80);
  const requestLine = `POST ${url.pathname}${url.search} HTTP/1.1\r\n`;
  const defaultHost = url.host;
  const idle: Connection[] = [];
  const open = new Set<Connection>();

  function connect(): Connection {
    const socket = secure
      ? tlsModule().connect({ host, port, servername: net.isIP(host) === 0 ? host : undefined, ALPNProtocols: ['http/1.1'] })
      : net.connect({ host, port });
    socket.unref();
    socket.setNoDelay(true);
    const conn: Connection = { socket, served: 0, current: undefined };
    open.add(conn);
    socket.on('data', (chunk: Buffer) => onData(conn, chunk));
    socket.on('error', (error: Error) => fail(conn, error));
    socket.on('close', () => fail(conn, hangUp()));
    socket.on('timeout', () => socket.destroy());
    return conn;
  }

  function onData(conn: Connection, chunk: Buffer): void {
    const exchange = conn.current;
    if (exchange === undefined) {
      // Bytes nobody asked for: the connection is out of step; drop it.
      conn.socket.destroy();
      return;
    }
    const parser = exchange.parser;
    parser.feed(chunk);
    if (parser.error !== undefined) {
      fail(conn, parser.error);
      return;
    }
    if (!parser.complete) return;
    conn.current = undefined;
    if (parser.keepAlive && idle.length < MAX_IDLE) {
      conn.socket.setTimeout(IDLE_TIMEOUT_MS);
      idle.push(conn);
    } else {
      release(conn);
    }
    exchange.finish(answer(exchange));
  }

  // The socket errored or closed: the request on it (if any) fails, and the socket is gone.
  function fail(conn: Connection, error: Error): void {
    const exchange = conn.current;
    conn.current = undefined;
    release(conn);
    if (exchange === undefined) return;
    // A response read until the connection closed is complete at the close.
    if (exchange.parser.endOfInput()) exchange.finish(answer(exchange));
    else exchange.finish({ status: 0, headers: NO_HEADERS, body: EMPTY, error, reusedSocket: exchange.reused });
  }

  function release(conn: Connection): void {
    open.delete(conn);
    const at = idle.indexOf(conn);
    if (at >= 0) idle.splice(at, 1);
    if (!conn.socket.destroyed) conn.socket.destroy();
  }

  function post(body: Uint8Array, headers: Readonly<Record<string, string | number>>, deadline: number): Promise<HttpOutcome> {
    return new Promise((resolve) => {
      let head: string;
      try {
        head = requestHead(requestLine, defaultHost, headers);
      } catch (error) {
        resolve({ status: 0, headers: NO_HEADERS, body: EMPTY, error: error as Error, reusedSocket: false });
        return;
      }
      let conn = idle.pop();
      while (conn !== undefined && conn.socket.destroyed) conn = idle.pop();
      conn ??= connect();
      const used = conn;
      const timer = setTimeout(() => used.socket.destroy(timeoutError()), Math.max(0, deadline - Date.now()));
      timer.unref();
      // finish runs at most once: onData and fail take the exchange off the connection before calling it.
      used.current = {
        parser: new ResponseParser(),
        reused: used.served > 0,
        finish: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
      };
      used.served++;
      used.socket.setTimeout(0);
      used.socket.cork();
      used.socket.write(head, 'latin1');
      used.socket.write(body);
      used.socket.uncork();
    });
  }

  function destroy(): void {
    const shutDown = new Error('OTLP exporter shut down');
    for (const conn of [...open]) fail(conn, shutDown);
  }

  return { post, destroy };
}

let tls: typeof Tls | undefined;

// node:tls is loaded for https collectors only: about 10 ms the first time (Node 24),
// which a plain http collector, the usual case, never needs.
function tlsModule(): typeof Tls {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  tls ??= require('node:tls') as typeof Tls;
  return tls;
}

/** The outcome of an exchange whose response was read whole. */
function answer(exchange: Exchange): HttpOutcome {
  const parser = exchange.parser;
  return { status: parser.status, headers: parser.headers, body: parser.body(), reusedSocket: exchange.reused };
}

/**
 * The request line, header fields and blank line; throws on a header that would
 * break the message. A `host` header replaces the URL's; the body is always
 * framed by the Content-Length the exporter sets, so a transfer-encoding is left out.
 */
function requestHead(requestLine: string, defaultHost: string, headers: Readonly<Record<string, string | number>>): string {
  let head = requestLine;
  if (!('host' in headers)) head += `host: ${defaultHost}\r\n`;
  for (const name in headers) {
    if (name === 'transfer-encoding') continue;
    const value = String(headers[name]);
    if (BAD_HEADER_TEXT.test(name) || BAD_HEADER_TEXT.test(value)) throw new Error(`invalid request header ${JSON.stringify(name)}`);
    head += `${name}: ${value}\r\n`;
  }
  return `${head}\r\n`;
}

function hangUp(): Error {
  // The message and code node:http gives the same failure; retry-policy.ts knows both.
  const error = new Error('socket hang up') as Error & { code: string };
  error.code = 'ECONNRESET';
  return error;
}

function timeoutError(): Error {
  const error = new Error('OTLP export timed out') as Error & { code: string };
  error.code = EXPORT_TIMEOUT_CODE;
  return error;
}
