'use strict';
// The OTLP/HTTP trace receiver, driven with node's fetch.
const test = require('node:test');
const assert = require('node:assert/strict');
const { gzipSync } = require('node:zlib');
const { context } = require('@opentelemetry/api');
const { startOtlpReceiver, MAX_BODY_BYTES } = require('../../dist/src/export/otlp-receiver.js');
const { encodeTraceRequestProtobuf } = require('../../dist/src/export/otlp-protobuf.js');
const { encodeTraceRequestJson } = require('../../dist/src/export/otlp-json.js');
const { AsyncLocalContextManager } = require('../../dist/src/context.js');
const { isTracingSuppressed } = require('../../dist/src/suppress.js');
const { fixtureSpans, makeSpan } = require('../support/finished-spans.js');

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

// A real context manager, so the suppression the handler sets can be observed.
const contextManager = new AsyncLocalContextManager();
context.setGlobalContextManager(contextManager.enable());
test.after(() => context.disable());

function post(receiver, body, headers, path = '/v1/traces') {
  return fetch(receiver.url + path, { method: 'POST', body, headers });
}

test('accepts protobuf and answers with an empty protobuf ExportTraceServiceResponse', async (t) => {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  assert.match(receiver.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(receiver.url, `http://127.0.0.1:${receiver.port}`);
  const res = await post(receiver, encodeTraceRequestProtobuf(fixtureSpans()), { 'content-type': PROTOBUF });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), PROTOBUF);
  assert.equal((await res.arrayBuffer()).byteLength, 0);
  assert.equal(receiver.spans.length, 5);
  assert.equal(receiver.requestCount, 1);
  const server = receiver.spans.find((s) => s.name === 'POST /api/orders');
  assert.equal(server.resource.attributes['service.name'], 'checkout');
  assert.equal(server.kind, 1);
});

test('accepts JSON (with a charset parameter) and answers {}', async (t) => {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  const res = await post(receiver, encodeTraceRequestJson(fixtureSpans()), { 'content-type': 'application/json; charset=utf-8' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), JSON_TYPE);
  assert.deepEqual(await res.json(), {});
  assert.deepEqual(receiver.spans.map((s) => s.name).sort(), ['POST /api/orders', 'SELECT stock', 'c', 'order.created publish', 'validate-order']);
});

test('accepts gzip-compressed bodies in both encodings', async (t) => {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  const one = [makeSpan({ name: 'zipped-protobuf' })];
  const two = [makeSpan({ name: 'zipped-json' })];
  const a = await post(receiver, gzipSync(encodeTraceRequestProtobuf(one)), { 'content-type': PROTOBUF, 'content-encoding': 'gzip' });
  const b = await post(receiver, gzipSync(encodeTraceRequestJson(two)), { 'content-type': JSON_TYPE, 'content-encoding': 'gzip' });
  assert.deepEqual([a.status, b.status], [200, 200]);
  assert.deepEqual(receiver.spans.map((s) => s.name), ['zipped-protobuf', 'zipped-json']);
});

test('errors: garbage 400, wrong path 404, wrong method 405, wrong type or encoding 415', async (t) => {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  const cases = [
    ['garbage protobuf', () => post(receiver, Uint8Array.of(0x0a, 0xff), { 'content-type': PROTOBUF }), 400],
    ['garbage JSON', () => post(receiver, '{"resourceSpans":', { 'content-type': JSON_TYPE }), 400],
    ['bad gzip', () => post(receiver, 'not gzip', { 'content-type': JSON_TYPE, 'content-encoding': 'gzip' }), 400],
    ['wrong path', () => post(receiver, '{}', { 'content-type': JSON_TYPE }, '/v1/metrics'), 404],
    ['GET', () => fetch(receiver.url + '/v1/traces'), 405],
    ['text/plain', () => post(receiver, '{}', { 'content-type': 'text/plain' }), 415],
    ['brotli', () => post(receiver, '{}', { 'content-type': JSON_TYPE, 'content-encoding': 'br' }), 415],
  ];
  for (const [name, send, status] of cases) {
    const res = await send();
    assert.equal(res.status, status, name);
    await res.arrayBuffer();
  }
  // The 400 body is a google.rpc.Status in the request's encoding.
  const res = await post(receiver, '[1]', { 'content-type': JSON_TYPE });
  const body = await res.json();
  assert.equal(body.code, 3);
  assert.match(body.message, /invalid OTLP JSON/);
  assert.equal(receiver.spans.length, 0);
  assert.equal(receiver.requestCount, 0);
});

