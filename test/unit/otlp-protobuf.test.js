'use strict';
// The hand-written OTLP protobuf encoder, checked against the official
// opentelemetry-proto definitions (decoded by protobufjs, an independent
// decoder) field by field, and round-tripped through our own decoder.
const test = require('node:test');
const assert = require('node:assert/strict');
const protobuf = require('protobufjs');
const root = require('otlp-proto-defs/build/src/generated/root');
const { encodeTraceRequestProtobuf } = require('../../dist/src/export/otlp-protobuf.js');
const { decodeTraceRequestProtobuf, OtlpDecodeError } = require('../../dist/src/export/otlp-decode.js');
const { fixtureSpans, makeSpan, expectedNanos, allTypes, resourceA, resourceB } = require('../support/finished-spans.js');

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

// The definitions compiled into otlp-proto-defs predate Span.flags and Link.flags
// (opentelemetry-proto 1.1 added them). protobufjs reads them through this schema,
// which declares just the path to them, exactly as trace.proto declares the fields.
const flagsSchema = protobuf.Root.fromJSON({
  nested: {
    Request: { fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } } },
    ResourceSpans: { fields: { scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 } } },
    ScopeSpans: { fields: { spans: { rule: 'repeated', type: 'Span', id: 2 } } },
    Span: { fields: { spanId: { type: 'bytes', id: 2 }, links: { rule: 'repeated', type: 'Link', id: 13 }, flags: { type: 'fixed32', id: 16 } } },
    Link: { fields: { spanId: { type: 'bytes', id: 2 }, flags: { type: 'fixed32', id: 6 } } },
  },
}).lookupType('Request');

/** Span id -> { flags, links: [flags] } as protobufjs reads them. */
function flagsBySpanId(bytes) {
  const request = flagsSchema.toObject(flagsSchema.decode(bytes), { defaults: true, arrays: true });
  const out = new Map();
  for (const rs of request.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) out.set(hex(span.spanId), { flags: span.flags, links: span.links.map((l) => l.flags) });
    }
  }
  return out;
}

/** Decodes with protobufjs into plain objects: 64-bit integers as decimal strings, enums as numbers, every default present. */
function officialDecode(bytes) {
  const message = ExportTraceServiceRequest.decode(bytes);
  return ExportTraceServiceRequest.toObject(message, { longs: String, enums: Number, defaults: true, arrays: true });
}

/** An OTLP AnyValue (protobufjs object) as the attribute value it encodes. */
function fromAnyValue(v) {
  switch (v.value) {
    case 'stringValue': return v.stringValue;
    case 'boolValue': return v.boolValue;
    case 'intValue': return Number(v.intValue);
    case 'doubleValue': return v.doubleValue;
    case 'arrayValue': return v.arrayValue.values.map((item) => (item.value === undefined ? null : fromAnyValue(item)));
    default: return undefined;
  }
}

function fromKeyValues(list) {
  const out = {};
  for (const kv of list) out[kv.key] = fromAnyValue(kv.value);
  return out;
}

/** The flags field the spec asks for: trace flags in the low byte, bit 8 "is-remote known", bit 9 "is remote". */
function expectedFlags(traceFlags, isRemote) {
  return (traceFlags & 0xff) | 0x100 | (isRemote ? 0x200 : 0);
}

// protobufjs needs the oneof name to tell which AnyValue field is set.
function withOneofs(message) {
  return ExportTraceServiceRequest.toObject(message, { longs: String, enums: Number, defaults: true, arrays: true, oneofs: true });
}

