'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { ROOT_CONTEXT, trace } = require('@opentelemetry/api');
const { createSampler, traceIdRatio } = require('../../dist/src/sampling.js');
const { memoryProvider } = require('../support/core.js');
const { newTraceId } = require('../../dist/src/ids.js');

const DROP = 0;
const SAMPLE = 2;
const sampledParent = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1, isRemote: true };
const unsampledParent = { ...sampledParent, traceFlags: 0 };

test('built-in samplers decide per the SDK specification', () => {
  const cases = [
    ['always_on', undefined, SAMPLE],
    ['always_on', unsampledParent, SAMPLE],
    ['always_off', sampledParent, DROP],
    ['parentbased_always_on', undefined, SAMPLE],
    ['parentbased_always_on', sampledParent, SAMPLE],
    ['parentbased_always_on', unsampledParent, DROP],
    ['parentbased_always_off', undefined, DROP],
    ['parentbased_always_off', sampledParent, SAMPLE],
    ['parentbased_traceidratio', sampledParent, SAMPLE],
  ];
  for (const [name, parent, expected] of cases) {
    const d = createSampler(name, 0).shouldSample({ parent, traceId: newTraceId(), name: 'x', kind: 0 });
    assert.equal(d, expected, `${name} with ${parent ? parent.traceFlags : 'no'} parent`);
  }
});

test('traceidratio samples about the ratio, deterministically by trace id', () => {
  const s = traceIdRatio(0.25);
  let sampled = 0;
  for (let i = 0; i < 20000; i++) {
    const traceId = newTraceId();
    const d = s.shouldSample({ traceId });
    assert.equal(s.shouldSample({ traceId }), d);
    if (d === SAMPLE) sampled++;
  }
  assert.ok(sampled > 4400 && sampled < 5600, `sampled ${sampled} of 20000`);
  assert.equal(traceIdRatio(0).shouldSample({ traceId: 'f'.repeat(32) }), DROP);
  assert.equal(traceIdRatio(1).shouldSample({ traceId: 'f'.repeat(32) }), SAMPLE);
});

test('an unsampled span records nothing but still carries its context', () => {
  const { tracer, finished } = memoryProvider({}, 'parentbased_always_on');
  const span = tracer.startSpan('x', {}, trace.setSpanContext(ROOT_CONTEXT, unsampledParent));
  assert.equal(span.isRecording(), false);
  assert.equal(span.spanContext().traceId, unsampledParent.traceId);
  assert.notEqual(span.spanContext().spanId, unsampledParent.spanId);
  assert.equal(span.spanContext().traceFlags, 0);
  span.setAttribute('a', 1);
  span.end();
  assert.equal(finished.length, 0);
});
