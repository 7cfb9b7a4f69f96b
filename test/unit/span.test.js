'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const api = require('@opentelemetry/api');
const { memoryProvider } = require('../support/core.js');

const { SpanKind, SpanStatusCode, TraceFlags, ROOT_CONTEXT, trace } = api;

test('a span records name, kind, attributes, events, links and status, and ends once', () => {
  const { tracer, finished } = memoryProvider();
  const linked = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 };
  const span = tracer.startSpan('process-payment', {
    kind: SpanKind.CLIENT, attributes: { 'order.id': 'o-1', 'payment.amount': 99.99, retries: 2, ok: true, tags: ['a', 'b'] },
    links: [{ context: linked, attributes: { 'messaging.message.id': 'm1' } }],
  }, ROOT_CONTEXT);
  span.addEvent('payment.validation.started', { 'validation.rules': 'amount,currency,card' });
  span.addLink({ context: { ...linked, spanId: 'c'.repeat(16) } });
  span.setAttribute('payment.status', 'success');
  span.setStatus({ code: SpanStatusCode.OK });
  span.setStatus({ code: SpanStatusCode.ERROR, message: 'ignored: OK is final' });
  span.updateName('process-payment-2');
  assert.equal(span.isRecording(), true);
  span.end();
  span.end();
  span.setAttribute('late', 1);
  assert.equal(span.isRecording(), false);
  assert.equal(finished.length, 1);
  const s = finished[0];
  assert.equal(s.name, 'process-payment-2');
  assert.equal(s.kind, SpanKind.CLIENT);
  assert.equal(s.parentSpanId, undefined);
  assert.equal(s.attributes['payment.amount'], 99.99);
  assert.deepEqual(s.attributes.tags, ['a', 'b']);
  assert.equal(s.attributes.late, undefined);
  assert.equal(s.events[0].name, 'payment.validation.started');
  assert.equal(s.links.length, 2);
  assert.deepEqual(s.status, { code: SpanStatusCode.OK });
  assert.ok(s.endTime >= s.startTime);
  assert.match(s.spanContext.traceId, /^[0-9a-f]{32}$/);
  assert.match(s.spanContext.spanId, /^[0-9a-f]{16}$/);
  assert.equal(s.spanContext.traceFlags, TraceFlags.SAMPLED);
  assert.equal(s.scope.name, 'unit-test');
});

test('children share the trace id and point at their parent; a remote parent is flagged', () => {
  const { tracer, finished } = memoryProvider();
  const parent = tracer.startSpan('parent', {}, ROOT_CONTEXT);
  const child = tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, parent));
  child.end();
  parent.end();
  assert.equal(finished[0].spanContext.traceId, finished[1].spanContext.traceId);
  assert.equal(finished[0].parentSpanId, finished[1].spanContext.spanId);
  assert.equal(finished[0].parentIsRemote, false);
  const remote = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true };
  tracer.startSpan('server', {}, trace.setSpanContext(ROOT_CONTEXT, remote)).end();
  assert.equal(finished[2].spanContext.traceId, remote.traceId);
  assert.equal(finished[2].parentSpanId, remote.spanId);
  assert.equal(finished[2].parentIsRemote, true);
  tracer.startSpan('root', { root: true }, trace.setSpanContext(ROOT_CONTEXT, remote)).end();
  assert.notEqual(finished[3].spanContext.traceId, remote.traceId);
});

test('recordException adds an exception event with type, message and stacktrace', () => {
  const { tracer, finished } = memoryProvider();
  const span = tracer.startSpan('x', {}, ROOT_CONTEXT);
  class PaymentDeclined extends Error { constructor(m) { super(m); this.name = 'PaymentDeclined'; } }
  span.recordException(new PaymentDeclined('card declined'));
  span.recordException('plain string');
  span.setStatus({ code: SpanStatusCode.ERROR, message: 'Payment declined' });
  span.end();
  const [e1, e2] = finished[0].events;
  assert.equal(e1.name, 'exception');
  assert.equal(e1.attributes['exception.type'], 'PaymentDeclined');
  assert.equal(e1.attributes['exception.message'], 'card declined');
  assert.match(e1.attributes['exception.stacktrace'], /PaymentDeclined: card declined/);
  assert.equal(e2.attributes['exception.message'], 'plain string');
  assert.deepEqual(finished[0].status, { code: SpanStatusCode.ERROR, message: 'Payment declined' });
});