function assertSpanMatches(wire, span, flags) {
  assert.equal(hex(wire.traceId), span.spanContext.traceId);
  assert.equal(hex(wire.spanId), span.spanContext.spanId);
  assert.equal(hex(wire.parentSpanId), span.parentSpanId ?? '');
  assert.equal(wire.traceState, span.spanContext.traceState?.serialize() ?? '');
  assert.equal(wire.name, span.name);
  assert.equal(wire.kind, span.kind + 1, 'SpanKind on the wire is api kind + 1');
  assert.equal(wire.startTimeUnixNano, expectedNanos(span.startTime));
  assert.equal(wire.endTimeUnixNano, expectedNanos(span.endTime));
  assert.deepEqual(fromKeyValues(wire.attributes), span.attributes);
  assert.equal(wire.droppedAttributesCount, span.droppedAttributesCount);
  assert.equal(wire.events.length, span.events.length);
  span.events.forEach((event, i) => {
    const e = wire.events[i];
    assert.equal(e.name, event.name);
    assert.equal(e.timeUnixNano, expectedNanos(event.time));
    assert.deepEqual(fromKeyValues(e.attributes), event.attributes);
    assert.equal(e.droppedAttributesCount, event.droppedAttributesCount);
  });
  assert.equal(wire.droppedEventsCount, span.droppedEventsCount);
  assert.equal(wire.links.length, span.links.length);
  span.links.forEach((link, i) => {
    const l = wire.links[i];
    assert.equal(hex(l.traceId), link.context.traceId);
    assert.equal(hex(l.spanId), link.context.spanId);
    assert.equal(l.traceState, link.context.traceState?.serialize() ?? '');
    assert.deepEqual(fromKeyValues(l.attributes), link.attributes);
    assert.equal(l.droppedAttributesCount, link.droppedAttributesCount);
    assert.equal(flags.links[i], expectedFlags(link.context.traceFlags, link.context.isRemote));
  });
  assert.equal(wire.droppedLinksCount, span.droppedLinksCount);
  assert.equal(wire.status?.code ?? 0, span.status.code);
  assert.equal(wire.status?.message ?? '', span.status.message ?? '');
  assert.equal(flags.flags, expectedFlags(span.spanContext.traceFlags, span.parentIsRemote));
}

test('the official definitions decode every field as recorded', () => {
  const spans = fixtureSpans();
  const bytes = encodeTraceRequestProtobuf(spans);
  const request = withOneofs(ExportTraceServiceRequest.decode(bytes));
  const flags = flagsBySpanId(bytes);
  // Grouped by resource (identity) in order of first appearance, then by scope name+version.
  assert.equal(request.resourceSpans.length, 2);
  const [a, b] = request.resourceSpans;
  assert.deepEqual(fromKeyValues(a.resource.attributes), resourceA.attributes);
  assert.deepEqual(fromKeyValues(b.resource.attributes), resourceB.attributes);
  assert.deepEqual(a.scopeSpans.map((s) => [s.scope.name, s.scope.version, s.schemaUrl, s.spans.map((x) => x.name)]), [
    ['spanwise-http', '0.1.0', 'https://opentelemetry.io/schemas/1.26.0', ['POST /api/orders', 'order.created publish']],
    ['manual', '', '', ['validate-order']],
  ]);
  assert.deepEqual(b.scopeSpans.map((s) => [s.scope.name, s.scope.version, s.spans.map((x) => x.name)]), [
    ['spanwise-http', '0.1.0', ['SELECT stock']],
    ['manual', '', ['c']],
  ]);
  const byId = new Map(spans.map((s) => [s.spanContext.spanId, s]));
  let seen = 0;
  for (const rs of request.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const wire of ss.spans) {
        assertSpanMatches(wire, byId.get(hex(wire.spanId)), flags.get(hex(wire.spanId)));
        seen++;
      }
    }
  }
  assert.equal(seen, spans.length);
});

test('attribute values keep their types: int_value for integers, double_value otherwise, array_value for arrays', () => {
  const span = makeSpan({ attributes: allTypes });
  const wire = withOneofs(ExportTraceServiceRequest.decode(encodeTraceRequestProtobuf([span])));
  const attrs = new Map(wire.resourceSpans[0].scopeSpans[0].spans[0].attributes.map((kv) => [kv.key, kv.value]));
  const cases = [
    ['str', 'stringValue'], ['str.empty', 'stringValue'], ['bool.false', 'boolValue'], ['int', 'intValue'], ['int.zero', 'intValue'],
    ['int.negative', 'intValue'], ['int.big', 'intValue'], ['double', 'doubleValue'], ['double.huge', 'doubleValue'], ['arr.str', 'arrayValue'],
  ];
  for (const [key, oneof] of cases) assert.equal(attrs.get(key).value, oneof, key);
  assert.equal(attrs.get('int.negative').intValue, '-7');
  assert.equal(attrs.get('int.big').intValue, String(2 ** 40 + 3));
  assert.equal(attrs.get('int.min.safe').intValue, String(Number.MIN_SAFE_INTEGER));
  assert.deepEqual(attrs.get('arr.nullish').arrayValue.values.map((v) => v.value ?? null), ['stringValue', null, 'stringValue']);
});

