// The batch queue of the OTLP/HTTP protobuf exporter: each span is encoded to
// protobuf the moment it ends, into a per-scope byte run, and the span object
// is let go at once.
//
// Why: a queue of span objects keeps every span (attributes, ids, contexts)
// alive until its batch is sent, so each young-generation GC copies hundreds of
// them and promotes many to the old generation. Under load that was a large part
// of the agent's cost (GC on the main thread and on V8's helper threads, node:http
// and express benchmarks, Node 24). Encoded bytes live off the JS heap and cost
// the collector nothing; the encoding work is the same, only done earlier.
//
// Spans are grouped into segments of at most maxExportBatchSize spans, one
// export each, and inside a segment into runs by resource and scope, which
// become the request's ResourceSpans and ScopeSpans.
import type { FinishedSpan, InstrumentationScope, ResourceData } from '../span-data';
import type { BatchQueue, QueuedBatch } from './batch-processor';
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
  private spans = 0;

  constructor(private readonly send: EncodedBatchSender, private readonly batchSize: number) {}

  get length(): number {
    return this.spans;
  }

  push(span: FinishedSpan): void {
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

  take(): QueuedBatch | undefined {
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
