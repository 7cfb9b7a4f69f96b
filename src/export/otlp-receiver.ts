// A small OTLP/HTTP trace receiver (OTLP spec, "OTLP/HTTP"): POST /v1/traces with
// binary protobuf or JSON, optionally gzip-compressed. Tests, the demo and the
// benchmarks point exporters at it and read back the spans it decoded.
//
// Its handler runs with tracing suppressed, so when the agent is loaded in the
// same process the receiver's own work never produces spans (which would be
// exported to it again, forever).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzip } from 'node:zlib';
import { context } from '@opentelemetry/api';
import { log } from '../log';
import type { FinishedSpan } from '../span-data';
import { suppressTracing } from '../suppress';
import { decodeTraceRequestJson, decodeTraceRequestProtobuf, OtlpDecodeError } from './otlp-decode';

/** Options of startOtlpReceiver; every field is optional. */
export interface OtlpReceiverOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** Called with the spans of each accepted request, in arrival order. */
  onSpans?: (spans: FinishedSpan[]) => void;
}

/** A running receiver. */
export interface OtlpReceiver {
  /** Base URL, e.g. http://127.0.0.1:4318; exporters append /v1/traces. */
  readonly url: string;
  readonly port: number;
  /** Every span received since start (or the last clear()), in arrival order. */
  readonly spans: FinishedSpan[];
  /** Export requests accepted since start; clear() does not reset it. */
  readonly requestCount: number;
  /** Resolves with a copy of `spans` once `predicate(spans)` holds; rejects after `timeoutMs` (default 10 s). */
  waitForSpans(predicate: (spans: FinishedSpan[]) => boolean, timeoutMs?: number): Promise<FinishedSpan[]>;
  /** Forgets the spans received so far. */
  clear(): void;
  /** Stops listening and drops open connections; pending waits reject. */
  close(): Promise<void>;
}