test('limits: attribute count and length, events, links, per-event and per-link attributes, with dropped counts', () => {
  const { tracer, finished } = memoryProvider({
    OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '2', OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '4', OTEL_SPAN_EVENT_COUNT_LIMIT: '1',
    OTEL_SPAN_LINK_COUNT_LIMIT: '1', OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: '1', OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: '1',
  });
  const ctx = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 };
  const span = tracer.startSpan('x', { attributes: { a: 'long value', b: ['abcdef', 'ab'] } }, ROOT_CONTEXT);
  span.setAttribute('c', 1);
  span.setAttribute('a', 'replaced');
  span.addEvent('e1', { x: 1, y: 2 });
  span.addEvent('e2');
  span.addLink({ context: ctx, attributes: { x: 1, y: 2 } });
  span.addLink({ context: ctx });
  span.end();
  const s = finished[0];
  assert.deepEqual(s.attributes, { a: 'repl', b: ['abcd', 'ab'] });
  assert.equal(s.droppedAttributesCount, 1);
  assert.equal(s.events.length, 1);
  assert.equal(s.droppedEventsCount, 1);
  assert.equal(s.events[0].droppedAttributesCount, 1);
  assert.equal(s.links.length, 1);
  assert.equal(s.droppedLinksCount, 1);
  assert.equal(s.links[0].droppedAttributesCount, 1);
});

test('array attribute values are copied when set: changing the array afterwards changes nothing recorded', () => {
  const { tracer, finished } = memoryProvider();
  const tags = ['a', 'b'];
  const codes = [1, 2];
  const eventItems = ['x'];
  const span = tracer.startSpan('s', { attributes: { tags } }, ROOT_CONTEXT);
  span.setAttribute('codes', codes);
  span.addEvent('e', { items: eventItems });
  tags.push('c');
  codes[0] = 99;
  eventItems.length = 0;
  span.end();
  assert.deepEqual(finished[0].attributes.tags, ['a', 'b']);
  assert.deepEqual(finished[0].attributes.codes, [1, 2]);
  assert.deepEqual(finished[0].events[0].attributes.items, ['x']);
});

test('invalid attributes are ignored, never thrown', () => {
  const { tracer, finished } = memoryProvider();
  const span = tracer.startSpan('x', {}, ROOT_CONTEXT);
  span.setAttribute('', 'empty key');
  span.setAttribute('obj', { nested: true });
  span.setAttribute('mixed', [1, 'a']);
  span.setAttribute('nul', null);
  span.setAttributes(null);
  span.addEvent(undefined);
  span.addLink(null);
  span.setStatus(undefined);
  span.end('not a time');
  assert.deepEqual(finished[0].attributes, {});
});

test('times: explicit start and end inputs, sub-millisecond precision, end never before start', () => {
  const { tracer, finished } = memoryProvider();
  const start = Date.UTC(2026, 1, 17, 10, 30);
  tracer.startSpan('a', { startTime: start }, ROOT_CONTEXT).end(start + 120.5);
  tracer.startSpan('b', { startTime: [start / 1000, 250_000] }, ROOT_CONTEXT).end(new Date(start - 5));
  assert.equal(finished[0].startTime, start);
  assert.equal(finished[0].endTime - finished[0].startTime, 120.5);
  assert.equal(finished[1].startTime, start + 0.25);
  assert.equal(finished[1].endTime, finished[1].startTime);
  const s = tracer.startSpan('c', {}, ROOT_CONTEXT);
  s.end();
  assert.notEqual(finished[2].startTime % 1, 0, 'sub-millisecond fraction present');
});

test('startActiveSpan makes the span active inside the callback', async () => {
  const { AsyncLocalContextManager } = require('../../dist/src/context.js');
  const cm = new AsyncLocalContextManager();
  api.context.setGlobalContextManager(cm);
  try {
    const { tracer } = memoryProvider();
    const result = await tracer.startActiveSpan('outer', async (span) => {
      await new Promise((r) => setTimeout(r, 1));
      assert.equal(trace.getActiveSpan(), span);
      span.end();
      return 42;
    });
    assert.equal(result, 42);
    assert.equal(trace.getActiveSpan(), undefined);
  } finally {
    api.context.disable();
  }
});

