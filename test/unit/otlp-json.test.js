'use strict';
// OTLP/JSON: the shape the OTLP spec's "JSON Protobuf Encoding" asks for, and the
// round trip through our JSON decoder.
const test = require('node:test');
const assert = require('node:assert/strict');
const { encodeTraceRequestJson } = require('../../dist/src/export/otlp-json.js');
const { encodeTraceRequestProtobuf } = require('../../dist/src/export/otlp-protobuf.js');
const { decodeTraceRequestJson, decodeTraceRequestProtobuf, OtlpDecodeError } = require('../../dist/src/export/otlp-decode.js');
const { fixtureSpans, makeSpan, expectedNanos, resourceA, TRACE_1 } = require('../support/finished-spans.js');

const encode = (spans) => JSON.parse(encodeTraceRequestJson(spans));
const firstSpan = (request) => request.resourceSpans[0].scopeSpans[0].spans[0];

function attributeMap(list) {
  return Object.fromEntries(list.map((kv) => [kv.key, kv.value]));
}

/** Every object key in `value`, recursively (attribute keys are values of `key`, not object keys). */
function objectKeys(value, out = new Set()) {
  if (Array.isArray(value)) value.forEach((v) => objectKeys(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      objectKeys(v, out);
    }
  }
  return out;
}

test('field names are lowerCamelCase', () => {
  for (const key of objectKeys(encode(fixtureSpans()))) assert.match(key, /^[a-z][a-zA-Z]*$/, key);
});

test('ids are lowercase hex strings, not base64', () => {
  const spans = fixtureSpans();
  const server = firstSpan(encode(spans));
  assert.equal(server.traceId, TRACE_1);
  assert.equal(server.spanId, spans[0].spanContext.spanId);
  assert.equal(server.parentSpanId, 'b7ad6b7169203331');
  assert.equal(server.links[0].traceId, spans[0].links[0].context.traceId);
  const upper = makeSpan({ spanContext: { traceId: TRACE_1.toUpperCase(), spanId: 'ABCDEF0123456789', traceFlags: 1 }, parentSpanId: 'FEDCBA9876543210' });
  const span = firstSpan(encode([upper]));
  assert.deepEqual([span.traceId, span.spanId, span.parentSpanId], [TRACE_1, 'abcdef0123456789', 'fedcba9876543210']);
  assert.equal(firstSpan(encode([makeSpan({})])).parentSpanId, undefined, 'a root span has no parentSpanId');
});

test('enums are integers: kind is api kind + 1, status code as in the api', () => {
  for (let kind = 0; kind <= 4; kind++) {
    const span = firstSpan(encode([makeSpan({ kind, status: { code: kind % 3, message: kind % 3 === 2 ? 'bad' : undefined } })]));
    assert.equal(span.kind, kind + 1);
    assert.equal(span.status.code, kind % 3);
    assert.equal(span.status.message, kind % 3 === 2 ? 'bad' : undefined);
  }
});

test('64-bit integers are decimal strings: times and intValue', () => {
  const server = firstSpan(encode(fixtureSpans()));
  const spans = fixtureSpans();
  assert.equal(server.startTimeUnixNano, expectedNanos(spans[0].startTime));
  assert.equal(server.endTimeUnixNano, expectedNanos(spans[0].endTime));
  assert.equal(server.events[0].timeUnixNano, '1700000000200125000');
  const times = [[1700000000123.5, '1700000000123500000'], [0.5, '500000'], [0, '0'], [NaN, '0'], [1e-6, '1']];
  for (const [ms, nanos] of times) assert.equal(firstSpan(encode([makeSpan({ startTime: ms })])).startTimeUnixNano, nanos, String(ms));
  const attrs = attributeMap(server.attributes);
  assert.deepEqual(attrs['int'], { intValue: '200' });
  assert.deepEqual(attrs['int.negative'], { intValue: '-7' });
  assert.deepEqual(attrs['int.big'], { intValue: String(2 ** 40 + 3) });
});

test('attribute values of every type', () => {
  const attrs = attributeMap(firstSpan(encode(fixtureSpans())).attributes);
  const cases = [
    ['str', { stringValue: 'GET' }],
    ['str.empty', { stringValue: '' }],
    ['str.unicode', { stringValue: 'héllo ✓ 日本 🎉' }],
    ['bool.true', { boolValue: true }],
    ['bool.false', { boolValue: false }],
    ['double', { doubleValue: 0.125 }],
    ['double.huge', { doubleValue: 1e300 }],
    ['arr.str', { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }, { stringValue: '' }] } }],
    ['arr.int', { arrayValue: { values: [{ intValue: '1' }, { intValue: '-2' }, { intValue: '300' }] } }],
    ['arr.double', { arrayValue: { values: [{ doubleValue: 1.5 }, { doubleValue: -0.25 }] } }],
    ['arr.bool', { arrayValue: { values: [{ boolValue: true }, { boolValue: false }] } }],
    ['arr.empty', { arrayValue: { values: [] } }],
    ['arr.nullish', { arrayValue: { values: [{ stringValue: 'x' }, {}, { stringValue: 'y' }] } }],
  ];
  for (const [key, value] of cases) assert.deepEqual(attrs[key], value, key);
  const special = attributeMap(firstSpan(encode([makeSpan({ attributes: { nan: NaN, inf: Infinity, ninf: -Infinity } })])).attributes);
  assert.deepEqual(special, { nan: { doubleValue: 'NaN' }, inf: { doubleValue: 'Infinity' }, ninf: { doubleValue: '-Infinity' } });
});

