'use strict';
// W3C Trace Context: traceparent parsing (cases from the Level 2 spec and the W3C
// test suite), extract/inject through plain carriers, and hostile input.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const {
  ROOT_CONTEXT,
  TraceFlags,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
} = require('@opentelemetry/api');
const {
  traceContextPropagator,
  parseTraceParent,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
} = require('../../dist/src/propagation/trace-context.js');
const { TraceState } = require('../../dist/src/propagation/trace-state.js');
const { suppressTracing } = require('../../dist/src/suppress.js');

const TRACE_ID = '12345678901234567890123456789012';
const SPAN_ID = '1234567890123456';
const VALID = `00-${TRACE_ID}-${SPAN_ID}-01`;

function extract(headers) {
  const ctx = traceContextPropagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  return trace.getSpanContext(ctx);
}

function inject(spanContext, ctx = ROOT_CONTEXT) {
  const carrier = {};
  traceContextPropagator.inject(trace.setSpanContext(ctx, spanContext), carrier, defaultTextMapSetter);
  return carrier;
}

describe('traceparent parsing', () => {
  const valid = [
    ['version 00 sampled', VALID, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 }],
    ['version 00 not sampled', `00-${TRACE_ID}-${SPAN_ID}-00`, { traceFlags: 0 }],
    [
      'spec example',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' },
    ],
    ['unknown flags kept as received', `00-${TRACE_ID}-${SPAN_ID}-09`, { traceFlags: 9 }],
    ['all flags', `00-${TRACE_ID}-${SPAN_ID}-ff`, { traceFlags: 255 }],
    ['future version cc, 55 chars', `cc-${TRACE_ID}-${SPAN_ID}-01`, { traceId: TRACE_ID }],
    [
      'future version cc, extra fields',
      `cc-${TRACE_ID}-${SPAN_ID}-01-what-the-future-will-be-like`,
      { traceId: TRACE_ID, traceFlags: 1 },
    ],
    ['future version 01, trailing dash', `01-${TRACE_ID}-${SPAN_ID}-00-`, { traceFlags: 0 }],
    ['future version fe', `fe-${TRACE_ID}-${SPAN_ID}-01`, { traceId: TRACE_ID }],
    ['leading space', ` ${VALID}`, { traceId: TRACE_ID }],
    ['leading tab', `\t${VALID}`, { traceId: TRACE_ID }],
    ['trailing space', `${VALID} `, { traceId: TRACE_ID }],
    ['trailing tab', `${VALID}\t`, { traceId: TRACE_ID }],
    ['OWS both sides', `\t ${VALID} \t`, { traceId: TRACE_ID }],
  ];
  for (const [name, header, expected] of valid) {
    it(`accepts ${name}`, () => {
      const sc = parseTraceParent(header);
      assert.ok(sc, header);
      assert.equal(sc.isRemote, true);
      for (const [k, v] of Object.entries(expected)) assert.equal(sc[k], v, k);
    });
  }

  const invalid = [
    ['version ff', `ff-${TRACE_ID}-${SPAN_ID}-01`],
    ['version 00 with trailing char', `${VALID}.`],
    ['version 00 with extra fields', `${VALID}-what-the-future-will-be-like`],
    ['future version without dash after flags', `cc-${TRACE_ID}-${SPAN_ID}-01.what-the-future-will-be-like`],
    ['future version too short', `cc-${TRACE_ID}-${SPAN_ID}-0`],
    ['version illegal char .0', `.0-${TRACE_ID}-${SPAN_ID}-01`],
    ['version illegal char 0.', `0.-${TRACE_ID}-${SPAN_ID}-01`],
    ['version upper case', `0A-${TRACE_ID}-${SPAN_ID}-01`],
    ['version non-ASCII', `Ç0-${TRACE_ID}-${SPAN_ID}-01`],
    ['version too long 000', `000-${TRACE_ID}-${SPAN_ID}-01`],
    ['version too long 0000', `0000-${TRACE_ID}-${SPAN_ID}-01`],
    ['version too short', `0-${TRACE_ID}-${SPAN_ID}-01`],
    ['trace id all zero', `00-00000000000000000000000000000000-${SPAN_ID}-01`],
    ['trace id illegal first char', `00-.2345678901234567890123456789012-${SPAN_ID}-01`],
    ['trace id illegal last char', `00-1234567890123456789012345678901.-${SPAN_ID}-01`],
    ['trace id upper case', `00-4BF92F3577B34DA6A3CE929D0E0E4736-${SPAN_ID}-01`],
    ['trace id too long', `00-123456789012345678901234567890123-${SPAN_ID}-01`],
    ['trace id too short', `00-1234567890123456789012345678901-${SPAN_ID}-01`],
    ['parent id all zero', `00-${TRACE_ID}-0000000000000000-01`],
    ['parent id illegal first char', `00-${TRACE_ID}-.234567890123456-01`],
    ['parent id illegal last char', `00-${TRACE_ID}-123456789012345.-01`],
    ['parent id upper case', `00-${TRACE_ID}-00F067AA0BA902B7-01`],
    ['parent id too long', `00-${TRACE_ID}-12345678901234567-01`],
    ['parent id too short', `00-${TRACE_ID}-123456789012345-01`],
    ['flags illegal .0', `00-${TRACE_ID}-${SPAN_ID}-.0`],
    ['flags illegal 0.', `00-${TRACE_ID}-${SPAN_ID}-0.`],
    ['flags upper case', `00-${TRACE_ID}-${SPAN_ID}-0A`],
    ['flags too long', `00-${TRACE_ID}-${SPAN_ID}-001`],
    ['flags too short', `00-${TRACE_ID}-${SPAN_ID}-1`],
    ['wrong separator', `00_${TRACE_ID}_${SPAN_ID}_01`],
    ['inner whitespace', `00 -${TRACE_ID}-${SPAN_ID}-01`],
    ['two values joined by Node', `${VALID}, 00-${TRACE_ID}-${SPAN_ID}-00`],
    ['empty', ''],
    ['only whitespace', ' \t '],
    ['10 KB of garbage', 'x'.repeat(10240)],
    ['10 KB of dashes', '-'.repeat(10240)],
  ];
  for (const [name, header] of invalid) {
    it(`rejects ${name}`, () => {
      assert.equal(parseTraceParent(header), undefined, header);
    });
  }

  it('rejects non-strings without throwing', () => {
    for (const value of [undefined, null, 42, {}, [], [VALID], Symbol('x'), () => VALID]) {
      assert.equal(parseTraceParent(value), undefined);
    }
  });
});