test('bodies over the limit get 413, before or after decompression', async (t) => {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  const big = Buffer.alloc(MAX_BODY_BYTES + 1);
  const res = await post(receiver, big, { 'content-type': PROTOBUF });
  assert.equal(res.status, 413);
  await res.arrayBuffer();
  const bomb = gzipSync(Buffer.alloc(MAX_BODY_BYTES + 1024));
  const zipped = await post(receiver, bomb, { 'content-type': PROTOBUF, 'content-encoding': 'gzip' });
  assert.equal(zipped.status, 413);
  await zipped.arrayBuffer();
  // The receiver still works afterwards.
  const ok = await post(receiver, encodeTraceRequestProtobuf([makeSpan({})]), { 'content-type': PROTOBUF });
  assert.equal(ok.status, 200);
});

test('waitForSpans resolves once the predicate holds, and times out otherwise', async (t) => {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  const waiting = receiver.waitForSpans((spans) => spans.some((s) => s.name === 'second'), 5000);
  await post(receiver, encodeTraceRequestProtobuf([makeSpan({ name: 'first' })]), { 'content-type': PROTOBUF });
  await post(receiver, encodeTraceRequestJson([makeSpan({ name: 'second' })]), { 'content-type': JSON_TYPE });
  const spans = await waiting;
  assert.deepEqual(spans.map((s) => s.name), ['first', 'second']);
  // Already true: resolves at once, with a copy.
  const again = await receiver.waitForSpans((s) => s.length === 2, 1000);
  assert.notEqual(again, receiver.spans);
  await assert.rejects(receiver.waitForSpans((s) => s.length > 2, 50), /timed out after 50 ms with 2 spans/);
  receiver.clear();
  assert.equal(receiver.spans.length, 0);
  assert.equal(receiver.requestCount, 2, 'clear() keeps the request count');
});

test('onSpans sees each request, runs with tracing suppressed, and a throwing callback does not break the receiver', async (t) => {
  const seen = [];
  const receiver = await startOtlpReceiver({
    onSpans: (spans) => {
      seen.push([spans.map((s) => s.name), isTracingSuppressed()]);
      if (spans[0].name === 'throws') throw new Error('callback bug');
    },
  });
  t.after(() => receiver.close());
  const a = await post(receiver, encodeTraceRequestProtobuf([makeSpan({ name: 'throws' })]), { 'content-type': PROTOBUF });
  const b = await post(receiver, encodeTraceRequestProtobuf([makeSpan({ name: 'fine' })]), { 'content-type': PROTOBUF });
  assert.deepEqual([a.status, b.status], [200, 200]);
  assert.deepEqual(seen, [[['throws'], true], [['fine'], true]]);
});

test('close() rejects pending waits and frees the port', async () => {
  const receiver = await startOtlpReceiver();
  const pending = receiver.waitForSpans(() => false, 10000);
  await receiver.close();
  await assert.rejects(pending, /closed/);
  const again = await startOtlpReceiver({ port: receiver.port });
  assert.equal(again.port, receiver.port);
  await again.close();
});

test('a port already in use rejects', async (t) => {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  await assert.rejects(startOtlpReceiver({ port: receiver.port }), /EADDRINUSE/);
});