test('resource, scope, schemaUrl, events, links, flags and dropped counts', () => {
  const request = encode(fixtureSpans());
  assert.equal(request.resourceSpans.length, 2);
  const [a] = request.resourceSpans;
  assert.deepEqual(a.resource.attributes, [
    { key: 'service.name', value: { stringValue: 'checkout' } },
    { key: 'process.pid', value: { intValue: '4242' } },
    { key: 'host.arch', value: { stringValue: 'amd64' } },
  ]);
  assert.deepEqual(a.scopeSpans.map((s) => [s.scope, s.schemaUrl, s.spans.length]), [
    [{ name: 'spanwise-http', version: '0.1.0' }, 'https://opentelemetry.io/schemas/1.26.0', 2],
    [{ name: 'manual' }, undefined, 1],
  ]);
  const server = a.scopeSpans[0].spans[0];
  assert.equal(server.traceState, 'vendor=abc,other=1');
  assert.equal(server.flags, 0x301, 'sampled, parent remote and known to be');
  assert.equal(server.droppedAttributesCount, 3);
  assert.equal(server.droppedEventsCount, 1);
  assert.equal(server.droppedLinksCount, 4);
  assert.deepEqual(server.status, { code: 2, message: 'payment declined' });
  assert.deepEqual(server.events[1].attributes[0], { key: 'exception.type', value: { stringValue: 'Error' } });
  assert.equal(server.events[1].droppedAttributesCount, 2);
  assert.deepEqual(
    server.links.map((l) => [l.spanId, l.traceState, l.flags, l.droppedAttributesCount]),
    [['1111111111111111', 'congo=t61rcWkgMzE', 0x301, 1], ['2222222222222222', undefined, 0x100, 0]],
  );
});

test('our JSON decoder gives back what the protobuf path gives back', () => {
  const spans = fixtureSpans();
  const viaJson = decodeTraceRequestJson(encodeTraceRequestJson(spans));
  const viaProtobuf = decodeTraceRequestProtobuf(encodeTraceRequestProtobuf(spans));
  const normalise = (list) => list.map((s) => ({
    ...s,
    spanContext: { ...s.spanContext, traceState: s.spanContext.traceState?.serialize() },
    links: s.links.map((l) => ({ ...l, context: { ...l.context, traceState: l.context.traceState?.serialize() } })),
  }));
  assert.deepEqual(normalise(viaJson), normalise(viaProtobuf));
  const server = viaJson.find((s) => s.name === 'POST /api/orders');
  assert.deepEqual(server.attributes, spans[0].attributes);
  assert.deepEqual(server.resource, resourceA);
  assert.equal(server.parentIsRemote, true);
  assert.ok(Math.abs(server.startTime - spans[0].startTime) < 1e-6);
});

test('the JSON decoder accepts proto field names, enum names, numbers for 64-bit fields and base64 ids', () => {
  const text = JSON.stringify({
    resource_spans: [{
      resource: { attributes: [{ key: 'service.name', value: { string_value: 'py' } }] },
      scope_spans: [{
        scope: { name: 'py-sdk' },
        spans: [{
          trace_id: Buffer.from(TRACE_1, 'hex').toString('base64'),
          span_id: 'AAAAAAAAAAE=',
          name: 'op',
          kind: 'SPAN_KIND_PRODUCER',
          start_time_unix_nano: 1700000000000000000,
          end_time_unix_nano: '1700000000001000000',
          attributes: [{ key: 'n', value: { int_value: 5 } }, { key: 'd', value: { double_value: 'Infinity' } }],
          status: { code: 'STATUS_CODE_OK' },
        }],
      }],
    }],
  });
  const [span] = decodeTraceRequestJson(text);
  assert.equal(span.spanContext.traceId, TRACE_1);
  assert.equal(span.spanContext.spanId, '0000000000000001');
  assert.equal(span.kind, 3);
  assert.equal(span.startTime, 1700000000000);
  assert.equal(span.endTime, 1700000000001);
  assert.deepEqual(span.attributes, { n: 5, d: Infinity });
  assert.deepEqual(span.status, { code: 1 });
  assert.deepEqual(span.resource.attributes, { 'service.name': 'py' });
});

test('malformed JSON ends in OtlpDecodeError', () => {
  const bad = ['', 'not json', '[]', 'null', '42', '{"resourceSpans":5}', '{"resourceSpans":[7]}', '{"resourceSpans":[{"scopeSpans":[{"spans":[7]}]}]}',
    '{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":{"a":1}}]}]}]}'];
  for (const text of bad) assert.throws(() => decodeTraceRequestJson(text), OtlpDecodeError, text);
  assert.deepEqual(decodeTraceRequestJson('{}'), []);
  assert.deepEqual(decodeTraceRequestJson('{"resourceSpans":[]}'), []);
});
