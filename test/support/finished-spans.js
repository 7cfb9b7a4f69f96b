'use strict';
// Hand-built FinishedSpan values covering every field the OTLP encoders write:
// two resources, scopes told apart by name+version (one of them as two equal
// objects), attributes of every type, events, links with tracestate and flags,
// status with message, dropped counts, remote and local parents.
const { createTraceState } = require('@opentelemetry/api');

const resourceA = { attributes: { 'service.name': 'checkout', 'process.pid': 4242, 'host.arch': 'amd64' } };
const resourceB = { attributes: { 'service.name': 'inventory', 'deployment.environment': 'test', 'sdk.ok': true } };
const httpScope = { name: 'spanwise-http', version: '0.1.0', schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' };
// Same name and version as httpScope but another object: must share its ScopeSpans.
const httpScopeCopy = { name: 'spanwise-http', version: '0.1.0', schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' };
const manualScope = { name: 'manual' };

const TRACE_1 = '0af7651916cd43dd8448eb211c80319c';
const TRACE_2 = 'ffffffffffffffff0000000000000001';

/** Every attribute value type, including arrays, unicode and a string long enough for a two-byte length. */
const allTypes = {
  'str': 'GET',
  'str.empty': '',
  'str.unicode': 'héllo ✓ 日本 🎉',
  'str.long': 'x'.repeat(300),
  'bool.true': true,
  'bool.false': false,
  'int': 200,
  'int.zero': 0,
  'int.negative': -7,
  'int.big': 2 ** 40 + 3,
  'int.min.safe': Number.MIN_SAFE_INTEGER,
  'double': 0.125,
  'double.negative': -2.5e-3,
  'double.huge': 1e300,
  'arr.str': ['a', 'b', ''],
  'arr.int': [1, -2, 300],
  'arr.double': [1.5, -0.25],
  'arr.bool': [true, false],
  'arr.empty': [],
  'arr.nullish': ['x', null, 'y'],
};

/** Builds a span with defaults for everything not given. */
function makeSpan(fields) {
  return {
    name: 'span',
    kind: 0,
    spanContext: { traceId: TRACE_1, spanId: '00f067aa0ba902b7', traceFlags: 1 },
    parentSpanId: undefined,
    parentIsRemote: false,
    startTime: 1700000000123.5,
    endTime: 1700000000125.25,
    attributes: {},
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0 },
    resource: resourceA,
    scope: httpScope,
    ...fields,
  };
}

/** The fixture batch, in the order an exporter would get it (resources and scopes interleaved). */
function fixtureSpans() {
  const server = makeSpan({
    name: 'POST /api/orders',
    kind: 1,
    spanContext: { traceId: TRACE_1, spanId: '00f067aa0ba902b7', traceFlags: 1, traceState: createTraceState('vendor=abc,other=1') },
    parentSpanId: 'b7ad6b7169203331',
    parentIsRemote: true,
    startTime: 1700000000123.4567,
    endTime: 1700000000987.0001,
    attributes: allTypes,
    droppedAttributesCount: 3,
    events: [
      { name: 'payment.validation.started', time: 1700000000200.125, attributes: { 'payment.amount': 99.99, 'payment.currency': 'EUR' }, droppedAttributesCount: 0 },
      { name: 'exception', time: 1700000000300.75, attributes: { 'exception.type': 'Error', 'exception.message': 'declined', 'exception.stacktrace': 'Error: declined\n    at x (y.js:1:1)' }, droppedAttributesCount: 2 },
    ],
    droppedEventsCount: 1,
    links: [
      {
        context: { traceId: TRACE_2, spanId: '1111111111111111', traceFlags: 1, isRemote: true, traceState: createTraceState('congo=t61rcWkgMzE') },
        attributes: { 'messaging.message.id': 'm-1', 'link.index': 0 },
        droppedAttributesCount: 1,
      },
      { context: { traceId: TRACE_2, spanId: '2222222222222222', traceFlags: 0 }, attributes: {}, droppedAttributesCount: 0 },
    ],
    droppedLinksCount: 4,
    status: { code: 2, message: 'payment declined' },
  });
  const internal = makeSpan({
    name: 'validate-order',
    kind: 0,
    spanContext: { traceId: TRACE_1, spanId: '53995c3f42cd8ad8', traceFlags: 1 },
    parentSpanId: '00f067aa0ba902b7',
    scope: manualScope,
    attributes: { 'order.id': 'o-1', 'order.items': 3 },
    status: { code: 1 },
  });
  const client = makeSpan({
    name: 'SELECT stock',
    kind: 2,
    spanContext: { traceId: TRACE_2, spanId: '3333333333333333', traceFlags: 1 },
    resource: resourceB,
    scope: httpScopeCopy,
    attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM stock WHERE sku = $1'.repeat(600) },
    startTime: 1699999999999.999,
    endTime: 1700000000000.0005,
  });
  const producer = makeSpan({
    name: 'order.created publish',
    kind: 3,
    spanContext: { traceId: TRACE_1, spanId: '4444444444444444', traceFlags: 1 },
    parentSpanId: '53995c3f42cd8ad8',
    attributes: { 'messaging.system': 'pg-queue' },
  });
  const consumer = makeSpan({
    name: 'c',
    kind: 4,
    spanContext: { traceId: TRACE_2, spanId: '5555555555555555', traceFlags: 0 },
    resource: resourceB,
    scope: manualScope,
    startTime: 1700000001000,
    endTime: 1700000001000,
  });
  return [server, internal, client, producer, consumer];
}

/** Exact nanoseconds of an epoch-ms double, as a decimal string (the double's exact value, rounded to 1 ns). */
function expectedNanos(ms) {
  const [whole, frac] = ms.toFixed(6).split('.');
  return (BigInt(whole) * 1000000n + BigInt(frac)).toString();
}

module.exports = { fixtureSpans, makeSpan, expectedNanos, allTypes, resourceA, resourceB, httpScope, manualScope, TRACE_1, TRACE_2 };
