// Starts the SDK from the configuration: resource, sampler, processors and
// exporters, the global providers of @opentelemetry/api, and the shutdown hooks.
// One agent per process, even when two copies of spanwise are loaded.
import {
  context, propagation, trace, type Context, type TextMapPropagator, type Tracer,
} from '@opentelemetry/api';
import { getConfig, type Config } from './config';
import { AsyncLocalContextManager } from './context';
import { CHAIN_ROOT } from './context-chain';
import { BatchSpanProcessor, type BatchQueue, type QueuedBatch } from './export/batch-processor';
import type { OtlpHttpExporter } from './export/otlp-http-exporter';
import { log } from './log';
import { createPropagator } from './propagation/composite';
import { detectResource, SDK_VERSION } from './resource';
import { createSampler } from './sampling';
import type { FinishedSpan, SpanExporter, SpanProcessor } from './span-data';
import { SdkTracerProvider } from './tracer-provider';

/** The running agent, shared by the instrumentations. */
export interface Agent {
  readonly config: Config;
  readonly provider: SdkTracerProvider;
  readonly contextManager: AsyncLocalContextManager;
  readonly propagator: TextMapPropagator;
  readonly rootContext: Context;
  /** A tracer for one of our instrumentations, e.g. tracer('http'). */
  tracer(instrumentation: string): Tracer;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

const AGENT_KEY = Symbol.for('spanwise.agent');
type GlobalWithAgent = typeof globalThis & { [AGENT_KEY]?: Agent };

/** The agent started in this process, if any. */
export function getAgent(): Agent | undefined {
  return (globalThis as GlobalWithAgent)[AGENT_KEY];
}

/** Creates a value on first use: exporter code (node:https, zlib, the encoders) loads seconds after start-up, off the app's start-up path. */
function lazy<T>(create: () => T): { get(): T; created(): T | undefined } {
  let value: T | undefined;
  return { get: () => (value ??= create()), created: () => value };
}

/** A SpanExporter in front of one created on first use. */
function lazyExporter(exporter: { get(): SpanExporter; created(): SpanExporter | undefined }): SpanExporter {
  return {
    export: (spans) => exporter.get().export(spans),
    forceFlush: () => exporter.created()?.forceFlush?.() ?? Promise.resolve(),
    pendingSpans: () => exporter.created()?.pendingSpans?.() ?? 0,
    shutdown: () => exporter.created()?.shutdown() ?? Promise.resolve(),
  };
}

/**
 * A BatchQueue made on the first span: OTLP protobuf is encoded soon after spans
 * end, eight at a time (export/encoded-span-queue.ts says why), so few span
 * objects wait for export. A class rather than an object of closures: its
 * methods sit on every span's end path, where V8 inlines a class's methods and
 * getter at once (a literal's getter and arrow properties left generic property
 * loads behind, callgrind, Node 24).
 */
class LazyEncodedQueue implements BatchQueue {
  private queue: import('./export/encoded-span-queue').EncodedSpanQueue | undefined;

  constructor(private readonly otlp: { get(): OtlpHttpExporter }, private readonly batchSize: number) {}

  get length(): number {
    return this.queue === undefined ? 0 : this.queue.length;
  }

  push(span: FinishedSpan): void {
    (this.queue ??= this.create()).push(span);
  }

  take(): QueuedBatch | undefined {
    return this.queue?.take();
  }

