'use strict';
// B3 single-header and multi-header propagation (forms from openzipkin/b3-propagation).
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { ROOT_CONTEXT, TraceFlags, defaultTextMapGetter, defaultTextMapSetter, trace } = require('@opentelemetry/api');
const { b3SinglePropagator, b3MultiPropagator } = require('../../dist/src/propagation/b3.js');
const { suppressTracing } = require('../../dist/src/suppress.js');

const TRACE_ID = '80f198ee56343ba864fe8b2a57d3eff7';
const TRACE_ID_64 = 'a3ce929d0e0e4736';
const SPAN_ID = 'e457b5a2e4d86bd1';
const PARENT_ID = '05e3ac9a4f6e3b90';

function extract(propagator, headers) {
  const ctx = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  const sc = trace.getSpanContext(ctx);
  return sc && { traceId: sc.traceId, spanId: sc.spanId, traceFlags: sc.traceFlags, isRemote: sc.isRemote };
}

function remote(traceId, spanId, traceFlags) {
  return { traceId, spanId, traceFlags, isRemote: true };
}

describe('b3 extract', () => {
  const valid = [
    ['single, sampled', { b3: `${TRACE_ID}-${SPAN_ID}-1-${PARENT_ID}` }, remote(TRACE_ID, SPAN_ID, 1)],
    ['single, not sampled', { b3: `${TRACE_ID}-${SPAN_ID}-0` }, remote(TRACE_ID, SPAN_ID, 0)],
    ['single, debug means sampled', { b3: `${TRACE_ID}-${SPAN_ID}-d` }, remote(TRACE_ID, SPAN_ID, 1)],
    ['single, deferred', { b3: `${TRACE_ID}-${SPAN_ID}` }, remote(TRACE_ID, SPAN_ID, 0)],
    ['single, 64-bit trace id padded', { b3: `${TRACE_ID_64}-${SPAN_ID}-1` }, remote(`0000000000000000${TRACE_ID_64}`, SPAN_ID, 1)],
    ['single in an array', { b3: [`${TRACE_ID}-${SPAN_ID}-1`] }, remote(TRACE_ID, SPAN_ID, 1)],
    ['single with OWS', { b3: ` ${TRACE_ID}-${SPAN_ID}-1 ` }, remote(TRACE_ID, SPAN_ID, 1)],
    [
      'multi, sampled',
      { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-parentspanid': PARENT_ID, 'x-b3-sampled': '1' },
      remote(TRACE_ID, SPAN_ID, 1),
    ],
    ['multi, not sampled', { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '0' }, remote(TRACE_ID, SPAN_ID, 0)],
    ['multi, legacy true', { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': 'true' }, remote(TRACE_ID, SPAN_ID, 1)],
    ['multi, debug flag', { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-flags': '1' }, remote(TRACE_ID, SPAN_ID, 1)],
    ['multi, deferred', { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID }, remote(TRACE_ID, SPAN_ID, 0)],
    [
      'multi, 64-bit trace id padded',
      { 'x-b3-traceid': TRACE_ID_64, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '1' },
      remote(`0000000000000000${TRACE_ID_64}`, SPAN_ID, 1),
    ],
    ['multi, arrays', { 'x-b3-traceid': [TRACE_ID], 'x-b3-spanid': [SPAN_ID], 'x-b3-sampled': ['1'] }, remote(TRACE_ID, SPAN_ID, 1)],
    [
      'single wins over multi',
      { b3: `${TRACE_ID}-${SPAN_ID}-1`, 'x-b3-traceid': TRACE_ID_64, 'x-b3-spanid': PARENT_ID },
      remote(TRACE_ID, SPAN_ID, 1),
    ],
    [
      'multi used when single is invalid',
      { b3: 'garbage', 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '1' },
      remote(TRACE_ID, SPAN_ID, 1),
    ],
  ];
  for (const [name, headers, expected] of valid) {
    for (const propagator of [b3SinglePropagator, b3MultiPropagator]) {
      const which = propagator === b3SinglePropagator ? 'b3' : 'b3multi';
      it(`${which} extracts ${name}`, () => assert.deepEqual(extract(propagator, headers), expected));
    }
  }

  const invalid = [
    ['sampling-only 0', { b3: '0' }],
    ['sampling-only 1', { b3: '1' }],
    ['sampling-only d', { b3: 'd' }],
    ['single, upper-case trace id', { b3: `${TRACE_ID.toUpperCase()}-${SPAN_ID}-1` }],
    ['single, all-zero trace id', { b3: `${'0'.repeat(32)}-${SPAN_ID}-1` }],
    ['single, all-zero 64-bit trace id', { b3: `${'0'.repeat(16)}-${SPAN_ID}-1` }],
    ['single, all-zero span id', { b3: `${TRACE_ID}-${'0'.repeat(16)}-1` }],
    ['single, 24-char trace id', { b3: `${TRACE_ID.slice(0, 24)}-${SPAN_ID}-1` }],
    ['single, short span id', { b3: `${TRACE_ID}-${SPAN_ID.slice(1)}-1` }],
    ['single, long span id', { b3: `${TRACE_ID}-${SPAN_ID}0-1` }],
    ['single, bad sampling state', { b3: `${TRACE_ID}-${SPAN_ID}-2` }],
    ['single, long sampling state', { b3: `${TRACE_ID}-${SPAN_ID}-11` }],
    ['single, bad parent', { b3: `${TRACE_ID}-${SPAN_ID}-1-xyz` }],
    ['single, trailing dash', { b3: `${TRACE_ID}-${SPAN_ID}-` }],
    ['multi, no span id', { 'x-b3-traceid': TRACE_ID }],
    ['multi, bad trace id', { 'x-b3-traceid': 'nothex', 'x-b3-spanid': SPAN_ID }],
    ['multi, upper-case span id', { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID.toUpperCase() }],
    ['nothing', {}],
    ['10 KB header', { b3: 'a'.repeat(10240) }],
  ];
  for (const [name, headers] of invalid) {
    it(`ignores ${name}`, () => {
      assert.equal(b3SinglePropagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter), ROOT_CONTEXT);
      assert.equal(b3MultiPropagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter), ROOT_CONTEXT);
    });
  }

  it('never throws on hostile carriers', () => {
    const throwing = { get() { throw new Error('boom'); }, keys: () => [] };
    for (const carrier of [undefined, null, 1, 'x', { b3: 5 }, { b3: [] }, { 'x-b3-traceid': {} }]) {
      assert.equal(b3SinglePropagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter), ROOT_CONTEXT);
      assert.equal(b3MultiPropagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter), ROOT_CONTEXT);
    }
    assert.equal(b3SinglePropagator.extract(ROOT_CONTEXT, { b3: 'x' }, throwing), ROOT_CONTEXT);
  });
});

describe('b3 inject', () => {
  const sampled = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED };
  const unsampled = { ...sampled, traceFlags: TraceFlags.NONE };

  function inject(propagator, ctx) {
    const carrier = {};
    propagator.inject(ctx, carrier, defaultTextMapSetter);
    return carrier;
  }

  const cases = [
    ['sampled', sampled, { b3: `${TRACE_ID}-${SPAN_ID}-1` }, { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '1' }],
    ['not sampled', unsampled, { b3: `${TRACE_ID}-${SPAN_ID}-0` }, { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '0' }],
  ];
  for (const [name, spanContext, single, multi] of cases) {
    it(`writes ${name}`, () => {
      const ctx = trace.setSpanContext(ROOT_CONTEXT, spanContext);
      assert.deepEqual(inject(b3SinglePropagator, ctx), single);
      assert.deepEqual(inject(b3MultiPropagator, ctx), multi);
    });
  }

  it('passes the debug flag on', () => {
    const fromSingle = b3SinglePropagator.extract(ROOT_CONTEXT, { b3: `${TRACE_ID}-${SPAN_ID}-d` }, defaultTextMapGetter);
    assert.deepEqual(inject(b3SinglePropagator, fromSingle), { b3: `${TRACE_ID}-${SPAN_ID}-d` });
    assert.deepEqual(inject(b3MultiPropagator, fromSingle), { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-flags': '1' });
  });

  it('writes nothing without a valid span context or when suppressed', () => {
    const ctxs = [
      ROOT_CONTEXT,
      trace.setSpanContext(ROOT_CONTEXT, { ...sampled, traceId: '0'.repeat(32) }),
      trace.setSpanContext(ROOT_CONTEXT, { ...sampled, spanId: 'short' }),
      trace.setSpanContext(suppressTracing(ROOT_CONTEXT), sampled),
    ];
    for (const ctx of ctxs) {
      assert.deepEqual(inject(b3SinglePropagator, ctx), {});
      assert.deepEqual(inject(b3MultiPropagator, ctx), {});
    }
  });

  it('never throws on hostile carriers and setters', () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, sampled);
    const throwing = { set() { throw new Error('boom'); } };
    for (const propagator of [b3SinglePropagator, b3MultiPropagator]) {
      for (const carrier of [undefined, 1, Object.freeze({})]) propagator.inject(ctx, carrier, defaultTextMapSetter);
      propagator.inject(ctx, {}, throwing);
      propagator.inject(ctx, {}, undefined);
      propagator.inject(undefined, {}, defaultTextMapSetter);
    }
  });

  it('lists its fields', () => {
    assert.deepEqual(b3SinglePropagator.fields(), ['b3']);
    assert.deepEqual(b3MultiPropagator.fields(), ['x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled', 'x-b3-flags']);
  });
});
