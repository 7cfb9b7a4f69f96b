'use strict';
// Global fetch (Node's bundled undici) and the undici package, traced through
// undici's diagnostics channels: a fixture app with its own node:http server
// runs each case inside a manual `case <name>` span, with the real preload,
// and the spans it exports are checked here. CommonJS and ESM variants.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { startOtlpReceiver } = require('../../dist/src/export/otlp-receiver.js');
const { runApp, otlpEnv } = require('../support/run-app.js');

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'fetch');
const CLIENT = 2;
const UNSET = 0;
const ERROR = 2;

// One CLIENT span is expected under each of these (`release` runs under read-body).
const SINGLE_CASES = [
  'success', 'not-found', 'server-error', 'refused', 'abort', 'timeout', 'socket-destroyed', 'purge',
  'app-traceparent', 'baggage', 'body-later', 'unread-small', 'unread-collected',
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => `concurrent-${i}`),
];
const UNDICI_CASES = ['undici-fetch', 'undici-request'];

let receiver;
test.before(async () => { receiver = await startOtlpReceiver({}); });
test.after(() => receiver.close());

/** What the fixture's server received, by the `case` query parameter. */
function serverLines(stdout) {
  const out = new Map();
  for (const m of stdout.matchAll(/^received (\S+) tp=(\S+) n=(\d+) bg=(\S+)$/gm)) {
    const name = new URL(m[1], 'http://x').searchParams.get('case');
    out.set(name, { traceparent: m[2], count: Number(m[3]), baggage: m[4] });
  }
  return out;
}