test('suppressed tracing yields an invalid non-recording span', () => {
  const { suppressTracing } = require('../../dist/src/suppress.js');
  const { tracer, finished } = memoryProvider();
  const span = tracer.startSpan('x', {}, suppressTracing(ROOT_CONTEXT));
  assert.equal(span.isRecording(), false);
  assert.equal(trace.isSpanContextValid(span.spanContext()), false);
  span.end();
  assert.equal(finished.length, 0);
});

test('attributes given by an instrumentation keep the count limit exact, though not counted when given', () => {
  const { giveAttributes } = require('../../dist/src/span.js');
  const { MAX_BUILT_KEYS } = require('../../dist/src/attributes.js');
  for (const limit of [MAX_BUILT_KEYS, MAX_BUILT_KEYS + 3, 128]) {
    const { tracer, finished } = memoryProvider({ OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: String(limit) });
    const span = tracer.startSpan('given', {}, ROOT_CONTEXT);
    giveAttributes(span, { 'http.request.method': 'GET', 'url.path': '/x', 'server.port': 80 });
    for (let i = 0; i < limit + 5; i++) span.setAttribute(`extra.${i}`, i);
    span.setAttribute('url.path', '/y'); // a key it has: replaced, never dropped
    span.end();
    const s = finished[0];
    assert.equal(Object.keys(s.attributes).length, limit, `limit ${limit}`);
    assert.equal(s.droppedAttributesCount, 8, `limit ${limit}`);
    assert.equal(s.attributes['url.path'], '/y');
    assert.equal(s.attributes[`extra.${limit - 4}`], limit - 4);
    assert.equal(s.attributes[`extra.${limit - 3}`], undefined);
  }
  // Below MAX_BUILT_KEYS, or with a length limit, the given object is checked as setAttributes would.
  const { tracer, finished } = memoryProvider({ OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '2', OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '3' });
  const span = tracer.startSpan('checked', {}, ROOT_CONTEXT);
  giveAttributes(span, { a: 'long', b: 1, c: 2 });
  span.end();
  assert.deepEqual(finished[0].attributes, { a: 'lon', b: 1 });
  assert.equal(finished[0].droppedAttributesCount, 1);
});

test('an ended span keeps nothing it recorded (the finished span has it all), nor does the server span info keep its framework request', () => {
  const { tracer, finished } = memoryProvider();
  const span = tracer.startSpan('kept-small', { attributes: { 'url.path': '/orders/42' } }, ROOT_CONTEXT);
  span.addEvent('e', { n: 1 });
  span.addLink({ context: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 } });
  assert.equal(span.getAttribute('url.path'), '/orders/42');
  span.end();
  // Contexts that held the span can outlive its request: the span object must not hold its data there.
  assert.equal(span.getAttribute('url.path'), undefined);
  assert.deepEqual(Object.keys(span.attrs.values), []);
  assert.equal(span.events, undefined);
  assert.equal(span.links, undefined);
  // Calls after the end still do nothing and throw nothing.
  span.setAttribute('late', 1);
  span.setAttributes({ later: 2 });
  span.addEvent('late');
  span.addLink({ context: { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: 1 } });
  const s = finished[0];
  assert.deepEqual(s.attributes, { 'url.path': '/orders/42' });
  assert.equal(s.events.length, 1);
  assert.equal(s.links.length, 1);

  const { beforeServerSpanEnds, runBeforeServerSpanEnds } = require('../../dist/src/server-span.js');
  const server = tracer.startSpan('GET', {}, ROOT_CONTEXT);
  const info = { span: server, method: 'GET', route: undefined, beforeEnd: undefined, beforeEndArg: undefined };
  const request = { url: '/orders/42' };
  const seen = [];
  assert.equal(beforeServerSpanEnds(info, (arg) => seen.push(arg), request), true);
  runBeforeServerSpanEnds(info);
  runBeforeServerSpanEnds(info);
  assert.deepEqual(seen, [request]);
  assert.equal(info.beforeEndArg, undefined);
  assert.equal(info.beforeEnd, undefined);
});