  private create(): import('./export/encoded-span-queue').EncodedSpanQueue {
    const otlp = this.otlp;
    return new (require('./export/encoded-span-queue') as typeof import('./export/encoded-span-queue'))
      .EncodedSpanQueue((batch) => otlp.get().exportEncoded(batch), this.batchSize);
  }
}

/* eslint-disable @typescript-eslint/no-require-imports */
function createProcessors(config: Config): SpanProcessor[] {
  const processors: SpanProcessor[] = [];
  for (const name of config.exporters) {
    if (name === 'console') {
      const consoleExporter = lazy(() => (require('./export/console-exporter') as typeof import('./export/console-exporter'))
        .createConsoleExporter());
      processors.push(new BatchSpanProcessor(lazyExporter(consoleExporter), config.bsp));
      continue;
    }
    const otlp = lazy(() => (require('./export/otlp-http-exporter') as typeof import('./export/otlp-http-exporter'))
      .createOtlpHttpExporter(config.otlp));
    const queue = config.otlp.protocol === 'http/protobuf' ? new LazyEncodedQueue(otlp, config.bsp.maxExportBatchSize) : undefined;
    processors.push(new BatchSpanProcessor(lazyExporter(otlp), config.bsp, queue));
  }
  return processors;
}
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * Starts the agent and registers it as the global tracer provider, context
 * manager and propagator. Returns the running agent (the existing one when
 * called twice), or undefined when OTEL_SDK_DISABLED=true.
 */
export function startAgent(config: Config = getConfig()): Agent | undefined {
  const existing = getAgent();
  if (existing !== undefined) return existing;
  if (config.disabled) {
    log.debug('OTEL_SDK_DISABLED=true: spanwise is off');
    return undefined;
  }
  const resource = detectResource(config);
  const sampler = createSampler(config.sampler, config.samplerRatio);
  const provider = new SdkTracerProvider(sampler, config.limits, resource, createProcessors(config));
  const contextManager = new AsyncLocalContextManager();
  const propagator = createPropagator(config.propagators);
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(propagator);
  const tracers = new Map<string, Tracer>();
  const agent: Agent = {
    config, provider, contextManager, propagator, rootContext: CHAIN_ROOT,
    tracer(instrumentation) {
      let t = tracers.get(instrumentation);
      if (t === undefined) {
        t = provider.getTracer(`spanwise/${instrumentation}`, SDK_VERSION);
        tracers.set(instrumentation, t);
      }
      return t;
    },
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
  (globalThis as GlobalWithAgent)[AGENT_KEY] = agent;
  installShutdownHooks(agent);
  log.debug(`spanwise ${SDK_VERSION} started; service.name=${String(resource.attributes['service.name'])}, ` +
    `sampler=${sampler.toString()}, exporters=${config.exporters.join(',') || 'none'}`);
  return agent;
}

/** How long a signal may wait for the last export (orchestrators allow ~30 s). */
const SIGNAL_FLUSH_MS = 5000;
/** How long a script that has finished may be kept alive for its last export. */
const EXIT_FLUSH_MS = 2000;

/**
 * Flushes on beforeExit and on SIGTERM/SIGINT. Node's default for a signal is to
 * exit; adding a listener cancels that, so when ours is the only listener we
 * re-raise the signal after the flush, and the process exits as it would have.
 */
function installShutdownHooks(agent: Agent): void {
  // The exporter's sockets and timers are unref'd, so a flush alone would not keep
  // the loop alive: a ref'd timer holds it for the bounded time of the flush.
  // Once the hold has run out, a flush still in flight is given up: the next
  // beforeExit finds `flushing` set and lets the process end.
  let flushing = false;
  process.on('beforeExit', () => {
    if (flushing || agent.provider.pendingSpans() === 0) return;
    flushing = true;
    const hold = setTimeout(() => undefined, EXIT_FLUSH_MS);
    void agent.forceFlush().catch(() => undefined).then(() => {
      flushing = false;
      clearTimeout(hold);
    });
  });
  // Nothing lost silently: spans still queued or in flight when the process ends are reported.
  process.on('exit', () => {
    const lost = agent.provider.pendingSpans();
    if (lost > 0) log.warn(`${lost} spans were not exported before the process exited; they are lost`);
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const onSignal = (): void => {
      // An app with its own handler keeps control (and may go on working), so we only flush.
      const appHandles = process.listenerCount(signal) > 1;
      // Ref'd on purpose: the process must live until the flush ends or the bound passes.
      let hold: NodeJS.Timeout | undefined;
      const timeout = new Promise((resolve) => { hold = setTimeout(resolve, SIGNAL_FLUSH_MS); });
      const work = appHandles ? agent.forceFlush() : agent.shutdown();
      void Promise.race([work, timeout]).catch(() => undefined).then(() => {
        clearTimeout(hold);
        if (appHandles) return;
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }
}
