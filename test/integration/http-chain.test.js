'use strict';
// Three services, each its own process with the real preload: the test calls A
// with a traceparent, tracestate and baggage; A calls B with http.get (CJS), B
// calls C with the global fetch (ESM). One trace, correct parents and kinds, and
// C receives the tracestate and baggage intact.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { startOtlpReceiver } = require('../../dist/src/export/otlp-receiver.js');
const { get } = require('../support/http-get.js');
const { startApp, otlpEnv } = require('../support/run-app.js');

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'http');
const SERVER = 1;
const CLIENT = 2;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';
const TRACESTATE = 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7';
const BAGGAGE = 'user.id=42,tenant=acme;tier=gold';

let receiver;
const apps = [];

async function startService(file, preload, role, name, next) {
  const env = otlpEnv(receiver, { ROLE: role, OTEL_SERVICE_NAME: name, ...(next ? { NEXT_URL: next } : {}) });
  const app = startApp(path.join(FIXTURES, file), { preload, env });
  apps.push(app);
  const [, port] = await app.waitForLine(/listening (\d+)/);
  return { app, url: `http://127.0.0.1:${port}` };
}

test.before(async () => { receiver = await startOtlpReceiver({}); });
test.after(async () => {
  for (const { child, exited } of apps) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
  await receiver.close();
});

test('A -http-> B -fetch-> C: one trace, parents and kinds right, tracestate and baggage intact at C', async () => {
  const c = await startService('service.cjs', 'import', 'c', 'service-c');
  const b = await startService('service.mjs', 'import', 'b', 'service-b', c.url);
  const a = await startService('service.cjs', 'require', 'a', 'service-a', b.url);
  const res = await get(`${a.url}/start`, {
    traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01`,
    tracestate: TRACESTATE,
    baggage: BAGGAGE,
  });
  assert.deepEqual(res, { status: 200, body: 'a>b>c' });

  const [, json] = await c.app.waitForLine(/headers (.*)\n/);
  const received = JSON.parse(json);
  assert.equal(received.traceparent.split('-')[1], TRACE_ID);
  assert.equal(received.tracestate, TRACESTATE);
  assert.deepEqual(received.baggage.split(',').sort(), BAGGAGE.split(',').sort());

  const byService = (spans, name, kind) => spans.filter((s) => s.resource.attributes['service.name'] === name && s.kind === kind);
  const spans = await receiver.waitForSpans((all) => ['service-a', 'service-b'].every((n) =>
    byService(all, n, SERVER).length === 1 && byService(all, n, CLIENT).length === 1) &&
    byService(all, 'service-c', SERVER).length === 1, 10000);
  for (const span of spans) assert.equal(span.spanContext.traceId, TRACE_ID, `${span.name} of ${span.resource.attributes['service.name']}`);
  const [aServer] = byService(spans, 'service-a', SERVER);
  const [aClient] = byService(spans, 'service-a', CLIENT);
  const [bServer] = byService(spans, 'service-b', SERVER);
  const [cServer] = byService(spans, 'service-c', SERVER);
  assert.equal(aServer.parentSpanId, CALLER_SPAN_ID);
  assert.equal(aServer.parentIsRemote, true);
  assert.equal(aClient.parentSpanId, aServer.spanContext.spanId);
  assert.equal(bServer.parentSpanId, aClient.spanContext.spanId);
  assert.equal(aClient.attributes['url.full'], `${b.url}/from-a`);
  assert.equal(cServer.attributes['url.path'], '/from-b');
  // C's parent is the span whose id C received in traceparent.
  assert.equal(cServer.parentSpanId, received.traceparent.split('-')[2]);
  // B's CLIENT span comes from the fetch instrumentation (undici's channels).
  const [bClient] = byService(spans, 'service-b', CLIENT);
  assert.equal(bClient.scope.name, 'spanwise/fetch');
  assert.equal(bClient.parentSpanId, bServer.spanContext.spanId);
  assert.equal(cServer.parentSpanId, bClient.spanContext.spanId);
  assert.equal(spans.length, 5);
});
