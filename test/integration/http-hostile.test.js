'use strict';
// Hostile propagation headers sent to a server running with the real preload:
// none crashes it, an invalid traceparent starts a new trace, an invalid
// tracestate is dropped while its traceparent is kept (W3C Trace Context:
// "failure to parse tracestate MUST NOT affect the parsing of traceparent"),
// and an unsampled parent is honoured and still propagated.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { startOtlpReceiver } = require('../../dist/src/export/otlp-receiver.js');
const { get } = require('../support/http-get.js');
const { startApp, otlpEnv } = require('../support/run-app.js');

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'http', 'hostile.mjs');
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const VALID = `00-${TRACE_ID}-${SPAN_ID}-01`;
const manyMembers = Array.from({ length: 1000 }, (_, i) => `k${i}=v${i}`).join(',');

// [case, request headers (object, or raw array for repeated fields), expectation]
const CASES = [
  ['short-trace-id', { traceparent: `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01` }, 'new'],
  ['short-span-id', { traceparent: `00-${TRACE_ID}-${SPAN_ID.slice(1)}-01` }, 'new'],
  ['v00-too-long', { traceparent: `${VALID}-extra` }, 'new'],
  ['upper-case-hex', { traceparent: VALID.toUpperCase() }, 'new'],
  ['version-ff', { traceparent: `ff-${TRACE_ID}-${SPAN_ID}-01` }, 'new'],
  ['zero-trace-id', { traceparent: `00-${'0'.repeat(32)}-${SPAN_ID}-01` }, 'new'],
  ['zero-span-id', { traceparent: `00-${TRACE_ID}-${'0'.repeat(16)}-01` }, 'new'],
  ['not-hex', { traceparent: `00-${TRACE_ID.replace('a', 'g')}-${SPAN_ID}-01` }, 'new'],
  ['garbage', { traceparent: 'hello' }, 'new'],
  ['10kb-traceparent', { traceparent: VALID + 'x'.repeat(10 * 1024) }, 'new'],
  ['two-traceparents', ['traceparent', VALID, 'traceparent', `00-${TRACE_ID}-${'1'.repeat(16)}-01`], 'new'],
  ['10kb-other-header', { traceparent: VALID, 'x-junk': 'j'.repeat(10 * 1024) }, 'continue'],
  ['future-version', { traceparent: `cc-${TRACE_ID}-${SPAN_ID}-01-future-field` }, 'continue'],
  ['1000-tracestate-members', { traceparent: VALID, tracestate: manyMembers }, 'continue'],
  ['bad-tracestate-key', { traceparent: VALID, tracestate: 'Upper=1,ok=2' }, 'continue'],
  ['unsampled', { traceparent: `00-${TRACE_ID}-${SPAN_ID}-00`, tracestate: 'congo=t61rcWkgMzE' }, 'unsampled'],
];

let receiver;
let app;
let base;

test.before(async () => {
  receiver = await startOtlpReceiver({});
  app = startApp(FIXTURE, { preload: 'import', env: otlpEnv(receiver) });
  const [, port] = await app.waitForLine(/listening (\d+)/);
  base = `http://127.0.0.1:${port}`;
});

test.after(async () => {
  app.child.kill('SIGTERM');
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 3000);
  await app.exited;
  clearTimeout(timer);
  await receiver.close();
});

const spansOf = (spans, name) => spans.filter((s) => String(s.attributes['url.query']).includes(`case=${name}`) ||
  String(s.attributes['url.full']).includes(`case=${name}`));

test('hostile traceparent and tracestate headers: no crash, handled as the spec says', async (t) => {
  const echoes = new Map();
  for (const [name, headers] of CASES) {
    const res = await get(`${base}/down?case=${name}`, Array.isArray(headers) ? [...headers, 'host', 'x'] : headers);
    assert.equal(res.status, 200, name);
    echoes.set(name, JSON.parse(res.body));
  }
  const traced = CASES.filter(([, , expect]) => expect !== 'unsampled').length;
  // Per traced case: /down SERVER, its CLIENT, /echo SERVER.
  const spans = await receiver.waitForSpans((s) => s.length >= 3 * traced, 10000);
  for (const [name, , expect] of CASES) {
    await t.test(`${name}: ${expect}`, () => {
      const echo = echoes.get(name);
      const mine = spansOf(spans, name);
      if (expect === 'unsampled') {
        assert.equal(mine.length, 0);
        // Still propagated: same trace, not sampled, tracestate kept.
        assert.match(echo.traceparent, new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-00$`));
        assert.equal(echo.tracestate, 'congo=t61rcWkgMzE');
        return;
      }
      assert.equal(mine.length, 3);
      const down = mine.find((s) => s.kind === 1 && s.attributes['url.path'] === '/down');
      const client = mine.find((s) => s.kind === 2);
      const echoServer = mine.find((s) => s.kind === 1 && s.attributes['url.path'] === '/echo');
      assert.equal(client.parentSpanId, down.spanContext.spanId);
      assert.equal(echoServer.parentSpanId, client.spanContext.spanId);
      assert.equal(echo.traceparent, `00-${down.spanContext.traceId}-${client.spanContext.spanId}-01`);
      if (expect === 'new') {
        assert.equal(down.parentSpanId, undefined);
        assert.notEqual(down.spanContext.traceId, TRACE_ID);
      } else {
        assert.equal(down.spanContext.traceId, TRACE_ID);
        assert.equal(down.parentSpanId, SPAN_ID);
      }
      // An invalid tracestate is dropped as a whole; none was valid here.
      assert.equal(echo.tracestate, undefined);
    });
  }
  assert.equal(spans.length, 3 * traced);
  assert.equal(app.child.exitCode, null, 'the app is still running');
  assert.equal((await get(`${base}/down?case=after`, {})).status, 200);
});
