'use strict';
// 200 concurrent requests through keep-alive connections, client -> front ->
// back in one process with the real preload: every request is its own trace of
// exactly four spans, and no span is parented across requests.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { startOtlpReceiver } = require('../../dist/src/export/otlp-receiver.js');
const { runApp, otlpEnv } = require('../support/run-app.js');

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'http');
const COUNT = 200;
const SERVER = 1;
const CLIENT = 2;

let receiver;
test.before(async () => { receiver = await startOtlpReceiver({}); });
test.after(() => receiver.close());

/** The request number a span belongs to, from its path: /front/17 or /back/17. */
function requestNumber(span) {
  const where = span.kind === SERVER ? span.attributes['url.path'] : new URL(span.attributes['url.full']).pathname;
  return where.split('/')[2];
}

function checkTrace(spans) {
  const byId = new Map(spans.map((s) => [s.spanContext.spanId, s]));
  const root = spans.find((s) => s.parentSpanId === undefined);
  assert.ok(root, 'a root span');
  assert.equal(root.kind, CLIENT);
  const chain = [root];
  for (let span = root; chain.length < 4;) {
    const child = spans.find((s) => s.parentSpanId === span.spanContext.spanId);
    assert.ok(child, `child of span ${chain.length}`);
    chain.push(child);
    span = child;
  }
  assert.deepEqual(chain.map((s) => s.kind), [CLIENT, SERVER, CLIENT, SERVER]);
  assert.deepEqual(chain.map((s) => s.attributes['url.path'] ?? new URL(s.attributes['url.full']).pathname.split('/')[1]),
    ['front', '/front/' + requestNumber(root), 'back', '/back/' + requestNumber(root)]);
  for (const span of spans) assert.ok(span.parentSpanId === undefined || byId.has(span.parentSpanId));
}

for (const [file, preload] of [['concurrent.cjs', 'require'], ['concurrent.mjs', 'import']]) {
  test(`${file}: ${COUNT} concurrent keep-alive requests, each its own trace, no cross-parenting`, async () => {
    receiver.clear();
    const result = await runApp(path.join(FIXTURES, file), { preload, env: otlpEnv(receiver, { COUNT: String(COUNT) }) });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `correct ${COUNT} of ${COUNT}\n`);
    const spans = await receiver.waitForSpans((s) => s.length >= 4 * COUNT, 15000);
    assert.equal(spans.length, 4 * COUNT);
    const traces = new Map();
    for (const span of spans) {
      const list = traces.get(span.spanContext.traceId) ?? [];
      list.push(span);
      traces.set(span.spanContext.traceId, list);
    }
    assert.equal(traces.size, COUNT);
    const numbers = new Set();
    for (const list of traces.values()) {
      assert.equal(list.length, 4);
      // All four spans of a trace name the same request number.
      assert.equal(new Set(list.map(requestNumber)).size, 1);
      numbers.add(requestNumber(list[0]));
      checkTrace(list);
    }
    assert.equal(numbers.size, COUNT);
  });
}