test('times become exact fixed64 nanoseconds', () => {
  const cases = [
    [1700000000123.5, '1700000000123500000'],
    [1700000000000, '1700000000000000000'],
    [1, '1000000'],
    [0.000001, '1'],
    [0, '0'],
    [-5, '0'],
    [NaN, '0'],
    // 2^53 ns is about 104 days after the epoch: past it a double cannot hold nanoseconds.
    [9007199254.740993, expectedNanos(9007199254.740993)],
    [4102444800000.25, '4102444800000250000'],
    [1700000000123.4567, expectedNanos(1700000000123.4567)],
  ];
  for (const [ms, nanos] of cases) {
    const wire = officialDecode(encodeTraceRequestProtobuf([makeSpan({ startTime: ms, endTime: ms })]));
    assert.equal(wire.resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano, nanos, `startTime ${ms}`);
  }
  // Times spread over three years: within a nanosecond of the double's exact value, never drifting.
  for (let i = 0; i < 2000; i++) {
    const ms = 1700000000000 + i * 43200.001 + (i % 1000) / 1000;
    const wire = officialDecode(encodeTraceRequestProtobuf([makeSpan({ startTime: ms, endTime: ms })]));
    const got = BigInt(wire.resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano);
    const want = BigInt(expectedNanos(ms));
    assert.ok(got - want <= 1n && want - got <= 1n, `${ms}: ${got} vs ${want}`);
  }
});

test('times within one millisecond, and across a carry into the high 32 bits, are exact in any order', () => {
  // Whole milliseconds whose nanoseconds end just below a multiple of 2^32: adding the sub-millisecond part carries.
  const carries = [];
  for (let whole = 1700000000000; carries.length < 3; whole++) {
    if ((BigInt(whole) * 1000000n) % 4294967296n > 4294967296n - 1000000n) carries.push(whole);
  }
  const times = [];
  for (const whole of [1700000000123, ...carries]) {
    for (const frac of [0, 0.5, 0.999999, 0.000001, 0.25, 0]) times.push(whole + frac);
  }
  times.push(1, 0.000001, 1700000000123.75, 1700000000124.125, 1700000000123.875);
  const spans = [];
  for (let i = 0; i + 1 < times.length; i++) spans.push(makeSpan({ startTime: times[i], endTime: times[i + 1] >= times[i] ? times[i + 1] : times[i] }));
  const wire = officialDecode(encodeTraceRequestProtobuf(spans)).resourceSpans[0].scopeSpans[0].spans;
  wire.forEach((w, i) => {
    assert.equal(w.startTimeUnixNano, expectedNanos(spans[i].startTime), `start ${spans[i].startTime}`);
    assert.equal(w.endTimeUnixNano, expectedNanos(spans[i].endTime), `end ${spans[i].endTime}`);
  });
});

test('span kinds and status codes map to their wire values', () => {
  for (let kind = 0; kind <= 4; kind++) {
    const wire = officialDecode(encodeTraceRequestProtobuf([makeSpan({ kind, status: { code: kind % 3 } })]));
    const span = wire.resourceSpans[0].scopeSpans[0].spans[0];
    assert.equal(span.kind, kind + 1);
    assert.equal(span.status?.code ?? 0, kind % 3);
  }
});

test('the flags field carries trace flags and whether the parent is remote', () => {
  const cases = [
    [{ traceFlags: 1 }, false, 0x101],
    [{ traceFlags: 0 }, false, 0x100],
    [{ traceFlags: 1 }, true, 0x301],
  ];
  for (const [ctx, parentIsRemote, flags] of cases) {
    const span = makeSpan({ spanContext: { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), ...ctx }, parentSpanId: 'ef'.repeat(8), parentIsRemote });
    assert.equal(flagsBySpanId(encodeTraceRequestProtobuf([span])).get('cd'.repeat(8)).flags, flags);
  }
});

test('an empty batch is an empty request', () => {
  assert.equal(encodeTraceRequestProtobuf([]).length, 0);
});

test('results are independent copies, and repeated encodings are identical', () => {
  const spans = fixtureSpans();
  const first = encodeTraceRequestProtobuf(spans);
  const snapshot = Buffer.from(first);
  const other = encodeTraceRequestProtobuf([makeSpan({ name: 'other', attributes: { str: 'changed', int: 201 } })]);
  assert.deepEqual(Buffer.from(first), snapshot, 'a later call must not overwrite an earlier result');
  assert.deepEqual(Buffer.from(encodeTraceRequestProtobuf(spans)), snapshot);
  // Values that change between calls (the encoder remembers each key's last value) are encoded afresh.
  const decoded = officialDecode(other).resourceSpans[0].scopeSpans[0].spans[0];
  assert.deepEqual(fromKeyValues(withOneofs(ExportTraceServiceRequest.decode(other)).resourceSpans[0].scopeSpans[0].spans[0].attributes), { str: 'changed', int: 201 });
  assert.equal(decoded.name, 'other');
});

