// Several propagators run as one, built from the OTEL_PROPAGATORS list.
import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { log } from '../log';
import { b3MultiPropagator, b3SinglePropagator } from './b3';
import { baggagePropagator } from './baggage';
import { traceContextPropagator } from './trace-context';

/** The OTEL_PROPAGATORS values this agent understands. */
export const KNOWN_PROPAGATORS = ['tracecontext', 'baggage', 'b3', 'b3multi', 'none'] as const;
/** One of the known OTEL_PROPAGATORS values. */
export type PropagatorName = (typeof KNOWN_PROPAGATORS)[number];
/** The spec's default for OTEL_PROPAGATORS. */
export const DEFAULT_PROPAGATORS: readonly PropagatorName[] = ['tracecontext', 'baggage'];

const BY_NAME: ReadonlyMap<string, TextMapPropagator> = new Map([
  ['tracecontext', traceContextPropagator],
  ['baggage', baggagePropagator],
  ['b3', b3SinglePropagator],
  ['b3multi', b3MultiPropagator],
]);

/**
 * Runs its propagators in order: extract threads the context through each (so a later
 * one wins where two set the same thing), inject runs all. One that throws is skipped.
 */
export class CompositePropagator implements TextMapPropagator {
  private readonly propagators: readonly TextMapPropagator[];
  private readonly fieldNames: readonly string[];

  constructor(propagators: readonly TextMapPropagator[]) {
    this.propagators = Array.isArray(propagators) ? propagators.slice() : [];
    const names = new Set<string>();
    for (const propagator of this.propagators) {
      try {
        for (const field of propagator.fields()) names.add(field);
      } catch (error) {
        log.debug('propagator fields failed', error);
      }
    }
    this.fieldNames = Array.from(names);
  }

  /** Injects with every propagator. */
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    for (let i = 0; i < this.propagators.length; i++) {
      try {
        this.propagators[i].inject(context, carrier, setter);
      } catch (error) {
        log.debug('propagator inject failed', error);
      }
    }
  }

  /** Extracts with every propagator in order, each seeing the context the previous one returned. */
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    let result = context;
    for (let i = 0; i < this.propagators.length; i++) {
      try {
        result = this.propagators[i].extract(result, carrier, getter);
      } catch (error) {
        log.debug('propagator extract failed', error);
      }
    }
    return result;
  }

  /** The union of every propagator's header names. */
  fields(): string[] {
    return this.fieldNames.slice();
  }
}

/**
 * The propagator for an OTEL_PROPAGATORS list. `none` and unknown names are skipped
 * (config validation warns about those), and a repeated name counts once.
 */
export function createPropagator(names: readonly string[]): TextMapPropagator {
  const chosen: TextMapPropagator[] = [];
  const list: readonly unknown[] = Array.isArray(names) ? names : [];
  for (const name of list) {
    const propagator = typeof name === 'string' ? BY_NAME.get(name) : undefined;
    if (propagator !== undefined && !chosen.includes(propagator)) chosen.push(propagator);
  }
  // A single propagator needs no wrapper on the hot path.
  return chosen.length === 1 ? chosen[0] : new CompositePropagator(chosen);
}
