'use strict';
// renderWaterfall: tree order, indentation guides, timing bars, statuses, several traces.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { SpanKind, SpanStatusCode } = require('@opentelemetry/api');
const { renderWaterfall, formatDuration } = require('../../dist/src/export/waterfall.js');
const { makeSpan } = require('../support/finished-spans.js');

const T1 = '4bf92f3577b34da6a3ce929d0e0e4736';
const T2 = '0af7651916cd43dd8448eb211c80319c';
const EPOCH = 1_700_000_000_000;

/** A FinishedSpan built by hand; times are ms after EPOCH. */
function span({ id, parent, name, service = 'svc', kind = SpanKind.INTERNAL, start, end, status, trace = T1 }) {
  return makeSpan({
    name,
    kind,
    spanContext: { traceId: trace, spanId: id.padStart(16, '0'), traceFlags: 1 },
    parentSpanId: parent === undefined ? undefined : parent.padStart(16, '0'),
    parentIsRemote: false,
    startTime: EPOCH + start,
    endTime: EPOCH + end,
    status: status ?? { code: SpanStatusCode.UNSET },
    resource: { attributes: { 'service.name': service } },
    scope: { name: 'test' },
  });
}

// The seed's order flow, 0..100 ms so that a 10-column bar has 10 ms per column.
const ORDER = [
  span({ id: '1', name: 'POST /api/orders', service: 'api-gateway', kind: SpanKind.SERVER, start: 0, end: 100, status: { code: SpanStatusCode.OK } }),
  span({ id: '2', parent: '1', name: 'validate-order', service: 'order-service', start: 0, end: 10 }),
  span({ id: '3', parent: '1', name: 'check-inventory', service: 'order-service', start: 10, end: 40 }),
  span({ id: '4', parent: '3', name: 'GET /stock', service: 'inventory-service', kind: SpanKind.SERVER, start: 12, end: 38 }),
  span({ id: '5', parent: '4', name: 'SELECT stock', service: 'inventory-service', kind: SpanKind.CLIENT, start: 20, end: 28.5 }),
  span({
    id: '6', parent: '1', name: 'process-payment', service: 'order-service', kind: SpanKind.CLIENT, start: 40, end: 90,
    status: { code: SpanStatusCode.ERROR, message: 'Payment declined' },
  }),
  span({ id: '7', parent: '6', name: 'charge', service: 'payment-service', kind: SpanKind.SERVER, start: 41, end: 89, status: { code: SpanStatusCode.ERROR } }),
  span({ id: '8', parent: '1', name: 'send-confirmation', service: 'order-service', kind: SpanKind.PRODUCER, start: 90, end: 99.5 }),
  span({ id: '9', parent: '8', name: 'send-email', service: 'notification-service', kind: SpanKind.CONSUMER, start: 91, end: 99 }),
];

function shuffled(spans) {
  // Deterministic reversal plus a swap: input order must not matter.
  const copy = [...spans].reverse();
  [copy[0], copy[3]] = [copy[3], copy[0]];
  return copy;
}

function lines(text) {
  return text.split('\n').filter((line) => line !== '');
}

/** The label column of a span line: guides, service and name. */
function label(line) {
  return /^(.*?) {2,}(?:INTERNAL|SERVER|CLIENT|PRODUCER|CONSUMER) /.exec(line)[1];
}

function bar(line) {
  return line.slice(line.lastIndexOf('|', line.length - 2) + 1, -1);
}

test('a trace renders as a header and one line per span, depth first, children by start time', () => {
  const out = lines(renderWaterfall(shuffled(ORDER), { width: 10 }));
  assert.equal(out[0], `Trace ${T1}  100 ms  9 spans`);
  assert.deepEqual(out.slice(1).map(label), [
    'api-gateway - POST /api/orders',
    '+-- order-service - validate-order',
    '+-- order-service - check-inventory',
    '|   +-- inventory-service - GET /stock',
    '|       +-- inventory-service - SELECT stock',
    '+-- order-service - process-payment',
    '|   +-- payment-service - charge',
    '+-- order-service - send-confirmation',
    '    +-- notification-service - send-email',
  ]);
});

test('kind, duration and status columns', () => {
  const out = lines(renderWaterfall(ORDER, { width: 10 })).slice(1);
  const kindAt = out[0].indexOf('SERVER');
  const columns = out.map((line) => line.slice(kindAt, line.lastIndexOf('|', line.length - 2)).trim().split(/ {2,}/));
  assert.deepEqual(columns, [
    ['SERVER', '100 ms', 'OK'],
    ['INTERNAL', '10 ms'],
    ['INTERNAL', '30 ms'],
    ['SERVER', '26 ms'],
    ['CLIENT', '8.50 ms'],
    ['CLIENT', '50 ms', 'ERROR: Payment declined'],
    ['SERVER', '48 ms', 'ERROR'],
    ['PRODUCER', '9.50 ms'],
    ['CONSUMER', '8.00 ms'],
  ]);
});