test('attribute values are right whether they repeat, change every span, or settle after changing', () => {
  // The encoder remembers each key's last value; these regimes walk it through remembering, giving up and retrying.
  const attrs = (i) => ({ 'url.full': i < 1500 ? `http://x/${i}` : 'http://x/settled', n: i % 3, same: 'same', flip: i % 2 === 0, arr: [i] });
  const spans = [];
  for (let i = 0; i < 2500; i++) spans.push(makeSpan({ attributes: attrs(i) }));
  const wire = withOneofs(ExportTraceServiceRequest.decode(encodeTraceRequestProtobuf(spans)));
  wire.resourceSpans[0].scopeSpans[0].spans.forEach((s, i) => assert.deepEqual(fromKeyValues(s.attributes), attrs(i), `span ${i}`));
  // Once more, now that every key has a history.
  const again = withOneofs(ExportTraceServiceRequest.decode(encodeTraceRequestProtobuf(spans)));
  again.resourceSpans[0].scopeSpans[0].spans.forEach((s, i) => assert.deepEqual(fromKeyValues(s.attributes), attrs(i), `span ${i}`));
});

test('attribute runs copied at once stay right however the keys and values of a kind change', () => {
  // Several kinds of span share their first key (and some their second), as HTTP server and client spans do; the
  // encoder keeps, per first key, blocks of the fields that followed, copies runs of unchanged values, and must fall
  // back key by key when a value changes, a key is missing or null, the order changes, or keys are added (at the end
  // or in the middle).
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const kinds = [
    (i) => ({ method: 'GET', scheme: 'http', path: pick(['/a', '/b']), host: 'h', port: 8080, peer: 40000 + (i % 50), version: '1.1', status: pick([200, 200, 200, 404]) }),
    (i) => ({ method: 'GET', scheme: 'http', path: '/a', host: 'h', port: 8080, agent: 'ua', peer: 41000 + (i % 7) }),
    (i) => ({ method: pick(['GET', 'POST']), url: `http://x/${i % 3}`, host: 'x', port: 80, status: 200 }),
    (i) => ({ method: 'GET', url: 'http://x/', arr: [i % 2, 1], ok: true, ratio: 0.5 }),
    (i) => ({ 'db.system': 'postgresql', 'db.statement': pick(['SELECT 1', 'SELECT 2']), 'db.name': 'app', rows: i % 4 }),
  ];
  const mutate = (attrs) => {
    const r = random();
    const keys = Object.keys(attrs);
    if (r < 0.05) delete attrs[pick(keys.slice(1))];
    else if (r < 0.1) attrs[pick(keys.slice(1))] = null;
    else if (r < 0.15) attrs.extra = pick(['e1', 'e2']);
    else if (r < 0.2) return Object.fromEntries(keys.reverse().map((k) => [k, attrs[k]]));
    else if (r < 0.23) attrs[pick(keys.slice(1))] = undefined;
    else if (r < 0.3) {
      // A key of its own in the middle, as a query string is on some requests only.
      const at = 1 + Math.floor(random() * (keys.length - 1));
      return Object.fromEntries([...keys.slice(0, at).map((k) => [k, attrs[k]]), ['query', pick(['q=1', 'q=2'])], ...keys.slice(at).map((k) => [k, attrs[k]])]);
    }
    return attrs;
  };
  const spans = [];
  for (let i = 0; i < 3000; i++) {
    const attributes = mutate(pick(kinds)(i));
    const events = random() < 0.2 ? [{ name: 'e', time: 1700000000200, attributes: mutate(pick(kinds)(i)), droppedAttributesCount: 0 }] : [];
    spans.push(makeSpan({ name: `s${i}`, attributes, events }));
  }
  const clean = (attrs) => Object.fromEntries(Object.entries(attrs).filter(([, v]) => v !== null && v !== undefined));
  for (let pass = 0; pass < 2; pass++) {
    const wire = withOneofs(ExportTraceServiceRequest.decode(encodeTraceRequestProtobuf(spans))).resourceSpans[0].scopeSpans[0].spans;
    assert.equal(wire.length, spans.length);
    wire.forEach((w, i) => {
      const expected = clean(spans[i].attributes);
      assert.deepEqual(w.attributes.map((kv) => kv.key), Object.keys(expected), `key order, span ${i}`);
      assert.deepEqual(fromKeyValues(w.attributes), expected, `span ${i}`);
      if (spans[i].events.length > 0) assert.deepEqual(fromKeyValues(w.events[0].attributes), clean(spans[i].events[0].attributes), `event of span ${i}`);
    });
  }
});

