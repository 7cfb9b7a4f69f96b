// The batch span processor (SDK spec "Batching processor"): a bounded queue that
// drops the newest span when full, counts every drop, and exports in batches
// from an unref'd timer so it never keeps the process alive.
import { log } from '../log';
import type { ExportResult, FinishedSpan, SpanExporter, SpanProcessor } from '../span-data';

/** OTEL_BSP_* settings. */
export interface BatchOptions {
  readonly scheduleDelayMs: number;
  readonly exportTimeoutMs: number;
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
}

/** Counters of what happened to spans; reported when spans are lost. */
export interface BatchStats {
  queued: number;
  exported: number;
  droppedQueueFull: number;
  failed: number;
}

/**
 * What a BatchQueue throws when spans it had taken could not be made ready for
 * export (an encoder error): `lost` of them, all counted as failed.
 */
export class SpansLostError extends Error {
  constructor(readonly lost: number, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** A batch taken off a queue, ready to be sent once. */
export interface QueuedBatch {
  readonly count: number;
  send(): Promise<ExportResult>;
}

/** Where a BatchSpanProcessor keeps spans until export: span objects, or their encoding (encoded-span-queue.ts). */
export interface BatchQueue {
  /** Spans waiting. */
  readonly length: number;
  /** Takes an ended span; may throw SpansLostError (or any error, counted as one span lost). */
  push(span: FinishedSpan): void;
  /** Removes the oldest spans, at most one export batch (OTEL_BSP_MAX_EXPORT_BATCH_SIZE), as one batch; undefined when empty. */
  take(): QueuedBatch | undefined;
}

/** The plain queue: span objects, exported through SpanExporter.export. */
class SpanObjectQueue implements BatchQueue {
  private spans: FinishedSpan[] = [];

  constructor(private readonly exporter: SpanExporter, private readonly batchSize: number) {}

  get length(): number {
    return this.spans.length;
  }

  push(span: FinishedSpan): void {
    this.spans.push(span);
  }

  take(): QueuedBatch | undefined {
    const batch = this.spans.splice(0, this.batchSize);
    if (batch.length === 0) return undefined;
    return { count: batch.length, send: () => this.exporter.export(batch) };
  }
}

/** A SpanProcessor that batches finished spans into an exporter. */
export class BatchSpanProcessor implements SpanProcessor {
  private readonly queue: BatchQueue;
  private timer: NodeJS.Timeout | undefined;
  /** True while `timer` is an immediate (0 ms) flush: further spans need no new timer. */
  private immediate = false;
  private lastDropReport = 0;
  private exporting: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private stopped = false;
  readonly stats: BatchStats = { queued: 0, exported: 0, droppedQueueFull: 0, failed: 0 };

  /** `queue` (cut into batches of options.maxExportBatchSize) defaults to span objects handed to `exporter.export`. */
  constructor(private readonly exporter: SpanExporter, private readonly options: BatchOptions, queue?: BatchQueue) {
    this.queue = queue ?? new SpanObjectQueue(exporter, options.maxExportBatchSize);
  }

  pendingSpans(): number {
    return this.queue.length + this.inFlight + (this.exporter.pendingSpans?.() ?? 0);
  }

  onEnd(span: FinishedSpan): void {
    if (this.stopped) return;
    if (this.queue.length >= this.options.maxQueueSize) {
      this.stats.droppedQueueFull++;
      this.reportDrops();
      return;
    }
    try {
      this.queue.push(span);
    } catch (err) {
      // Encoding spans as they end runs on the app's call stack: an error of ours stops here.
      // A SpansLostError says how many spans were lost and this one was taken; any other error loses this one.
      const taken = err instanceof SpansLostError;
      this.countFailure(taken ? err.lost : 1, err);
      if (!taken) return;
    }
    this.stats.queued++;
    if (this.queue.length >= this.options.maxExportBatchSize) this.flushSoon(0);
    else this.flushSoon(this.options.scheduleDelayMs);
  }

  /** One warning a minute at most, with the running count (log.ts only folds identical texts). */
  private reportDrops(): void {
    const now = Date.now();
    if (now - this.lastDropReport < 60_000) return;
    this.lastDropReport = now;
    log.warn(`span queue full (OTEL_BSP_MAX_QUEUE_SIZE=${this.options.maxQueueSize}): ` +
      `${this.stats.droppedQueueFull} spans dropped so far`);
  }

  private flushSoon(delay: number): void {
    if (this.timer !== undefined) {
      if (delay > 0 || this.immediate) return;
      clearTimeout(this.timer);
    }
    this.immediate = delay === 0;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.immediate = false;
      void this.drain(false);
    }, delay);
    this.timer.unref();
  }

  /** Exports queued spans one batch at a time; with `all`, until the queue is empty. */
  private drain(all: boolean): Promise<void> {
    const run = async (): Promise<void> => {
      do {
        const before = this.queue.length;
        let batch: QueuedBatch | undefined;
        try {
          batch = this.queue.take();
        } catch (err) {
          // A queue that failed to build its batch (an encoder bug) lost those spans: count them, never throw.
          const lost = before - this.queue.length;
          this.countFailure(Math.max(0, lost), err);
          if (lost > 0) continue;
          return;
        }
        if (batch === undefined) return;
        await this.exportBatch(batch);
      } while (all || this.queue.length >= this.options.maxExportBatchSize);
      if (this.queue.length > 0 && !this.stopped) this.flushSoon(this.options.scheduleDelayMs);
    };
    // Exports never overlap (spec: Export "will never be called concurrently").
    this.exporting = this.exporting.then(run, run);
    return this.exporting;
  }

  private async exportBatch(batch: QueuedBatch): Promise<void> {
    const count = batch.count;
    this.inFlight += count;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<{ ok: false; error: Error }>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, error: new Error('export timed out') }),
          this.options.exportTimeoutMs);
        timer.unref();
      });
      const result = await Promise.race([batch.send(), timeout]);
      if (result.ok) this.stats.exported += count;
      // The exporter has reported its own failure (with the reason); only count it.
      else this.stats.failed += count;
    } catch (err) {
      this.countFailure(count, err);
    } finally {
      clearTimeout(timer);
      this.inFlight -= count;
    }
  }

  private countFailure(n: number, err: unknown): void {
    this.stats.failed += n;
    // A stable text, so log.ts folds repeats; the counts are in the shutdown report.
    log.warn('span export failed; the batch is dropped and counted', err instanceof Error ? err.message : err);
  }

  async forceFlush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.immediate = false;
    }
    await this.drain(true);
    await this.exporter.forceFlush?.();
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    await this.forceFlush();
    this.stopped = true;
    await this.exporter.shutdown();
    const lost = this.stats.droppedQueueFull + this.stats.failed;
    if (lost > 0) {
      log.warn(`spanwise shut down: ${this.stats.exported} spans exported, ${this.stats.droppedQueueFull} dropped ` +
        `because the queue was full, ${this.stats.failed} lost to export failures`);
    }
  }
}