test('columns line up: every bar starts at the same offset', () => {
  const out = lines(renderWaterfall(ORDER, { width: 10 })).slice(1);
  const offsets = new Set(out.map((line) => line.length));
  assert.equal(offsets.size, 1);
});

test('bars show where in the trace each span ran', () => {
  const bars = lines(renderWaterfall(ORDER, { width: 10 })).slice(1).map(bar);
  assert.deepEqual(bars, [
    '██████████', // 0..100
    '█         ', // 0..10
    ' ███      ', // 10..40
    ' ███      ', // 12..38 rounds outward to 10..40
    '  █       ', // 20..28.5
    '    █████ ', // 40..90
    '    █████ ', // 41..89
    '         █', // 90..99.5
    '         █', // 91..99
  ]);
});

test('a very short span still gets one column; the default width is 30', () => {
  const spans = [
    span({ id: 'a', name: 'root', start: 0, end: 1000 }),
    span({ id: 'b', parent: 'a', name: 'blink', start: 500, end: 500.001 }),
    span({ id: 'c', parent: 'a', name: 'at-end', start: 1000, end: 1000 }),
  ];
  const bars = lines(renderWaterfall(spans)).slice(1).map(bar);
  assert.deepEqual(bars.map((b) => b.length), [30, 30, 30]);
  assert.equal(bars[1], ' '.repeat(15) + '█' + ' '.repeat(14));
  assert.equal(bars[2], ' '.repeat(29) + '█');
});

test('several traces: one block each, in start order, separated by a blank line', () => {
  const other = [
    span({ id: 'b1', name: 'GET /health', kind: SpanKind.SERVER, start: -50, end: -49.25, trace: T2 }),
  ];
  const text = renderWaterfall([...ORDER, ...other], { width: 10 });
  const blocks = text.trimEnd().split('\n\n');
  assert.equal(blocks.length, 2);
  assert.equal(blocks[0].split('\n')[0], `Trace ${T2}  0.75 ms  1 span`);
  assert.match(blocks[0].split('\n')[1], /^svc - GET \/health {2}SERVER {2}0\.75 ms {2}\|██████████\|$/);
  assert.equal(blocks[1].split('\n')[0], `Trace ${T1}  100 ms  9 spans`);
  assert.ok(text.endsWith('|\n'));
});

test('a span whose parent is not in the batch is drawn at the top level', () => {
  const spans = [
    span({ id: 'a', parent: 'ffff', name: 'server', service: 'inventory', kind: SpanKind.SERVER, start: 0, end: 10 }),
    span({ id: 'b', parent: 'a', name: 'query', service: 'inventory', start: 1, end: 2 }),
    span({ id: 'c', parent: 'eeee', name: 'late', service: 'inventory', start: 5, end: 6 }),
  ];
  assert.deepEqual(lines(renderWaterfall(spans)).slice(1).map(label), [
    'inventory - server',
    '+-- inventory - query',
    'inventory - late',
  ]);
});

test('bad input: cycles, self-parents, duplicates and junk never loop or throw', () => {
  const spans = [
    span({ id: 'a', parent: 'b', name: 'a', start: 0, end: 5 }),
    span({ id: 'b', parent: 'a', name: 'b', start: 1, end: 5 }),
    span({ id: 'c', parent: 'c', name: 'self', start: 2, end: 3 }),
    null,
    { name: 'no context' },
  ];
  const out = lines(renderWaterfall(spans)).slice(1).map(label);
  // Top-level spans first (the self-parented one), then what was caught in the cycle.
  assert.deepEqual(out, ['svc - self', 'svc - a', '+-- svc - b']);
  assert.equal(renderWaterfall([]), '');
  assert.equal(renderWaterfall(undefined), '');
  const missingService = { ...ORDER[0], resource: { attributes: {} } };
  assert.match(renderWaterfall([missingService]), /unknown_service - POST \/api\/orders/);
});

test('long names and error messages are clipped', () => {
  const long = 'x'.repeat(200);
  const spans = [span({ id: 'a', name: long, start: 0, end: 1, status: { code: SpanStatusCode.ERROR, message: long } })];
  const line = lines(renderWaterfall(spans))[1];
  assert.ok(line.length < 200, `line length ${line.length}`);
  assert.match(line, /x\.\.\. {2}/);
});

test('colour adds ANSI codes only when asked', () => {
  const plain = renderWaterfall(ORDER);
  const colored = renderWaterfall(ORDER, { color: true });
  assert.doesNotMatch(plain, /\u001b\[/);
  assert.match(colored, /\u001b\[31mERROR: Payment declined/);
  assert.equal(colored.replace(/\u001b\[\d+m/g, ''), plain);
});

test('formatDuration', () => {
  for (const [ms, text] of [
    [0, '0.00 ms'],
    [-3, '0.00 ms'],
    [0.004, '0.00 ms'],
    [1.5, '1.50 ms'],
    [9.994, '9.99 ms'],
    [10, '10 ms'],
    [250.4, '250 ms'],
    [12_345.6, '12346 ms'],
  ]) {
    assert.equal(formatDuration(ms), text, `${ms}`);
  }
});
