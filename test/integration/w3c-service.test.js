'use strict';
// The W3C Trace Context suite's service under test, run with the real preload:
// it forwards the incoming context (same trace id, its own parent id, tracestate
// intact), and starts a new trace for an invalid traceparent without failing.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const path = require('node:path');
const { startApp } = require('../support/run-app.js');

const SERVICE = path.join(__dirname, '..', '..', 'conformance', 'w3c-trace-context-service.js');
let app;
let port;
let harness;
const received = [];

test.before(async () => {
  harness = http.createServer((req, res) => {
    req.resume();
    received.push({ traceparent: req.headers.traceparent, tracestate: req.headers.tracestate });
    res.end();
  });
  await new Promise((r) => harness.listen(0, '127.0.0.1', r));
  app = startApp(SERVICE, { preload: 'import', env: { PORT: '0', OTEL_TRACES_EXPORTER: 'none' } });
  port = Number((await app.waitForLine(/listening (\d+)/))[1]);
});

test.after(async () => {
  app.child.kill('SIGTERM');
  await app.exited;
  harness.close();
});

function drive(headers) {
  const body = JSON.stringify([{ url: `http://127.0.0.1:${harness.address().port}/cb`, arguments: [] }]);
  return new Promise((resolve, reject) => {
    const req = http.request({ port, host: '127.0.0.1', path: '/test', method: 'POST', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('a valid context is continued: same trace id, new parent id, tracestate intact', async () => {
  received.length = 0;
  const status = await drive({
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
  });
  assert.equal(status, 200);
  const [out] = received;
  const [version, traceId, parentId, flags] = out.traceparent.split('-');
  assert.equal(version, '00');
  assert.equal(traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.notEqual(parentId, '00f067aa0ba902b7');
  assert.equal(flags, '01');
  assert.equal(out.tracestate, 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
});

test('an invalid traceparent restarts the trace and drops tracestate', async () => {
  received.length = 0;
  const status = await drive({ traceparent: '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', tracestate: 'foo=1' });
  assert.equal(status, 200);
  const [out] = received;
  assert.match(out.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  assert.notEqual(out.traceparent.split('-')[1], '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(out.tracestate, undefined);
});

test('an unsampled context stays unsampled and is still propagated', async () => {
  received.length = 0;
  await drive({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00' });
  const [version, traceId, , flags] = received[0].traceparent.split('-');
  assert.equal(version, '00');
  assert.equal(traceId, '0af7651916cd43dd8448eb211c80319c');
  assert.equal(flags, '00');
});
