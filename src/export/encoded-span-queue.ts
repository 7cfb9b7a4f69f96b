// The batch queue of the OTLP/HTTP protobuf exporter: spans are encoded to
// protobuf soon after they end, eight at a time, into per-scope byte runs, and
// the span objects are let go at once.
//
// Why: a queue of span objects keeps every span (attributes, ids, contexts)
// alive until its batch is sent, so each young-generation GC copies hundreds of
// them and promotes many to the old generation. Under load that was a large part
// of the agent's cost (GC on the main thread and on V8's helper threads, node:http
// and express benchmarks, Node 24). Encoded bytes live off the JS heap and cost
// the collector nothing; the encoding work is the same, only done earlier.
//
// Why eight together rather than each at its end: encoding one span between two
// requests' worth of other code runs the encoder from a cold instruction cache;
// eight in a row keep it warm. On the express hello route this cut the agent's
// L1 instruction-cache misses by about 17% per request with the same instruction
// count (callgrind's cache and branch simulation, Node 24). Batches of 16 or 32
// kept enough span objects alive across young-generation collections to cost
// more GC work than they saved.
//
// Spans are grouped into segments of at most maxExportBatchSize spans, one
// export each, and inside a segment into runs by resource and scope, which
// become the request's ResourceSpans and ScopeSpans.
import type { FinishedSpan, InstrumentationScope, ResourceData } from '../span-data';
import { SpansLostError, type BatchQueue, type QueuedBatch } from './batch-processor';
import { sameScope } from './otlp-group';
import { writeSpan, writeTraceRequestFromRuns, type EncodedScopeRun } from './otlp-protobuf';
import { useBuffer } from './protobuf-writer';

/** An encoded export request and the number of spans in it. */
export interface EncodedBatch {
  readonly body: Buffer;
  readonly count: number;
}

/** Sends one encoded batch (OtlpHttpExporter.exportEncoded). */
export type EncodedBatchSender = (batch: EncodedBatch) => ReturnType<QueuedBatch['send']>;

interface Run {
  readonly resource: ResourceData;
  readonly scope: InstrumentationScope;
  bytes: Buffer;
  length: number;
}

interface Segment {
  readonly runs: Run[];
  count: number;
  /** The run the last span went to: consecutive spans nearly always share it. */
  last: Run | undefined;
}

/** Spans encoded together (see above). */
const ENCODE_TOGETHER = 8;
const RUN_INITIAL_BYTES = 16 * 1024;
const BODY_INITIAL_BYTES = 64 * 1024;
// Run buffers of taken segments, and request bodies once their export has
// settled, are kept for reuse, up to this many each. A fresh buffer of a batch's
// size (~180 KB for 512 HTTP server spans) costs page faults on every use: an
// allocate-and-copy took 40 times as long as a copy into a kept buffer (Node 24).
const SPARE_BUFFERS = 8;
// A buffer grown past this by a batch of huge spans is let go rather than kept.
const MAX_KEPT_BYTES = 1024 * 1024;

/** A BatchQueue holding spans as OTLP protobuf bytes. */
export class EncodedSpanQueue implements BatchQueue {
  private readonly segments: Segment[] = [];
  private readonly spare: Buffer[] = [];
  private readonly spareBodies: Buffer[] = [];
  /** Encoded spans (in segments). */
  private spans = 0;
  /** Ended spans waiting to be encoded: the first `waiting` slots. */
  private readonly waitingSpans: (FinishedSpan | undefined)[] = new Array(ENCODE_TOGETHER).fill(undefined);
  private waiting = 0;

  constructor(private readonly send: EncodedBatchSender, private readonly batchSize: number) {}

  get length(): number {
    return this.spans + this.waiting;
  }

  /** Takes an ended span; every eighth push encodes the eight. Throws SpansLostError for spans that failed to encode. */
  push(span: FinishedSpan): void {
    this.waitingSpans[this.waiting++] = span;
    if (this.waiting === ENCODE_TOGETHER) this.encodeWaiting();
  }

  /** Encodes the waiting spans, each on its own: one that fails is lost alone, and counted. */
  private encodeWaiting(): void {
    const slots = this.waitingSpans;
    const n = this.waiting;
    this.waiting = 0;
    let lost = 0;
    let cause: unknown;
    for (let i = 0; i < n; i++) {
      const span = slots[i]!;
      slots[i] = undefined;
      try {
        this.encode(span);
      } catch (err) {
        lost++;
        cause ??= err;
      }
    }
    if (lost > 0) throw new SpansLostError(lost, cause);
  }

  private encode(span: FinishedSpan): void {
    const segments = this.segments;
    let segment = segments.length > 0 ? segments[segments.length - 1] : undefined;
    if (segment === undefined || segment.count >= this.batchSize) {
      segment = { runs: [], count: 0, last: undefined };
      segments.push(segment);
    }
    const run = this.runFor(segment, span);
    const previous = useBuffer(run.bytes);
    try {
      run.length = writeSpan(run.length, span);
    } finally {
      // The writer may have grown (replaced) the run's buffer: take it back from the swap.
      run.bytes = useBuffer(previous);
    }
    segment.count++;
    this.spans++;
  }

  /** The oldest segment as a batch, after encoding the spans still waiting. Throws SpansLostError as push does. */
  take(): QueuedBatch | undefined {
    if (this.waiting > 0) this.encodeWaiting();
    const segment = this.segments[0];
    if (segment === undefined || segment.count === 0) return undefined;
    this.segments.shift();
    this.spans -= segment.count;
    // A run opened for a span that then failed to encode holds nothing: leave it out.
    const runs = segment.runs.filter((run) => run.length > 0) as readonly EncodedScopeRun[];
    const previous = useBuffer(this.spareBodies.pop() ?? Buffer.allocUnsafe(BODY_INITIAL_BYTES));
    let length = 0;
    let written: Buffer;
    try {
      length = writeTraceRequestFromRuns(runs);
    } finally {
      written = useBuffer(previous);
      for (const run of segment.runs) keep(this.spare, run.bytes);
    }
    const batch: EncodedBatch = { body: written.subarray(0, length), count: segment.count };
    // The body is the exporter's until its export settles (retries included); then it is ours again.
    const release = (): void => keep(this.spareBodies, written);
    return {
      count: batch.count,
      send: () => {
        const sent = this.send(batch);
        sent.then(release, release);
        return sent;
      },
    };
  }

  private runFor(segment: Segment, span: FinishedSpan): Run {
    const last = segment.last;
    if (last !== undefined && last.resource === span.resource && sameScope(last.scope, span.scope)) return last;
    const runs = segment.runs;
    let run: Run | undefined;
    for (let i = 0; i < runs.length; i++) {
      if (runs[i].resource === span.resource && sameScope(runs[i].scope, span.scope)) {
        run = runs[i];
        break;
      }
    }
    if (run === undefined) {
      run = { resource: span.resource, scope: span.scope, bytes: this.spare.pop() ?? Buffer.allocUnsafe(RUN_INITIAL_BYTES), length: 0 };
      // Runs of one resource stay together, as the envelope encoder expects.
      let at = runs.length;
      for (let i = runs.length - 1; i >= 0; i--) {
        if (runs[i].resource === span.resource) {
          at = i + 1;
          break;
        }
      }
      runs.splice(at, 0, run);
    }
    segment.last = run;
    return run;
  }
}

function keep(spare: Buffer[], buffer: Buffer): void {
  if (spare.length < SPARE_BUFFERS && buffer.length <= MAX_KEPT_BYTES) spare.push(buffer);
}
