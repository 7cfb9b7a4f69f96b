// Sends batches of finished spans to an OTLP/HTTP collector (OTLP spec,
// "OTLP/HTTP"): protobuf or JSON bodies, optional gzip, retries on throttling
// and connection failures within the export timeout, everything else dropped
// and counted. It never throws and never keeps the process alive.
import * as http from 'node:http';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { ExportResult, FinishedSpan, SpanExporter } from '../span-data';
import { log } from '../log';
import type { EncodedBatch } from './encoded-span-queue';
import { encodeTraceRequestProtobuf } from './otlp-protobuf';
import { encodeTraceRequestJson } from './otlp-json';
import { createHttpTransport, type HttpOutcome, type HttpTransport } from './http-transport';
import { backoffDelayMs, isRetryableNetworkError, isRetryableStatus, parseRetryAfter } from './retry-policy';
import { readErrorMessage, readPartialSuccess } from './otlp-response-body';

/** How to reach the collector; `url` is the full traces URL (config applies the path rules). */
export interface OtlpHttpOptions {
  readonly url: string;
  readonly protocol: 'http/protobuf' | 'http/json';
  readonly headers: Readonly<Record<string, string>>;
  /** Bound on one export() call, retries and backoff included. */
  readonly timeoutMs: number;
  readonly compression: 'gzip' | 'none';
  /** Delay before the first retry, before jitter (default 1000 ms); tests shorten it. */
  readonly retryBaseMs?: number;
}

/** Running totals since the exporter was created. */
export interface OtlpExportStats {
  exportedSpans: number;
  failedSpans: number;
  failedBatches: number;
  retries: number;
}

/** The OTLP/HTTP exporter, with its counters. */
export interface OtlpHttpExporter extends SpanExporter {
  readonly stats: Readonly<OtlpExportStats>;
  /** Sends a request already encoded as OTLP protobuf (only for the http/protobuf protocol). */
  exportEncoded(batch: EncodedBatch): Promise<ExportResult>;
}

const gzipAsync = promisify(gzip);

/** What one export sends: span objects to encode, or an OTLP protobuf request encoded already. */
type Payload = readonly FinishedSpan[] | Uint8Array;
const OK: ExportResult = Object.freeze({ ok: true });
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RETRY_BASE_MS = 1_000;
const USER_AGENT = `spanwise/${packageVersion()}`;

/** Creates an exporter that POSTs each batch to `options.url`. */
export function createOtlpHttpExporter(options: OtlpHttpOptions): OtlpHttpExporter {
  return new HttpExporter(options);
}

// A class rather than a closure: it holds state (counters, requests in
// flight, the connection pool) whose identity matters for shutdown.
class HttpExporter implements OtlpHttpExporter {
  readonly stats: OtlpExportStats = { exportedSpans: 0, failedSpans: 0, failedBatches: 0, retries: 0 };
  private readonly url: string;
  /** The URL without credentials or query, for log messages. */
  private readonly shownUrl: string;
  private readonly timeoutMs: number;
  private readonly retryBaseMs: number;
  private readonly json: boolean;
  private readonly compress: boolean;
  private readonly transport: HttpTransport | undefined;
  private readonly baseHeaders: Record<string, string>;
  private readonly inflight = new Set<Promise<ExportResult>>();
  private readonly sleepers = new Set<() => void>();
  private closed = false;
  private stopRetrying = false;
  private shutdownDone: Promise<void> | undefined;

  constructor(options: OtlpHttpOptions) {
    this.url = String(options.url);
    this.timeoutMs = positiveOr(options.timeoutMs, DEFAULT_TIMEOUT_MS);
    const base = options.retryBaseMs;
    this.retryBaseMs = typeof base === 'number' && base >= 0 ? base : DEFAULT_RETRY_BASE_MS;
    this.json = options.protocol === 'http/json';
    this.compress = options.compression === 'gzip';
    const url = parseCollectorUrl(this.url);
    this.shownUrl = url === undefined ? this.url : `${url.protocol}//${url.host}${url.pathname}`;
    this.transport = url === undefined ? undefined : createHttpTransport(url);
    this.baseHeaders = buildHeaders(options.headers, this.json, this.compress);
  }

  export(spans: readonly FinishedSpan[]): Promise<ExportResult> {
    if (!Array.isArray(spans) || spans.length === 0) return Promise.resolve(OK);
    return this.start(spans, spans.length);
  }

  /** Sends a request already encoded as OTLP protobuf (encoded-span-queue.ts); gzip still applies. */
  exportEncoded(batch: EncodedBatch): Promise<ExportResult> {
    if (batch.count === 0) return Promise.resolve(OK);
    return this.start(batch.body, batch.count);
  }

  private start(payload: Payload, count: number): Promise<ExportResult> {
    if (this.closed) return Promise.resolve(this.failed(count, 'shut down', 'export() called after shutdown()'));
    if (this.transport === undefined) {
      return Promise.resolve(this.failed(count, 'bad URL', `invalid collector URL ${JSON.stringify(this.url)}`));
    }
    const pending = this.send(payload, count, this.transport).catch((error: unknown) =>
      this.failed(count, 'internal error', String(error)),
    );
    this.inflight.add(pending);
    const forget = (): void => void this.inflight.delete(pending);
    pending.then(forget, forget);
    return pending;
  }

  /** Waits (at most the export timeout) for exports in flight, then closes the connection pool. */
  shutdown(): Promise<void> {
    this.closed = true;
    this.shutdownDone ??= this.finishShutdown().catch((error: unknown) =>
      log.debug('OTLP exporter shutdown failed', error),
    );
    return this.shutdownDone;
  }

