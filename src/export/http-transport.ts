// One POST to the collector over node:http / node:https. Not fetch: fetch is
// undici, whose diagnostics channels our own fetch instrumentation listens to.
// Every request is issued with tracing suppressed so it is never traced, and
// every socket is unref'd so a pending export never keeps the process alive.
import * as http from 'node:http';
import * as https from 'node:https';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '../suppress';

/** What came back from one request: a status (0 when none arrived) or an error. */
export interface HttpOutcome {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The first bytes of the response body (the rest is drained and discarded). */
  readonly body: Buffer;
  readonly error?: Error;
  /** True when the request went out on a pooled keep-alive socket. */
  readonly reusedSocket: boolean;
}

/** A keep-alive connection pool to one collector URL. */
export interface HttpTransport {
  /** POSTs `body`; resolves (never rejects) when the response ended, failed, or `deadline` (epoch ms) passed. */
  post(body: Uint8Array, headers: http.OutgoingHttpHeaders, deadline: number): Promise<HttpOutcome>;
  /** Aborts every request in flight and closes pooled sockets. */
  destroy(): void;
}

/** Error code given to a request cut off by the export deadline. */
export const EXPORT_TIMEOUT_CODE = 'SPANWISE_EXPORT_TIMEOUT';

// Enough for a google.rpc.Status or partial-success message; larger bodies
// are still read to the end so the keep-alive socket can be reused.
const MAX_KEPT_BODY_BYTES = 64 * 1024;
const NO_HEADERS: http.IncomingHttpHeaders = Object.freeze({});
const EMPTY = Buffer.alloc(0);

/** Creates the transport for `url` (http: or https:). */
export function createHttpTransport(url: URL): HttpTransport {
  const secure = url.protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const request = secure ? https.request : http.request;
  const inflight = new Set<http.ClientRequest>();

  function post(body: Uint8Array, headers: http.OutgoingHttpHeaders, deadline: number): Promise<HttpOutcome> {
    return new Promise((resolve) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      let req: http.ClientRequest;
      const finish = (outcome: HttpOutcome): void => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        inflight.delete(req);
        resolve(outcome);
      };
      const options: http.RequestOptions = { method: 'POST', agent, headers };
      try {
        req = context.with(suppressTracing(context.active()), () =>
          request(url, options, (res) => readResponse(res, req.reusedSocket, finish)),
        );
      } catch (error) {
        // Invalid header values and the like throw synchronously in node:http.
        finish({ status: 0, headers: NO_HEADERS, body: EMPTY, error: asError(error), reusedSocket: false });
        return;
      }
      inflight.add(req);
      req.on('socket', unrefSocket);
      req.on('error', (error) =>
        finish({ status: 0, headers: NO_HEADERS, body: EMPTY, error, reusedSocket: req.reusedSocket }),
      );
      timer = setTimeout(() => req.destroy(timeoutError()), Math.max(0, deadline - Date.now()));
      timer.unref();
      req.end(body);
    });
  }

  function destroy(): void {
    for (const req of inflight) req.destroy(new Error('OTLP exporter shut down'));
    inflight.clear();
    agent.destroy();
  }

  return { post, destroy };
}

// A pooled socket is ref'd again by the agent each time it is handed to a
// request (node's Agent.reuseSocket), so unref on every 'socket' event.
function unrefSocket(socket: { unref(): unknown }): void {
  socket.unref();
}

function readResponse(res: http.IncomingMessage, reusedSocket: boolean, finish: (outcome: HttpOutcome) => void): void {
  const chunks: Buffer[] = [];
  let kept = 0;
  const done = (): void => {
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    finish({ status: res.statusCode ?? 0, headers: res.headers, body, reusedSocket });
  };
  res.on('data', (chunk: Buffer) => {
    if (kept >= MAX_KEPT_BODY_BYTES) return;
    chunks.push(chunk);
    kept += chunk.length;
  });
  res.on('end', done);
  // The status already tells what happened to the batch; a body cut short
  // (deadline, server reset) only loses the detail.
  res.on('error', done);
  res.on('close', done);
}

function timeoutError(): Error {
  const error = new Error('OTLP export timed out') as Error & { code: string };
  error.code = EXPORT_TIMEOUT_CODE;
  return error;
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
