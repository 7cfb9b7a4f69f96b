// The TracerProvider: one per process, registered as the global provider so
// code written against @opentelemetry/api joins the agent's traces.
import type { Tracer, TracerOptions, TracerProvider } from '@opentelemetry/api';
import type { SpanLimits } from './config';
import type { Sampler } from './sampling';
import type { FinishedSpan, ResourceData, SpanProcessor } from './span-data';
import { SdkTracer } from './tracer';

/** Hands out one tracer per instrumentation scope and routes finished spans to the processors. */
export class SdkTracerProvider implements TracerProvider {
  private readonly tracers = new Map<string, SdkTracer>();
  private stopped = false;

  constructor(
    private readonly sampler: Sampler,
    private readonly limits: SpanLimits,
    readonly resource: ResourceData,
    private readonly processors: readonly SpanProcessor[],
  ) {}

  getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
    const key = `${name}@${version ?? ''}@${options?.schemaUrl ?? ''}`;
    let tracer = this.tracers.get(key);
    if (tracer === undefined) {
      const scope = Object.freeze({ name: String(name ?? ''), version, schemaUrl: options?.schemaUrl });
      const owner = {
        limits: this.limits,
        resource: this.resource,
        scope,
        onEnd: (span: FinishedSpan) => this.onEnd(span),
      };
      tracer = new SdkTracer(owner, this.sampler);
      this.tracers.set(key, tracer);
    }
    return tracer;
  }

  private onEnd(span: FinishedSpan): void {
    if (this.stopped) return;
    const processors = this.processors;
    for (let i = 0; i < processors.length; i++) processors[i].onEnd(span);
  }

  /** Spans ended but not yet exported, over all processors. */
  pendingSpans(): number {
    let n = 0;
    for (const p of this.processors) n += p.pendingSpans?.() ?? 0;
    return n;
  }

  /** Exports everything queued so far. */
  async forceFlush(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.forceFlush()));
  }

  /** Flushes and stops; spans ending afterwards are ignored. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.processors.map((p) => p.shutdown()));
  }
}