async function runFixture(file, preload, service) {
  const run = await runApp(path.join(FIXTURES, file), {
    preload,
    nodeArgs: ['--expose-gc'],
    env: otlpEnv(receiver, {
      OTEL_SERVICE_NAME: service,
      OTEL_INSTRUMENTATION_HTTP_CLIENT_CAPTURE_REQUEST_HEADERS: 'x-req,authorization',
      OTEL_INSTRUMENTATION_HTTP_CLIENT_CAPTURE_RESPONSE_HEADERS: 'x-res,set-cookie',
    }),
  });
  assert.equal(run.code, 0, `app failed:\n${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /^done$/m);
  const undiciLoaded = !run.stdout.includes('undici package unavailable');
  const cases = ['concurrent', ...SINGLE_CASES, ...(undiciLoaded ? UNDICI_CASES : [])];
  const mine = (spans) => spans.filter((s) => s.resource.attributes['service.name'] === service);
  const spans = mine(await receiver.waitForSpans((all) => {
    const names = new Set(mine(all).map((s) => s.name));
    return cases.every((c) => names.has(`case ${c}`));
  }, 10000));
  return { run, spans, undiciLoaded, server: serverLines(run.stdout) };
}

/** Lookups over one run's spans. */
function index(spans) {
  const named = (name) => {
    const found = spans.filter((s) => s.name === name);
    assert.equal(found.length, 1, `exactly one span named ${name}`);
    return found[0];
  };
  const childrenOf = (span) => spans.filter((s) => s.parentSpanId === span.spanContext.spanId);
  const clientOf = (caseName) => {
    const parent = named(`case ${caseName}`);
    const clients = childrenOf(parent).filter((s) => s.kind === CLIENT);
    assert.equal(clients.length, 1, `exactly one CLIENT span under case ${caseName}`);
    assert.equal(clients[0].spanContext.traceId, parent.spanContext.traceId);
    return clients[0];
  };
  return { named, childrenOf, clientOf };
}

const traceparentOf = (span) => `00-${span.spanContext.traceId}-${span.spanContext.spanId}-01`;

function checkSuccess({ clientOf }, server) {
  const span = clientOf('success');
  const a = span.attributes;
  assert.equal(span.name, 'GET');
  assert.equal(span.scope.name, 'spanwise/fetch');
  assert.equal(a['http.request.method'], 'GET');
  assert.equal(a['server.address'], '127.0.0.1');
  assert.equal(typeof a['server.port'], 'number');
  assert.equal(a['url.full'], `http://127.0.0.1:${a['server.port']}/ok?case=success&access_token=REDACTED&q=1`);
  assert.equal(a['network.peer.address'], '127.0.0.1');
  assert.equal(a['network.peer.port'], a['server.port']);
  assert.equal(a['network.protocol.version'], '1.1');
  assert.equal(a['http.response.status_code'], 200);
  assert.equal(a['error.type'], undefined);
  assert.equal(span.status.code, UNSET);
  assert.deepEqual(a['http.request.header.x-req'], ['q1']);
  assert.deepEqual(a['http.request.header.authorization'], ['REDACTED']);
  assert.deepEqual(a['http.response.header.x-res'], ['r1']);
  assert.deepEqual(a['http.response.header.set-cookie'], ['REDACTED']);
  assert.deepEqual(server.get('success'), { traceparent: traceparentOf(span), count: 1, baggage: '-' });
}

function checkFailures({ clientOf }) {
  for (const [name, code] of [['not-found', 404], ['server-error', 500]]) {
    const span = clientOf(name);
    assert.equal(span.attributes['http.response.status_code'], code);
    assert.equal(span.attributes['error.type'], String(code));
    assert.deepEqual(span.status, { code: ERROR }, `${name}: ERROR without a description`);
  }
  const refused = clientOf('refused');
  assert.equal(refused.attributes['error.type'], 'ECONNREFUSED');
  assert.equal(refused.attributes['http.response.status_code'], undefined);
  assert.equal(refused.status.code, ERROR);
  const timeout = clientOf('timeout');
  assert.equal(timeout.attributes['error.type'], 'timeout');
  assert.equal(timeout.status.code, ERROR);
  const destroyed = clientOf('socket-destroyed');
  assert.equal(destroyed.attributes['http.response.status_code'], 200);
  assert.equal(destroyed.attributes['error.type'], 'UND_ERR_SOCKET');
  assert.equal(destroyed.status.code, ERROR);
}

function checkAbort({ clientOf }, run) {
  assert.match(run.stdout, /^abort AbortError$/m);
  const span = clientOf('abort');
  assert.equal(span.status.code, UNSET, 'an abort is not an error');
  assert.equal(span.attributes['error.type'], undefined);
  assert.equal(span.attributes['http.response.status_code'], undefined);
}

function checkPropagation({ clientOf, named, childrenOf }, server) {
  const purge = clientOf('purge');
  assert.equal(purge.name, 'HTTP');
  assert.equal(purge.attributes['http.request.method'], '_OTHER');
  assert.equal(purge.attributes['http.request.method_original'], 'PURGE');
  // The app's own traceparent wins and is not duplicated; the span still exists.
  clientOf('app-traceparent');
  assert.deepEqual(server.get('app-traceparent'),
    { traceparent: '00-11111111111111111111111111111111-2222222222222222-01', count: 1, baggage: '-' });
  const baggage = clientOf('baggage');
  assert.deepEqual(server.get('baggage'), { traceparent: traceparentOf(baggage), count: 1, baggage: 'user.id=alice' });
  assert.equal(childrenOf(named('case suppressed')).length, 0, 'no span under a suppressed context');
  assert.deepEqual(server.get('suppressed'), { traceparent: '-', count: 0, baggage: '-' });
}

function checkBodyTiming({ clientOf, named, childrenOf }, run) {
  assert.match(run.stdout, /^body-later first last$/m);
  const slow = clientOf('body-later');
  const readBody = named('read-body');
  assert.equal(readBody.parentSpanId, named('case body-later').spanContext.spanId);
  assert.ok(slow.endTime >= readBody.startTime, 'the span ends when the body has been read, not at the headers');
  const release = childrenOf(readBody).filter((s) => s.kind === CLIENT);
  assert.equal(release.length, 1);
  assert.match(release[0].attributes['url.full'], /\/release\?case=release$/);
  assert.match(run.stdout, /^unread-small 200$/m);
  assert.equal(clientOf('unread-small').attributes['http.response.status_code'], 200);
  // Never read, never ended by the server: the GC's cleanup ends it, dated at its headers.
  assert.match(run.stdout, /^unread-collected 200$/m);
  const collected = clientOf('unread-collected');
  assert.equal(collected.status.code, UNSET);
  assert.equal(collected.attributes['http.response.status_code'], 200);
  assert.ok(collected.endTime <= named('after-headers').startTime, 'dated at the headers, not at the cleanup');
}

function checkConcurrent({ clientOf, named }, server) {
  const group = named('case concurrent');
  for (let i = 0; i < 8; i++) {
    const parent = named(`case concurrent-${i}`);
    assert.equal(parent.parentSpanId, group.spanContext.spanId);
    const span = clientOf(`concurrent-${i}`);
    assert.equal(server.get(`concurrent-${i}`).traceparent, traceparentOf(span));
  }
}

function checkUndiciPackage({ clientOf }, server, undiciLoaded, run) {
  if (!undiciLoaded) {
    // undici 8 (the devDependency) requires Node >= 22.19; on Node 20 only global fetch runs.
    const major = Number(run.stdout.match(/^node (\d+)\./m)[1]);
    assert.ok(major < 22, `the undici package should load on Node ${major}`);
    return;
  }
  for (const name of UNDICI_CASES) {
    const span = clientOf(name);
    assert.equal(span.attributes['http.response.status_code'], 200);
    assert.equal(server.get(name).traceparent, traceparentOf(span));
    assert.equal(server.get(name).count, 1);
  }
}

const VARIANTS = [
  { file: 'app.cjs', preload: 'require' },
  { file: 'app.mjs', preload: 'import' },
];

for (const { file, preload } of VARIANTS) {
  test(`fetch and undici requests become CLIENT spans (${file}, --${preload})`, async () => {
    receiver.clear();
    const { run, spans, undiciLoaded, server } = await runFixture(file, preload, `fetch-${preload}`);
    const idx = index(spans);
    checkSuccess(idx, server);
    checkFailures(idx);
    checkAbort(idx, run);
    checkPropagation(idx, server);
    checkBodyTiming(idx, run);
    checkConcurrent(idx, server);
    checkUndiciPackage(idx, server, undiciLoaded, run);
    // Nothing traced twice, nothing stray: every CLIENT span is one of those checked above.
    const expected = SINGLE_CASES.length + 1 + (undiciLoaded ? UNDICI_CASES.length : 0);
    assert.equal(spans.filter((s) => s.kind === CLIENT).length, expected);
  });
}
