// The `console` exporter (OTEL_TRACES_EXPORTER=console): prints each finished
// trace as a waterfall. The batch processor hands spans over in batches that
// cut across traces, so spans are held per trace until the trace looks
// complete: its local root has arrived and nothing new came for a quiet
// period, or it has waited `maxWaitMs`.
import type { ExportResult, FinishedSpan, SpanExporter } from '../span-data';
import { log } from '../log';
import { renderWaterfall } from './waterfall';

/** Where to print and how long to hold an incomplete trace. */
export interface ConsoleExporterOptions {
  /** Receives the rendered text; default: process.stdout. */
  readonly write?: (text: string) => void;
  /** Longest a trace is held after its first span arrived (default 10 s). */
  readonly maxWaitMs?: number;
  /** Silence after the local root arrived before a trace is printed (default 500 ms). */
  readonly quietMs?: number;
  /** Bound on spans held across all traces (default 10,000); more are dropped and counted. */
  readonly maxBufferedSpans?: number;
  /** ANSI colours; default: on when writing to a terminal. */
  readonly color?: boolean;
  /** Timing bar width in columns (default 30). */
  readonly width?: number;
}

interface PendingTrace {
  readonly spans: FinishedSpan[];
  readonly firstArrival: number;
  lastArrival: number;
  rootArrived: boolean;
}

const OK: ExportResult = Object.freeze({ ok: true });

/** Creates the console exporter. */
export function createConsoleExporter(options: ConsoleExporterOptions = {}): SpanExporter {
  return new ConsoleExporter(options);
}

// A class: the buffer, its timer and the drop counter are state shared by
// export() and shutdown().
class ConsoleExporter implements SpanExporter {
  private readonly traces = new Map<string, PendingTrace>();
  private readonly write: (text: string) => void;
  private readonly maxWaitMs: number;
  private readonly quietMs: number;
  private readonly maxBuffered: number;
  private readonly color: boolean;
  private readonly width: number | undefined;
  private buffered = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: ConsoleExporterOptions) {
    this.write = typeof options.write === 'function' ? options.write : writeStdout;
    this.maxWaitMs = nonNegativeOr(options.maxWaitMs, 10_000);
    this.quietMs = nonNegativeOr(options.quietMs, 500);
    this.maxBuffered = nonNegativeOr(options.maxBufferedSpans, 10_000);
    this.color = options.color ?? (options.write === undefined && process.stdout.isTTY === true);
    this.width = options.width;
  }

  export(spans: readonly FinishedSpan[]): Promise<ExportResult> {
    if (!Array.isArray(spans) || spans.length === 0) return Promise.resolve(OK);
    // After shutdown there is no later moment to print at: print straight away.
    if (this.closed) {
      this.print(spans);
      return Promise.resolve(OK);
    }
    const now = Date.now();
    for (const span of spans) this.hold(span, now);
    this.printDue(now);
    this.schedule();
    return Promise.resolve(OK);
  }

  /** Prints every buffered trace, complete or not, and stops buffering. */
  shutdown(): Promise<void> {
    this.closed = true;
    return this.forceFlush();
  }

  /** Spans held back until their trace completes. */
  pendingSpans(): number {
    return this.buffered;
  }

  /** Prints every buffered trace now (the process is about to exit). */
  forceFlush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const all: FinishedSpan[] = [];
    for (const trace of this.traces.values()) for (const span of trace.spans) all.push(span);
    this.traces.clear();
    this.buffered = 0;
    this.print(all);
    if (this.dropped > 0) log.debug(`console exporter dropped ${this.dropped} spans in total (buffer full)`);
    return Promise.resolve();
  }

  private hold(span: FinishedSpan, now: number): void {
    const traceId = span?.spanContext?.traceId;
    if (typeof traceId !== 'string') return;
    if (this.buffered >= this.maxBuffered) {
      if (this.dropped++ === 0) {
        log.warn(`console exporter: more than ${this.maxBuffered} spans waiting for their traces to end; dropping further spans`);
      }
      return;
    }
    let trace = this.traces.get(traceId);
    if (trace === undefined) {
      trace = { spans: [], firstArrival: now, lastArrival: now, rootArrived: false };
      this.traces.set(traceId, trace);
    }
    trace.spans.push(span);
    trace.lastArrival = now;
    this.buffered++;
    // The local root: no parent, or a parent in another process. Spans only
    // reach an exporter once ended, so its arrival means it has ended.
    if (span.parentSpanId === undefined || span.parentIsRemote) trace.rootArrived = true;
  }

  private dueAt(trace: PendingTrace): number {
    const quiet = trace.rootArrived ? trace.lastArrival + this.quietMs : Infinity;
    return Math.min(quiet, trace.firstArrival + this.maxWaitMs);
  }

  private printDue(now: number): void {
    const due: FinishedSpan[] = [];
    for (const [traceId, trace] of this.traces) {
      if (this.dueAt(trace) > now) continue;
      this.traces.delete(traceId);
      this.buffered -= trace.spans.length;
      for (const span of trace.spans) due.push(span);
    }
    this.print(due);
  }

  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    let next = Infinity;
    for (const trace of this.traces.values()) next = Math.min(next, this.dueAt(trace));
    if (next === Infinity) return;
    // Unref'd: a trace still waiting to be printed never keeps the process alive;
    // shutdown() prints it.
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, next - Date.now()));
    this.timer.unref();
  }

  private onTimer(): void {
    this.timer = undefined;
    this.printDue(Date.now());
    this.schedule();
  }

  private print(spans: readonly FinishedSpan[]): void {
    if (spans.length === 0) return;
    try {
      const text = renderWaterfall(spans, { width: this.width, color: this.color });
      if (text !== '') this.write(text + '\n');
    } catch (error) {
      log.warn('console exporter could not print a trace', error);
    }
  }
}

function writeStdout(text: string): void {
  process.stdout.write(text);
}

function nonNegativeOr(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && value >= 0 && Number.isFinite(value) ? value : fallback;
}
