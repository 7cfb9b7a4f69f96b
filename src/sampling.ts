// Samplers from the OpenTelemetry SDK spec ("Built-in samplers"), chosen by
// OTEL_TRACES_SAMPLER. A sampler gets one parameters object and answers a decision.
import { SpanKind, TraceFlags, type Attributes, type Link, type SpanContext } from '@opentelemetry/api';
import type { SamplerName } from './config';

/** What a sampler decides for a new span. */
export const enum Decision {
  Drop = 0,
  RecordOnly = 1,
  RecordAndSample = 2,
}

/** Everything a sampler may look at. `parent` is the parent span context, if valid. */
export interface SamplingParams {
  readonly parent: SpanContext | undefined;
  readonly traceId: string;
  readonly name: string;
  readonly kind: SpanKind;
  readonly attributes: Attributes | undefined;
  readonly links: readonly Link[] | undefined;
}

/** A sampling strategy. */
export interface Sampler {
  shouldSample(params: SamplingParams): Decision;
  toString(): string;
}

const alwaysOn: Sampler = { shouldSample: () => Decision.RecordAndSample, toString: () => 'AlwaysOnSampler' };
const alwaysOff: Sampler = { shouldSample: () => Decision.Drop, toString: () => 'AlwaysOffSampler' };

/**
 * TraceIdRatioBased: deterministic in the trace id so that every service makes
 * the same decision for the same trace. Uses the low 56 bits of the id, which
 * W3C Level 2 asks to be random.
 */
export function traceIdRatio(ratio: number): Sampler {
  if (ratio >= 1) return alwaysOn;
  if (ratio <= 0) return alwaysOff;
  const bound = Math.floor(ratio * 2 ** 56);
  return {
    shouldSample: ({ traceId }) => {
      const high = parseInt(traceId.slice(18, 24), 16); // 24 bits
      const low = parseInt(traceId.slice(24, 32), 16); // 32 bits
      return high * 2 ** 32 + low < bound ? Decision.RecordAndSample : Decision.Drop;
    },
    toString: () => `TraceIdRatioBased{${ratio}}`,
  };
}

/** ParentBased: follows a parent's sampled flag, and uses `root` for root spans. */
export function parentBased(root: Sampler): Sampler {
  return {
    shouldSample: (params) => {
      const parent = params.parent;
      if (parent === undefined) return root.shouldSample(params);
      return (parent.traceFlags & TraceFlags.SAMPLED) !== 0 ? Decision.RecordAndSample : Decision.Drop;
    },
    toString: () => `ParentBased{root=${root.toString()}}`,
  };
}

/** Builds the sampler named by OTEL_TRACES_SAMPLER. */
export function createSampler(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on': return alwaysOn;
    case 'always_off': return alwaysOff;
    case 'traceidratio': return traceIdRatio(ratio);
    case 'parentbased_always_off': return parentBased(alwaysOff);
    case 'parentbased_traceidratio': return parentBased(traceIdRatio(ratio));
    default: return parentBased(alwaysOn);
  }
}