test('a batch larger than the initial buffer grows it and stays correct', () => {
  const spans = [];
  for (let i = 0; i < 3000; i++) {
    spans.push(makeSpan({ name: `op-${i}`, spanContext: { traceId: 'a'.repeat(31) + (i % 10), spanId: i.toString(16).padStart(16, '0'), traceFlags: 1 }, attributes: { i, text: 'y'.repeat(i % 50) } }));
  }
  const bytes = encodeTraceRequestProtobuf(spans);
  assert.ok(bytes.length > 64 * 1024);
  const wire = officialDecode(bytes).resourceSpans[0].scopeSpans[0].spans;
  assert.equal(wire.length, 3000);
  assert.equal(wire[2999].name, 'op-2999');
  assert.equal(hex(wire[2999].spanId), (2999).toString(16).padStart(16, '0'));
});

test('our decoder gives back the spans that were encoded', () => {
  const spans = fixtureSpans();
  const decoded = decodeTraceRequestProtobuf(encodeTraceRequestProtobuf(spans));
  assert.equal(decoded.length, spans.length);
  const byId = new Map(decoded.map((s) => [s.spanContext.spanId, s]));
  for (const span of spans) {
    const got = byId.get(span.spanContext.spanId);
    assert.equal(got.name, span.name);
    assert.equal(got.kind, span.kind);
    assert.equal(got.spanContext.traceId, span.spanContext.traceId);
    assert.equal(got.spanContext.traceFlags, span.spanContext.traceFlags);
    assert.equal(got.spanContext.traceState?.serialize(), span.spanContext.traceState?.serialize());
    assert.equal(got.parentSpanId, span.parentSpanId);
    assert.equal(got.parentIsRemote, span.parentIsRemote);
    assert.ok(Math.abs(got.startTime - span.startTime) < 1e-6, `${got.startTime} vs ${span.startTime}`);
    assert.ok(Math.abs(got.endTime - span.endTime) < 1e-6);
    assert.deepEqual(got.attributes, span.attributes);
    assert.equal(got.droppedAttributesCount, span.droppedAttributesCount);
    assert.deepEqual(got.events.map((e) => [e.name, e.attributes, e.droppedAttributesCount]), span.events.map((e) => [e.name, e.attributes, e.droppedAttributesCount]));
    got.events.forEach((e, i) => assert.ok(Math.abs(e.time - span.events[i].time) < 1e-6));
    assert.equal(got.droppedEventsCount, span.droppedEventsCount);
    assert.deepEqual(
      got.links.map((l) => [l.context.traceId, l.context.spanId, l.context.traceFlags, !!l.context.isRemote, l.context.traceState?.serialize(), l.attributes, l.droppedAttributesCount]),
      span.links.map((l) => [l.context.traceId, l.context.spanId, l.context.traceFlags, !!l.context.isRemote, l.context.traceState?.serialize(), l.attributes, l.droppedAttributesCount]),
    );
    assert.equal(got.droppedLinksCount, span.droppedLinksCount);
    assert.deepEqual(got.status, span.status);
    assert.deepEqual(got.resource, span.resource);
    assert.equal(got.scope.name, span.scope.name);
    assert.equal(got.scope.version, span.scope.version);
    assert.equal(got.scope.schemaUrl, span.scope.schemaUrl);
  }
  // One resource object per ResourceSpans, shared by its spans.
  const resources = new Set(decoded.map((s) => s.resource));
  assert.equal(resources.size, 2);
});

test('exact times survive the round trip exactly', () => {
  const [span] = decodeTraceRequestProtobuf(encodeTraceRequestProtobuf([makeSpan({ startTime: 1700000000123.5, endTime: 1700000000125.25 })]));
  assert.equal(span.startTime, 1700000000123.5);
  assert.equal(span.endTime, 1700000000125.25);
});