describe('tracecontext extract', () => {
  it('sets a remote span context', () => {
    const sc = extract({ traceparent: VALID });
    assert.deepEqual(
      { traceId: sc.traceId, spanId: sc.spanId, traceFlags: sc.traceFlags, isRemote: sc.isRemote },
      { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED, isRemote: true },
    );
    assert.equal(sc.traceState, undefined);
  });

  it('leaves the context unchanged when traceparent is missing or invalid', () => {
    for (const headers of [{}, { traceparent: 'garbage' }, { 'trace-parent': VALID }, { tracestate: 'foo=1' }]) {
      const ctx = traceContextPropagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
      assert.equal(ctx, ROOT_CONTEXT);
    }
  });

  it('accepts an array holding one traceparent', () => {
    assert.equal(extract({ traceparent: [VALID] }).traceId, TRACE_ID);
  });

  it('rejects repeated traceparent headers', () => {
    assert.equal(extract({ traceparent: [VALID, `00-${TRACE_ID}-${SPAN_ID}-00`] }), undefined);
    assert.equal(extract({ traceparent: [VALID, VALID] }), undefined);
    assert.equal(extract({ traceparent: [] }), undefined);
  });

  it('reads the tracestate', () => {
    const sc = extract({ traceparent: VALID, tracestate: 'foo=1,bar=2' });
    assert.ok(sc.traceState instanceof TraceState);
    assert.equal(sc.traceState.get('foo'), '1');
    assert.equal(sc.traceState.get('bar'), '2');
    assert.equal(sc.traceState.serialize(), 'foo=1,bar=2');
  });

  it('joins repeated tracestate headers in order', () => {
    const sc = extract({ traceparent: VALID, tracestate: ['foo=1,bar=2', 'rojo=1,congo=2', 'baz=3'] });
    assert.equal(sc.traceState.serialize(), 'foo=1,bar=2,rojo=1,congo=2,baz=3');
  });

  it('treats empty tracestate headers as absent', () => {
    assert.equal(extract({ traceparent: VALID, tracestate: '' }).traceState, undefined);
    assert.equal(extract({ traceparent: VALID, tracestate: ['foo=1', ''] }).traceState.get('foo'), '1');
    assert.equal(extract({ traceparent: VALID, tracestate: ['', 'foo=1'] }).traceState.get('foo'), '1');
  });

  // "failure to parse tracestate MUST NOT affect the parsing of traceparent"
  const badStates = [
    ['duplicate key', 'foo=1,foo=1'],
    ['duplicate key across headers', ['foo=1', 'foo=2']],
    ['33 members', Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')],
    ['illegal key', 'FOO=1'],
    ['illegal value', 'foo=bar=baz'],
    ['empty value', 'foo=,bar=3'],
    ['non-string in array', ['foo=1', 7]],
    ['1,000 members', Array.from({ length: 1000 }, (_, i) => `k${i}=v`).join(',')],
    ['a number', 12],
  ];
  for (const [name, tracestate] of badStates) {
    it(`keeps traceparent and drops a tracestate with ${name}`, () => {
      const sc = extract({ traceparent: VALID, tracestate });
      assert.equal(sc.traceId, TRACE_ID);
      assert.equal(sc.spanId, SPAN_ID);
      assert.equal(sc.traceState, undefined);
    });
  }

  it('ignores tracestate when traceparent is invalid', () => {
    assert.equal(extract({ traceparent: 'bad', tracestate: 'foo=1' }), undefined);
  });

  it('never throws on hostile carriers and getters', () => {
    const throwingGetter = { get() { throw new Error('boom'); }, keys: () => [] };
    const cases = [
      [undefined, defaultTextMapGetter],
      [null, defaultTextMapGetter],
      [42, defaultTextMapGetter],
      ['string carrier', defaultTextMapGetter],
      [{ traceparent: VALID }, throwingGetter],
      [{ traceparent: VALID }, undefined],
      [{ traceparent: { toString: () => VALID } }, defaultTextMapGetter],
      [{ traceparent: 'x'.repeat(10240), tracestate: 'y'.repeat(10240) }, defaultTextMapGetter],
    ];
    for (const [carrier, getter] of cases) {
      assert.equal(traceContextPropagator.extract(ROOT_CONTEXT, carrier, getter), ROOT_CONTEXT);
    }
  });
});

describe('tracecontext inject', () => {
  const base = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED };

  const flagCases = [
    [TraceFlags.SAMPLED, '01'],
    [TraceFlags.NONE, '00'],
    [0xff, '01'],
    [0xfe, '00'],
    [0x02, '00'],
    [undefined, '00'],
  ];
  for (const [traceFlags, expected] of flagCases) {
    it(`writes version 00 with flags ${expected} for traceFlags ${traceFlags}`, () => {
      const carrier = inject({ ...base, traceFlags });
      assert.equal(carrier.traceparent, `00-${TRACE_ID}-${SPAN_ID}-${expected}`);
      assert.equal(carrier.tracestate, undefined);
    });
  }

  it('writes tracestate when not empty', () => {
    const traceState = TraceState.empty().set('b', '2').set('a', '1');
    assert.equal(inject({ ...base, traceState }).tracestate, 'a=1,b=2');
    assert.equal(inject({ ...base, traceState: TraceState.empty() }).tracestate, undefined);
  });

  it('writes a foreign TraceState only when it is valid', () => {
    const good = { serialize: () => 'x=1', get() {}, set() { return this; }, unset() { return this; } };
    const bad = { serialize: () => 'X=1\r\nevil: yes', get() {}, set() { return this; }, unset() { return this; } };
    assert.equal(inject({ ...base, traceState: good }).tracestate, 'x=1');
    assert.equal(inject({ ...base, traceState: bad }).tracestate, undefined);
  });

  it('round-trips through extract', () => {
    const headers = { traceparent: `cc-${TRACE_ID}-${SPAN_ID}-03-future`, tracestate: ' rojo=1 ,, congo=2 ' };
    const ctx = traceContextPropagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    const carrier = {};
    traceContextPropagator.inject(ctx, carrier, defaultTextMapSetter);
    assert.deepEqual(carrier, { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: 'rojo=1,congo=2' });
  });

  const invalidContexts = [
    ['all-zero trace id', { ...base, traceId: '0'.repeat(32) }],
    ['all-zero span id', { ...base, spanId: '0'.repeat(16) }],
    ['upper-case trace id', { ...base, traceId: TRACE_ID.replace('1', 'A') + '' }],
    ['short trace id', { ...base, traceId: 'abc' }],
    ['non-string span id', { ...base, spanId: 1234567890123456 }],
  ];
  for (const [name, spanContext] of invalidContexts) {
    it(`writes nothing for ${name}`, () => {
      assert.deepEqual(inject(spanContext), {});
    });
  }

  it('writes nothing without a span', () => {
    const carrier = {};
    traceContextPropagator.inject(ROOT_CONTEXT, carrier, defaultTextMapSetter);
    assert.deepEqual(carrier, {});
  });

  it('writes nothing when tracing is suppressed', () => {
    assert.deepEqual(inject(base, suppressTracing(ROOT_CONTEXT)), {});
  });

  it('never throws on hostile carriers and setters', () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, base);
    const throwingSetter = { set() { throw new Error('boom'); } };
    for (const [carrier, setter] of [
      [undefined, defaultTextMapSetter],
      [42, defaultTextMapSetter],
      [Object.freeze({}), defaultTextMapSetter],
      [{}, throwingSetter],
      [{}, undefined],
    ]) {
      traceContextPropagator.inject(ctx, carrier, setter);
    }
    traceContextPropagator.inject(undefined, {}, defaultTextMapSetter);
  });

  it('lists its fields', () => {
    assert.deepEqual(traceContextPropagator.fields(), [TRACEPARENT_HEADER, TRACESTATE_HEADER]);
  });
});
