// The read-only shape in which a finished span reaches processors and exporters.
// Exporters depend on this file only, never on the Span class.
import type { Attributes, HrTime, Link, SpanContext, SpanKind, SpanStatus } from '@opentelemetry/api';

/** An event recorded on a span; `time` is epoch milliseconds with sub-millisecond fraction. */
export interface SpanEventData {
  readonly name: string;
  readonly time: number;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
}

/** A link from a span to another span context. */
export interface SpanLinkData {
  readonly context: SpanContext;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
}

/** The instrumentation scope (tracer name and version) that made a span. */
export interface InstrumentationScope {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
}

/** The entity producing telemetry (service.name and friends). */
export interface ResourceData {
  readonly attributes: Attributes;
}

/**
 * A finished span as a read-only value. Times are epoch milliseconds as floats
 * (about half a microsecond of precision); encoders turn them into nanoseconds.
 */
export interface FinishedSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly spanContext: SpanContext;
  /** Parent span id (16 hex chars), undefined for a root span. */
  readonly parentSpanId: string | undefined;
  /** True when the parent came from another process (extracted from headers). */
  readonly parentIsRemote: boolean;
  /** The parent's whole context, when the SDK made the span (encoders may read its id bytes). */
  readonly parentSpanContext?: SpanContext;
  readonly startTime: number;
  readonly endTime: number;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly events: readonly SpanEventData[];
  readonly droppedEventsCount: number;
  readonly links: readonly SpanLinkData[];
  readonly droppedLinksCount: number;
  readonly status: SpanStatus;
  readonly resource: ResourceData;
  readonly scope: InstrumentationScope;
}

/** Result of one export call. `dropped` counts spans that were given up on. */
export interface ExportResult {
  readonly ok: boolean;
  readonly error?: Error;
}

/** Where finished spans go: OTLP over HTTP, the console, or a test sink. */
export interface SpanExporter {
  export(spans: readonly FinishedSpan[]): Promise<ExportResult>;
  /** Delivers anything the exporter holds back (the console exporter buffers whole traces). */
  forceFlush?(): Promise<void>;
  /** Spans the exporter holds back. */
  pendingSpans?(): number;
  shutdown(): Promise<void>;
}

/** Receives every sampled span when it ends, as a read-only snapshot. */
export interface SpanProcessor {
  onEnd(span: FinishedSpan): void;
  /** Spans accepted but not yet exported. */
  pendingSpans?(): number;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export type { HrTime, Link };