test('our decoder reads what protobufjs encodes, skipping fields it does not know', () => {
  const message = ExportTraceServiceRequest.fromObject({
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'remote' } }], droppedAttributesCount: 1 },
      schemaUrl: 'https://example.com/schema',
      scopeSpans: [{
        scope: { name: 'other-sdk', version: '2.0', attributes: [{ key: 'ignored', value: { boolValue: true } }] },
        spans: [{
          traceId: Buffer.from('5b8efff798038103d269b633813fc60c', 'hex'),
          spanId: Buffer.from('eee19b7ec3c1b174', 'hex'),
          parentSpanId: Buffer.from('eee19b7ec3c1b173', 'hex'),
          name: 'GET /users',
          kind: 3, // SPAN_KIND_CLIENT
          startTimeUnixNano: '1700000000123456789',
          endTimeUnixNano: '1700000000223456789',
          attributes: [
            { key: 'n', value: { intValue: '-42' } },
            { key: 'd', value: { doubleValue: 1.5 } },
            { key: 'b', value: { bytesValue: Buffer.from([1, 2, 3]) } },
            { key: 'kv', value: { kvlistValue: { values: [{ key: 'inner', value: { stringValue: 'v' } }] } } },
          ],
          events: [{ timeUnixNano: '1700000000200000000', name: 'evt', attributes: [] }],
          status: { code: 2, message: 'boom' },
        }],
      }],
    }],
  });
  const [span] = decodeTraceRequestProtobuf(ExportTraceServiceRequest.encode(message).finish());
  assert.equal(span.spanContext.traceId, '5b8efff798038103d269b633813fc60c');
  assert.equal(span.spanContext.spanId, 'eee19b7ec3c1b174');
  assert.equal(span.spanContext.traceFlags, 1, 'without a flags field the span counts as sampled');
  assert.equal(span.parentSpanId, 'eee19b7ec3c1b173');
  assert.equal(span.kind, 2, 'SPAN_KIND_CLIENT is api CLIENT');
  assert.equal(span.startTime, 1700000000123.456789);
  assert.equal(span.endTime - span.startTime, 100);
  assert.deepEqual(span.attributes, { n: -42, d: 1.5, b: 'AQID', kv: '{"inner":"v"}' });
  assert.deepEqual(span.events.map((e) => [e.name, e.time]), [['evt', 1700000000200]]);
  assert.deepEqual(span.status, { code: 2, message: 'boom' });
  assert.deepEqual(span.resource, { attributes: { 'service.name': 'remote' } });
  assert.deepEqual(span.scope, { name: 'other-sdk', version: '2.0' });
});

test('malformed protobuf ends in OtlpDecodeError and nothing else', () => {
  const valid = encodeTraceRequestProtobuf(fixtureSpans());
  const inputs = [
    ['truncated varint', Uint8Array.of(0x0a, 0xff)],
    ['length past the end', Uint8Array.of(0x0a, 0x10, 0x01)],
    ['group wire type', Uint8Array.of(0x0b)],
    ['wire type 7', Uint8Array.of(0x0f)],
    ['varint longer than ten bytes', Uint8Array.of(0x08, ...new Array(11).fill(0xff), 0x01)],
    ['truncated fixed64 time', Uint8Array.of(0x0a, 0x06, 0x12, 0x04, 0x12, 0x02, 0x39, 0x01)],
  ];
  for (const [name, bytes] of inputs) {
    assert.throws(() => decodeTraceRequestProtobuf(bytes), OtlpDecodeError, name);
  }
  // Every prefix of a valid request, and pseudo-random bytes: spans or OtlpDecodeError, never another error.
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  const candidates = [];
  for (let n = 0; n < valid.length; n += 7) candidates.push(valid.subarray(0, n));
  for (let i = 0; i < 300; i++) candidates.push(Uint8Array.from({ length: 1 + (i % 64) }, random));
  for (let i = 0; i < 300; i++) {
    const corrupt = Uint8Array.from(valid);
    for (let k = 0; k < 4; k++) corrupt[random() * 97 % corrupt.length] = random();
    candidates.push(corrupt);
  }
  for (const bytes of candidates) {
    try {
      assert.ok(Array.isArray(decodeTraceRequestProtobuf(bytes)));
    } catch (error) {
      assert.ok(error instanceof OtlpDecodeError, `unexpected ${error && error.name}: ${error && error.message}`);
    }
  }
  assert.deepEqual(decodeTraceRequestProtobuf(new Uint8Array(0)), []);
});