  private async finishShutdown(): Promise<void> {
    if (this.inflight.size > 0) await settleWithin([...this.inflight], this.timeoutMs);
    this.stopRetrying = true;
    for (const wake of [...this.sleepers]) wake();
    this.transport?.destroy();
  }

  private async send(payload: Payload, count: number, transport: HttpTransport): Promise<ExportResult> {
    const deadline = Date.now() + this.timeoutMs;
    let body: Uint8Array;
    try {
      body = await this.encode(payload);
    } catch (error) {
      return this.failed(count, 'encoding', `could not encode spans: ${String(error)}`);
    }
    const headers: Record<string, string | number> = { ...this.baseHeaders, 'content-length': body.length };
    for (let attempt = 0; ; attempt++) {
      const outcome = await transport.post(body, headers, deadline);
      if (outcome.status >= 200 && outcome.status < 300) return this.succeeded(count, outcome);
      const reason = outcome.status !== 0 ? `HTTP ${outcome.status}` : errorCode(outcome.error);
      const detail = describe(outcome);
      const delay = this.retryDelayMs(outcome, attempt);
      if (delay === undefined) return this.failed(count, reason, detail);
      if (this.stopRetrying || Date.now() + delay >= deadline) {
        return this.failed(count, reason, `${detail}; no time left to retry within the ${this.timeoutMs} ms export timeout`);
      }
      this.stats.retries += 1;
      await this.sleep(delay);
      if (this.stopRetrying) return this.failed(count, reason, `${detail}; exporter shut down before the retry`);
    }
  }

  private async encode(payload: Payload): Promise<Uint8Array> {
    const raw = payload instanceof Uint8Array ? payload
      : this.json ? Buffer.from(encodeTraceRequestJson(payload), 'utf8') : encodeTraceRequestProtobuf(payload);
    return this.compress ? gzipAsync(raw) : raw;
  }

  private succeeded(count: number, outcome: HttpOutcome): ExportResult {
    this.stats.exportedSpans += count;
    const partial = readPartialSuccess(outcome.body, outcome.headers['content-type']);
    if (partial !== undefined) {
      // OTLP spec, "Partial Success": the rejected part MUST NOT be retried; only report it.
      const report = partial.rejectedSpans > 0 ? log.warn : log.debug;
      report('OTLP collector accepted a batch only in part',
        `${partial.rejectedSpans} of ${count} spans rejected: ${partial.errorMessage}`);
    }
    return OK;
  }

  private failed(count: number, reason: string, detail: string): ExportResult {
    this.stats.failedSpans += count;
    this.stats.failedBatches += 1;
    // The message names only the kind of failure so that log.ts's once-a-minute
    // limit applies per kind; the counts go in the detail.
    log.warn(`OTLP export to ${this.shownUrl} failed (${reason}); batch dropped`,
      `${detail}; ${count} spans in this batch, ${this.stats.failedSpans} dropped since start`);
    return { ok: false, error: new Error(`OTLP export failed: ${detail}`) };
  }

  private retryDelayMs(outcome: HttpOutcome, attempt: number): number | undefined {
    if (outcome.status === 0) {
      if (!isRetryableNetworkError(outcome.error)) return undefined;
      // A pooled socket the server had already closed: nothing is wrong with
      // the collector, so the first such failure is retried at once (the
      // pattern node's http docs give for request.reusedSocket).
      return attempt === 0 && outcome.reusedSocket ? 0 : backoffDelayMs(attempt, this.retryBaseMs);
    }
    if (!isRetryableStatus(outcome.status)) return undefined;
    // OTLP spec, "OTLP/HTTP Throttling": honour Retry-After when the server sends one.
    const asked = parseRetryAfter(outcome.headers['retry-after'], Date.now());
    return asked ?? backoffDelayMs(attempt, this.retryBaseMs);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.sleepers.add(wake);
    });
  }
}

function buildHeaders(user: Readonly<Record<string, string>> | undefined, json: boolean, gzip: boolean): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT };
  for (const name of Object.keys(user ?? {})) {
    const value = user![name];
    try {
      http.validateHeaderName(name);
      http.validateHeaderValue(name, value);
    } catch {
      // The value is not printed: headers usually carry credentials.
      log.warn(`ignoring OTLP header ${JSON.stringify(name)}: invalid header name or value`);
      continue;
    }
    headers[name.toLowerCase()] = value;
  }
  headers['content-type'] = json ? 'application/json' : 'application/x-protobuf';
  if (gzip) headers['content-encoding'] = 'gzip';
  else delete headers['content-encoding'];
  return headers;
}

function parseCollectorUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // fall through to the warning
  }
  log.warn(`invalid OTLP traces URL ${JSON.stringify(text)}; spans will be dropped`);
  return undefined;
}

function describe(outcome: HttpOutcome): string {
  if (outcome.status === 0) return outcome.error !== undefined ? outcome.error.message : 'no response';
  const message = readErrorMessage(outcome.body, outcome.headers['content-type']);
  return message === '' ? `HTTP ${outcome.status}` : `HTTP ${outcome.status}: ${message}`;
}

function errorCode(error: Error | undefined): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'request error';
}

function positiveOr(value: number, fallback: number): number {
  return typeof value === 'number' && value > 0 && Number.isFinite(value) ? value : fallback;
}

/** Resolves when all `promises` settle or after `ms`, whichever comes first. */
function settleWithin(promises: Promise<unknown>[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    Promise.allSettled(promises).then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

// The repo's package.json, seen from dist/src/export/. Guarded: a bundler or
// an unusual install layout may not ship it, and the version is only cosmetic.
function packageVersion(): string {
  try {
    const pkg = require('../../../package.json') as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
