'use strict';
// The OTEL_PROPAGATORS composite: which propagators each name selects, order, and isolation.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const {
  ROOT_CONTEXT,
  TraceFlags,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  trace,
} = require('@opentelemetry/api');
const {
  createPropagator,
  CompositePropagator,
  KNOWN_PROPAGATORS,
  DEFAULT_PROPAGATORS,
} = require('../../dist/src/propagation/composite.js');
const { traceContextPropagator } = require('../../dist/src/propagation/trace-context.js');

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const OTHER_SPAN = 'e457b5a2e4d86bd1';

function injectAll(names) {
  const ctx = propagation.setBaggage(
    trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED }),
    propagation.createBaggage({ user: { value: 'alice' } }),
  );
  const carrier = {};
  createPropagator(names).inject(ctx, carrier, defaultTextMapSetter);
  return carrier;
}

describe('createPropagator', () => {
  it('knows the OTEL_PROPAGATORS values', () => {
    assert.deepEqual([...KNOWN_PROPAGATORS], ['tracecontext', 'baggage', 'b3', 'b3multi', 'none']);
    assert.deepEqual([...DEFAULT_PROPAGATORS], ['tracecontext', 'baggage']);
  });

  const cases = [
    [['tracecontext'], ['traceparent']],
    [['baggage'], ['baggage']],
    [['b3'], ['b3']],
    [['b3multi'], ['x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled']],
    [['tracecontext', 'baggage'], ['traceparent', 'baggage']],
    [['tracecontext', 'baggage', 'b3', 'b3multi'], ['traceparent', 'baggage', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled']],
    [['none'], []],
    [[], []],
    [['tracecontext', 'none'], ['traceparent']],
    [['bogus', 'tracecontext', 'tracecontext'], ['traceparent']],
  ];
  for (const [names, headers] of cases) {
    it(`injects ${headers.join(', ') || 'nothing'} for [${names.join(',')}]`, () => {
      assert.deepEqual(Object.keys(injectAll(names)).sort(), [...headers].sort());
    });
  }

  it('returns the propagator itself for a single name', () => {
    assert.equal(createPropagator(['tracecontext']), traceContextPropagator);
  });

  it('reports the union of fields', () => {
    assert.deepEqual(createPropagator(['tracecontext', 'baggage', 'b3']).fields(), ['traceparent', 'tracestate', 'baggage', 'b3']);
    assert.deepEqual(createPropagator(['none']).fields(), []);
  });

  it('extracts with each in order, the later one winning', () => {
    const headers = {
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
      b3: `${TRACE_ID}-${OTHER_SPAN}-0`,
      baggage: 'user=alice',
    };
    const ctx = createPropagator(['tracecontext', 'b3', 'baggage']).extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    assert.equal(trace.getSpanContext(ctx).spanId, OTHER_SPAN);
    assert.equal(propagation.getBaggage(ctx).getEntry('user').value, 'alice');
    const reversed = createPropagator(['b3', 'tracecontext']).extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    assert.equal(trace.getSpanContext(reversed).spanId, SPAN_ID);
  });

  it('never throws on a bad names list', () => {
    for (const names of [undefined, null, 'tracecontext', [1, null, {}]]) {
      const propagator = createPropagator(names);
      assert.equal(propagator.extract(ROOT_CONTEXT, {}, defaultTextMapGetter), ROOT_CONTEXT);
    }
  });
});

describe('CompositePropagator', () => {
  it('keeps going when one propagator throws', () => {
    const broken = {
      inject() { throw new Error('boom'); },
      extract() { throw new Error('boom'); },
      fields: () => ['x-broken'],
    };
    const composite = new CompositePropagator([broken, traceContextPropagator]);
    const ctx = composite.extract(ROOT_CONTEXT, { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` }, defaultTextMapGetter);
    assert.equal(trace.getSpanContext(ctx).traceId, TRACE_ID);
    const carrier = {};
    composite.inject(ctx, carrier, defaultTextMapSetter);
    assert.equal(carrier.traceparent, `00-${TRACE_ID}-${SPAN_ID}-01`);
    assert.deepEqual(composite.fields(), ['x-broken', 'traceparent', 'tracestate']);
  });
});
