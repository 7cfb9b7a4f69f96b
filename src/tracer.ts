// The Tracer: decides sampling, allocates ids, and returns either a recording
// span or a cheap non-recording one that still carries the context onwards.
import {
  context as apiContext, trace, TraceFlags, type Context, type Span, type SpanContext, type SpanOptions,
  type Tracer,
} from '@opentelemetry/api';
import { lastIdAt, lastIdPool, newSpanId, newTraceId } from './ids';
import { Decision, type Sampler } from './sampling';
import { RecordingSpan, type SpanOwner } from './span';
import { CheckedSpanContext, isValidSpanContext } from './span-context';
import { isTracingSuppressed } from './suppress';

const INVALID_SPAN = trace.wrapSpanContext({
  traceId: '00000000000000000000000000000000',
  spanId: '0000000000000000',
  traceFlags: TraceFlags.NONE,
});

/** An @opentelemetry/api Tracer bound to one instrumentation scope. */
export class SdkTracer implements Tracer {
  constructor(private readonly owner: SpanOwner, private readonly sampler: Sampler) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = apiContext.active()): Span {
    if (isTracingSuppressed(ctx)) return INVALID_SPAN;
    let parent: SpanContext | undefined;
    if (options.root !== true) {
      const p = trace.getSpanContext(ctx);
      if (p !== undefined && isValidSpanContext(p)) parent = p;
    }
    let traceId: string;
    let traceIdBytes: Buffer | undefined;
    let traceIdAt = 0;
    if (parent === undefined) {
      traceId = newTraceId();
      traceIdBytes = lastIdPool();
      traceIdAt = lastIdAt();
    } else {
      traceId = parent.traceId;
      if (parent instanceof CheckedSpanContext) {
        traceIdBytes = parent.traceIdBytes;
        traceIdAt = parent.traceIdAt;
      }
    }
    const spanId = newSpanId();
    const spanIdBytes = lastIdPool();
    const spanIdAt = lastIdAt();
    const kind = options.kind ?? 0;
    const decision = this.sampler.shouldSample({
      parent, traceId, name, kind, attributes: options.attributes, links: options.links,
    });
    const sampled = decision !== Decision.Drop;
    const spanContext = new CheckedSpanContext(
      traceId, spanId, sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, parent?.traceState, undefined,
      traceIdBytes, traceIdAt, spanIdBytes, spanIdAt,
    );
    // Not sampled: no recording, but the ids travel so downstream services agree.
    if (!sampled) return trace.wrapSpanContext(spanContext);
    return new RecordingSpan(
      this.owner, spanContext, name, kind, parent,
      options.attributes, options.links, options.startTime,
    );
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, ctx: Context, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, a?: unknown, b?: unknown, c?: unknown): ReturnType<F> {
    let options: SpanOptions | undefined;
    let ctx: Context | undefined;
    let fn: F;
    if (typeof a === 'function') fn = a as F;
    else if (typeof b === 'function') {
      options = a as SpanOptions;
      fn = b as F;
    } else {
      options = a as SpanOptions;
      ctx = b as Context;
      fn = c as F;
    }
    const parentCtx = ctx ?? apiContext.active();
    const span = this.startSpan(name, options, parentCtx);
    return apiContext.with(trace.setSpan(parentCtx, span), fn as (s: Span) => ReturnType<F>, undefined, span);
  }
}