/** The OTLP/HTTP path for traces. */
export const TRACES_PATH = '/v1/traces';
/** Largest request body accepted, before and after decompression; larger gets 413. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
// google.rpc.Code for the Status body of an error reply (OTLP/HTTP "Failures").
function rpcCode(httpStatus: number): number {
  if (httpStatus === 404) return 5; // NOT_FOUND
  if (httpStatus === 405) return 12; // UNIMPLEMENTED
  if (httpStatus === 413) return 8; // RESOURCE_EXHAUSTED
  if (httpStatus >= 500) return 13; // INTERNAL
  return 3; // INVALID_ARGUMENT
}

type Encoding = typeof PROTOBUF | typeof JSON_TYPE;

interface Waiter {
  predicate: (spans: FinishedSpan[]) => boolean;
  resolve: (spans: FinishedSpan[]) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function encodingOf(req: IncomingMessage): Encoding | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return type === PROTOBUF || type === JSON_TYPE ? type : undefined;
}

// google.rpc.Status { code = 1; message = 2 } in the request's encoding.
function statusBody(encoding: Encoding, code: number, message: string): Buffer {
  if (encoding === JSON_TYPE) return Buffer.from(JSON.stringify({ code, message }));
  const text = Buffer.from(message);
  const length: number[] = [];
  for (let n = text.length; ; n >>>= 7) {
    if (n < 0x80) {
      length.push(n);
      break;
    }
    length.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([0x08, code, 0x12, ...length]), text]);
}

function send(res: ServerResponse, status: number, encoding: Encoding, body: Buffer | string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': encoding, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

// Reads the whole body, up to MAX_BODY_BYTES; past that, the rest is drained and 413 follows.
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    let tooLarge = declared > MAX_BODY_BYTES;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      // A client that keeps sending far past the limit is cut off rather than drained forever.
      if (size > 4 * MAX_BODY_BYTES) req.destroy();
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) reject(new HttpError(413, `request body larger than ${MAX_BODY_BYTES} bytes`));
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on('error', reject);
  });
}

function decompress(req: IncomingMessage, body: Buffer): Promise<Buffer> {
  const coding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (coding === 'identity' || coding === '') return Promise.resolve(body);
  if (coding !== 'gzip') return Promise.reject(new HttpError(415, `unsupported content-encoding ${coding}`));
  return new Promise((resolve, reject) => {
    gunzip(body, { maxOutputLength: MAX_BODY_BYTES }, (error, out) => {
      if (!error) resolve(out);
      else if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        reject(new HttpError(413, `decompressed body larger than ${MAX_BODY_BYTES} bytes`));
      } else reject(new HttpError(400, `invalid gzip body: ${error.message}`));
    });
  });
}

function decode(encoding: Encoding, body: Buffer): FinishedSpan[] {
  try {
    return encoding === PROTOBUF ? decodeTraceRequestProtobuf(body) : decodeTraceRequestJson(body.toString('utf8'));
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw new HttpError(400, error.message);
    throw error;
  }
}

// The receiver's state: spans, counters and pending waits.
class ReceiverState {
  readonly spans: FinishedSpan[] = [];
  requestCount = 0;
  private waiters: Waiter[] = [];

  constructor(private readonly onSpans: ((spans: FinishedSpan[]) => void) | undefined) {}

  handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0];
    const encoding = encodingOf(req) ?? JSON_TYPE;
    if (path !== TRACES_PATH) {
      req.resume();
      send(res, 404, encoding, statusBody(encoding, rpcCode(404), `no such path ${path}`));
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('allow', 'POST');
      send(res, 405, encoding, statusBody(encoding, rpcCode(405), `method ${req.method} not allowed`));
      return;
    }
    this.accept(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) log.warn('OTLP receiver failed on a request', error);
      const message = error instanceof Error ? error.message : String(error);
      send(res, status, encoding, statusBody(encoding, rpcCode(status), message));
    });
  }

  private async accept(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const encoding = encodingOf(req);
    if (encoding === undefined) {
      req.resume();
      throw new HttpError(415, `unsupported content-type ${req.headers['content-type'] ?? '(none)'}`);
    }
    const body = await decompress(req, await readBody(req));
    const spans = decode(encoding, body);
    this.requestCount++;
    for (let i = 0; i < spans.length; i++) this.spans.push(spans[i]);
    // An empty ExportTraceServiceResponse: zero bytes in protobuf, {} in JSON.
    send(res, 200, encoding, encoding === PROTOBUF ? Buffer.alloc(0) : '{}');
    this.notify(spans);
  }

  private notify(spans: FinishedSpan[]): void {
    if (this.onSpans !== undefined) {
      try {
        this.onSpans(spans);
      } catch (error) {
        log.warn('OTLP receiver onSpans callback threw', error);
      }
    }
    for (const waiter of this.waiters.slice()) this.check(waiter);
  }

  private check(waiter: Waiter): void {
    let done: boolean;
    try {
      done = waiter.predicate(this.spans);
    } catch (error) {
      this.settle(waiter);
      waiter.reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (done) {
      this.settle(waiter);
      waiter.resolve(this.spans.slice());
    }
  }

  private settle(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    this.waiters = this.waiters.filter((w) => w !== waiter);
  }

  waitForSpans(predicate: (spans: FinishedSpan[]) => boolean, timeoutMs = 10_000): Promise<FinishedSpan[]> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { predicate, resolve, reject, timer: undefined as unknown as NodeJS.Timeout };
      waiter.timer = setTimeout(() => {
        this.settle(waiter);
        reject(new Error(`waitForSpans timed out after ${timeoutMs} ms with ${this.spans.length} spans received`));
      }, timeoutMs);
      this.waiters.push(waiter);
      this.check(waiter);
    });
  }

  publicApi(server: Server, host: string): OtlpReceiver {
    const port = (server.address() as AddressInfo).port;
    const state = this;
    return {
      url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
      port,
      spans: this.spans,
      get requestCount() {
        return state.requestCount;
      },
      waitForSpans: (predicate, timeoutMs) => this.waitForSpans(predicate, timeoutMs),
      clear: () => {
        this.spans.length = 0;
      },
      close: () => this.close(server),
    };
  }

  private close(server: Server): Promise<void> {
    for (const waiter of this.waiters.slice()) {
      this.settle(waiter);
      waiter.reject(new Error('OTLP receiver closed'));
    }
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

/** Starts an OTLP/HTTP trace receiver on 127.0.0.1 (by default on a free port). */
export function startOtlpReceiver(opts: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const state = new ReceiverState(opts.onSpans);
  const server = createServer((req, res) => {
    context.with(suppressTracing(context.active()), () => state.handle(req, res));
  });
  // Marks the server for the agent's http instrumentation, which skips servers carrying it.
  (server as unknown as Record<symbol, boolean>)[Symbol.for('spanwise.untraced')] = true;
  const host = opts.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve(state.publicApi(server, host));
    });
  });
}
