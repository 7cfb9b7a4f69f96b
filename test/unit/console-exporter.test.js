'use strict';
// The console exporter: holds spans per trace until the trace looks complete.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { SpanKind, SpanStatusCode } = require('@opentelemetry/api');
const { createConsoleExporter } = require('../../dist/src/export/console-exporter.js');
const { setLogLevel } = require('../../dist/src/log.js');
const { makeSpan } = require('../support/finished-spans.js');

const T1 = '4bf92f3577b34da6a3ce929d0e0e4736';
const T2 = '0af7651916cd43dd8448eb211c80319c';
const EPOCH = 1_700_000_000_000;

// The exporter's timers are unref'd by design; this keeps the test process
// alive while a test waits for one of them.
let keepTestProcessAlive;
before(() => {
  keepTestProcessAlive = setInterval(() => {}, 60_000);
});
after(() => clearInterval(keepTestProcessAlive));

/** A FinishedSpan built by hand; times are ms after EPOCH. */
function span({ id, parent, remote = false, name, trace = T1, start = 0, end = 10 }) {
  return makeSpan({
    name,
    kind: parent === undefined || remote ? SpanKind.SERVER : SpanKind.INTERNAL,
    spanContext: { traceId: trace, spanId: id.padStart(16, '0'), traceFlags: 1 },
    parentSpanId: parent === undefined ? undefined : parent.padStart(16, '0'),
    parentIsRemote: remote,
    startTime: EPOCH + start,
    endTime: EPOCH + end,
    status: { code: SpanStatusCode.UNSET },
    resource: { attributes: { 'service.name': 'order-service' } },
    scope: { name: 'test' },
  });
}

/** An exporter writing into `out`, and a promise for its next write. */
function recorder(options) {
  const out = [];
  let waiting;
  const exporter = createConsoleExporter({
    color: false,
    ...options,
    write: (text) => {
      out.push(text);
      if (waiting) waiting();
    },
  });
  const nextWrite = () => new Promise((resolve) => (waiting = resolve));
  return { exporter, out, nextWrite };
}

function header(text) {
  return text.split('\n')[0];
}

test('a trace split over batches is printed once, after its root arrived', async () => {
  const { exporter, out, nextWrite } = recorder({ quietMs: 20, maxWaitMs: 60_000 });
  await exporter.export([span({ id: '3', parent: '2', name: 'SELECT stock', start: 3, end: 5 })]);
  await exporter.export([span({ id: '2', parent: '1', name: 'check-inventory', start: 2, end: 8 })]);
  assert.deepEqual(out, [], 'nothing printed before the root arrived');

  const written = nextWrite();
  await exporter.export([span({ id: '1', name: 'POST /api/orders', start: 0, end: 10 })]);
  await written;
  assert.equal(out.length, 1);
  assert.equal(header(out[0]), `Trace ${T1}  10 ms  3 spans`);
  assert.match(out[0], /\n {4}\+-- order-service - SELECT stock /);
  await exporter.shutdown();
  assert.equal(out.length, 1, 'nothing left to print at shutdown');
});

test('a server span with a remote parent counts as the local root', async () => {
  const { exporter, out, nextWrite } = recorder({ quietMs: 0, maxWaitMs: 60_000 });
  const written = nextWrite();
  await exporter.export([
    span({ id: '2', parent: '1', name: 'validate-order', start: 1, end: 2 }),
    span({ id: '1', parent: 'abc', remote: true, name: 'POST /orders', start: 0, end: 3 }),
  ]);
  await written;
  assert.equal(header(out[0]), `Trace ${T1}  3.00 ms  2 spans`);
  await exporter.shutdown();
});

test('only complete traces are printed; the others keep waiting', async () => {
  const { exporter, out, nextWrite } = recorder({ quietMs: 10, maxWaitMs: 60_000 });
  const written = nextWrite();
  await exporter.export([
    span({ id: 'b', parent: 'a', name: 'child of a running root', trace: T2 }),
    span({ id: '1', name: 'done', trace: T1 }),
  ]);
  await written;
  assert.equal(out.length, 1);
  assert.equal(header(out[0]), `Trace ${T1}  10 ms  1 span`);
  await exporter.shutdown();
  assert.equal(out.length, 2);
  assert.equal(header(out[1]), `Trace ${T2}  10 ms  1 span`);
});

test('a trace whose root never arrives is printed after maxWaitMs', async () => {
  const { exporter, out, nextWrite } = recorder({ quietMs: 10, maxWaitMs: 30 });
  const written = nextWrite();
  await exporter.export([span({ id: '2', parent: '1', name: 'orphan' })]);
  await written;
  assert.match(out[0], /order-service - orphan/);
  await exporter.shutdown();
  assert.equal(out.length, 1);
});

test('shutdown prints everything still buffered, in one write', async () => {
  const { exporter, out } = recorder({ quietMs: 60_000, maxWaitMs: 60_000 });
  await exporter.export([span({ id: '1', name: 'root one', trace: T1 })]);
  await exporter.export([span({ id: '2', parent: 'x', name: 'part of two', trace: T2, start: 20, end: 30 })]);
  assert.deepEqual(out, []);
  await exporter.shutdown();
  assert.equal(out.length, 1);
  assert.deepEqual(out[0].split('\n').filter((l) => l.startsWith('Trace ')), [
    `Trace ${T1}  10 ms  1 span`,
    `Trace ${T2}  10 ms  1 span`,
  ]);
  // Spans arriving after shutdown are printed at once.
  await exporter.export([span({ id: '3', name: 'late', trace: T2 })]);
  assert.equal(out.length, 2);
  await exporter.shutdown();
});

test('the buffer is bounded: extra spans are dropped, counted and reported once', async () => {
  const { exporter, out } = recorder({ quietMs: 60_000, maxWaitMs: 60_000, maxBufferedSpans: 5 });
  const original = process.stderr.write;
  let stderr = '';
  process.stderr.write = (chunk) => {
    stderr += String(chunk);
    return true;
  };
  try {
    for (let batch = 0; batch < 3; batch++) {
      const spans = [];
      for (let i = 0; i < 3; i++) spans.push(span({ id: `${batch}${i}`, parent: 'ff', name: `s${batch}${i}` }));
      assert.deepEqual(await exporter.export(spans), { ok: true });
    }
  } finally {
    process.stderr.write = original;
  }
  assert.equal(stderr.match(/console exporter: more than 5 spans/g)?.length, 1, stderr);
  await exporter.shutdown();
  assert.equal(header(out[0]), `Trace ${T1}  10 ms  5 spans`);
});

test('bad input is ignored', async () => {
  const { exporter, out } = recorder({});
  assert.deepEqual(await exporter.export([]), { ok: true });
  assert.deepEqual(await exporter.export(undefined), { ok: true });
  assert.deepEqual(await exporter.export([null, { name: 'no context' }]), { ok: true });
  await exporter.shutdown();
  assert.deepEqual(out, []);
});

test('a throwing writer does not break export', async () => {
  const exporter = createConsoleExporter({ write: () => { throw new Error('EPIPE'); }, quietMs: 0 });
  setLogLevel('none');
  try {
    assert.deepEqual(await exporter.export([span({ id: '1', name: 'root' })]), { ok: true });
    await exporter.shutdown();
  } finally {
    setLogLevel('warn');
  }
});
