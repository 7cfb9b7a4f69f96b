'use strict';
// Micro-benchmarks, spanwise against the OpenTelemetry JS SDK in ONE process
// (issue 2): span start+end with 10 attributes; the same with an event and a
// recordException; W3C inject+extract; encoding 512 spans to OTLP protobuf.
//
// Method: both SDKs are built side by side, each case is warmed up, then run in
// interleaved rounds (spanwise, OTel, OTel, spanwise, ... so neither always goes
// first). A sample runs the case's loop until SAMPLE_MS of CPU time have passed;
// the figures are the median operations per CPU-second over the rounds, and the
// ratio is the median of the per-round ratios. CPU time rather than wall time,
// because this machine is shared: a descheduled process would charge the wait
// to whichever SDK happened to be running. With --expose-gc (bench/run.js
// passes it) a full GC runs before each sample so one SDK's garbage is not
// collected on the other's clock. Each SDK runs its own compiled copy of the
// timed loops (see ownCopies). Neither SDK registers a global context manager,
// so both read the same no-op context.
//
// Knobs: BENCH_MICRO_ROUNDS (default 9), BENCH_MICRO_SAMPLE_MS (default 150),
// BENCH_MICRO_CASES (comma-separated subset of span,span-event,propagation,encode,encode-at-end).
const path = require('node:path');
const api = require('@opentelemetry/api');
const otelBase = require('@opentelemetry/sdk-trace-base');
const otelCore = require('@opentelemetry/core');
const { ProtobufTraceSerializer } = require('@opentelemetry/otlp-transformer');
const { median, spread, fmt, ratio, table, verdict } = require('./lib/stats');

const DIST = path.join(__dirname, '..', 'dist', 'src');
const { SdkTracerProvider } = require(path.join(DIST, 'tracer-provider.js'));
const { createSampler } = require(path.join(DIST, 'sampling.js'));
const { readConfig } = require(path.join(DIST, 'config.js'));
const { createPropagator } = require(path.join(DIST, 'propagation', 'composite.js'));
const { encodeTraceRequestProtobuf } = require(path.join(DIST, 'export', 'otlp-protobuf.js'));
const { EncodedSpanQueue } = require(path.join(DIST, 'export', 'encoded-span-queue.js'));

const ROUNDS = positiveInt(process.env.BENCH_MICRO_ROUNDS, 9);
const SAMPLE_MS = positiveInt(process.env.BENCH_MICRO_SAMPLE_MS, 150);
const BATCH = 512;

function positiveInt(value, fallback) {
  const n = Number.parseInt(value ?? '', 10);
  return n > 0 ? n : fallback;
}

// The same resource and scope for both SDKs, so encoded requests carry the same content.
const RESOURCE_ATTRIBUTES = {
  'service.name': 'checkout',
  'service.version': '1.4.2',
  'telemetry.sdk.name': 'bench',
  'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.version': '0.0.0',
  'process.pid': process.pid,
  'process.runtime.name': 'nodejs',
  'process.runtime.version': process.versions.node,
  'host.name': 'bench-host',
};

/** Our SDK, built in-process with a processor that only keeps the last span. */
function spanwiseSdk() {
  const sink = { last: undefined, all: [] };
  const processor = {
    onEnd(span) { sink.last = span; if (sink.collect) sink.all.push(span); },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const provider = new SdkTracerProvider(createSampler('parentbased_always_on', 1), readConfig({}).limits,
    { attributes: RESOURCE_ATTRIBUTES }, [processor]);
  return { name: 'spanwise', tracer: provider.getTracer('bench', '1.0.0'), sink, provider };
}

/** The OpenTelemetry SDK with the same sampler, resource, scope and a no-op processor. */
function otelSdk() {
  // The resource must come from the resources package sdk-trace-base itself uses.
  const traceDir = path.dirname(require.resolve('@opentelemetry/sdk-trace',
    { paths: [path.dirname(require.resolve('@opentelemetry/sdk-trace-base'))] }));
  const { resourceFromAttributes } = require(require.resolve('@opentelemetry/resources', { paths: [traceDir] }));
  const sink = { last: undefined, all: [] };
  const processor = {
    onStart() {},
    onEnd(span) { sink.last = span; if (sink.collect) sink.all.push(span); },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const provider = new otelBase.BasicTracerProvider({
    resource: resourceFromAttributes(RESOURCE_ATTRIBUTES),
    sampler: new otelBase.ParentBasedSampler({ root: new otelBase.AlwaysOnSampler() }),
    spanProcessors: [processor],
  });
  return { name: 'otel', tracer: provider.getTracer('bench', '1.0.0'), sink, provider };
}

const EXCEPTION = new Error('connection reset by peer'); // made once: a new Error's stack capture would dominate

/** Case (a): a server span with 8 attributes at start and 2 more set before end, as an HTTP server span gets. */
function spanLoop(tracer, n) {
  for (let i = 0; i < n; i++) {
    const span = tracer.startSpan('GET /api/orders/:id', {
      kind: api.SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'url.scheme': 'http',
        'url.path': '/api/orders/42',
        'server.address': 'shop.example',
        'server.port': 8080,
        'client.address': '10.1.2.3',
        'network.protocol.version': '1.1',
        'user_agent.original': 'bench/1.0',
      },
    });
    span.setAttribute('http.route', '/api/orders/:id');
    span.setAttribute('http.response.status_code', 200 + (i & 1));
    span.end();
  }
}

/** Case (b): case (a) plus one event with two attributes and one recordException. */
function spanEventLoop(tracer, n) {
  for (let i = 0; i < n; i++) {
    const span = tracer.startSpan('GET /api/orders/:id', {
      kind: api.SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'url.scheme': 'http',
        'url.path': '/api/orders/42',
        'server.address': 'shop.example',
        'server.port': 8080,
        'client.address': '10.1.2.3',
        'network.protocol.version': '1.1',
        'user_agent.original': 'bench/1.0',
      },
    });
    span.setAttribute('http.route', '/api/orders/:id');
    span.setAttribute('http.response.status_code', 500);
    span.addEvent('cache miss', { 'cache.key': 'order:42', 'cache.tier': 2 });
    span.recordException(EXCEPTION);
    span.end();
  }
}

// The headers an instrumented server receives: traceparent, a two-member tracestate, two baggage entries.
const HEADERS = {
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
  baggage: 'userId=alice,tenant=acme%20corp',
};

/** Case (c): extract the incoming headers, then inject the result into a fresh outgoing carrier. */
function propagationLoop(propagator, n) {
  let out;
  for (let i = 0; i < n; i++) {
    const ctx = propagator.extract(api.ROOT_CONTEXT, HEADERS, api.defaultTextMapGetter);
    out = {};
    propagator.inject(ctx, out, api.defaultTextMapSetter);
  }
  return out;
}

/**
 * 512 spans with the same content from either SDK: 64 traces of one server span
 * and seven children, 10 attributes each; every 8th span has an event and an
 * exception, every 16th an error status.
 */
function makeBatch(sdk) {
  sdk.sink.all = [];
  sdk.sink.collect = true;
  for (let t = 0; t < BATCH / 8; t++) {
    const root = sdk.tracer.startSpan('GET /api/orders/:id', { kind: api.SpanKind.SERVER, attributes: spanAttributes(t) });
    const ctx = api.trace.setSpan(api.ROOT_CONTEXT, root);
    for (let c = 1; c < 8; c++) {
      const child = sdk.tracer.startSpan(c % 2 ? 'SELECT orders' : 'GET', { kind: api.SpanKind.CLIENT, attributes: spanAttributes(t * 8 + c) }, ctx);
      finishSpan(child, t * 8 + c);
    }
    finishSpan(root, t * 8);
  }
  sdk.sink.collect = false;
  const spans = sdk.sink.all;
  sdk.sink.all = [];
  return spans;
}

function spanAttributes(i) {
  return {
    'http.request.method': 'GET',
    'url.full': `http://inventory.internal:8080/api/stock/${i}?fields=all`,
    'server.address': 'inventory.internal',
    'server.port': 8080,
    'http.response.status_code': 200,
    'db.system.name': 'postgresql',
    'db.query.text': 'SELECT id, qty FROM stock WHERE sku = $1',
    'retry.count': i % 3,
    'cache.hit': (i & 1) === 0,
    'tags': ['blue', 'large'],
  };
}

function finishSpan(span, i) {
  if (i % 8 === 3) {
    span.addEvent('retrying', { 'retry.attempt': 1, 'retry.reason': 'timeout' });
    span.recordException(EXCEPTION);
  }
  if (i % 16 === 5) span.setStatus({ code: api.SpanStatusCode.ERROR, message: 'upstream failed' });
  span.end();
}

/** Decodes an encoded request with the official definitions and counts spans, attributes and events. */
function census(bytes) {
  const root = require('otlp-proto-defs/build/src/generated/root.js');
  const Request = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
  const decoded = Request.decode(bytes);
  let spans = 0;
  let attributes = 0;
  let events = 0;
  for (const rs of decoded.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        spans++;
        attributes += s.attributes.length;
        events += s.events.length;
      }
    }
  }
  return { spans, attributes, events, bytes: bytes.length };
}

/**
 * Fresh copies of the timed loops, compiled from their source. Closures made
 * from one function literal share V8's type feedback, so a loop shared by both
 * SDKs would see two span classes at every call site and run polymorphic code
 * that neither SDK would run in a real process.
 */
function ownCopies() {
  const copy = (fn) => new Function('api', 'EXCEPTION', 'HEADERS', `return (${fn.toString()});`)(api, EXCEPTION, HEADERS);
  return { spanLoop: copy(spanLoop), spanEventLoop: copy(spanEventLoop), propagationLoop: copy(propagationLoop) };
}

/** The benchmark cases: each has a loop per SDK taking an iteration count (exported for profiling). */
function buildCases() {
  const ours = spanwiseSdk();
  const theirs = otelSdk();
  const ourPropagator = createPropagator(['tracecontext', 'baggage']);
  // The same two propagators on the OTel side, so both do the same work.
  const theirPropagator = new otelCore.CompositePropagator({
    propagators: [new otelCore.W3CTraceContextPropagator(), new otelCore.W3CBaggagePropagator()],
  });
  const ourBatch = makeBatch(ours);
  const theirBatch = makeBatch(theirs);
  const encoded = {
    spanwise: census(encodeTraceRequestProtobuf(ourBatch)),
    otel: census(ProtobufTraceSerializer.serializeRequest(theirBatch)),
  };
  const mine = ownCopies();
  const yours = ownCopies();
  let sink;
  // The export path the agent really runs for http/protobuf: spans encoded as
  // they end (eight at a time), then one request per batch. The sender stands for an exporter whose
  // send settles at once; a synchronous thenable lets the queue take its body
  // buffer back inside this synchronous loop, as it would between exports.
  const settled = { then(onDone) { onDone({ ok: true }); return settled; } };
  const queue = new EncodedSpanQueue((batch) => { sink = batch.body; return settled; }, BATCH);
  // OpenTelemetry has one path: it serializes span objects per batch.
  const otelEncode = (n) => { for (let i = 0; i < n; i++) sink = ProtobufTraceSerializer.serializeRequest(theirBatch); };
  const encodeAtEnd = (n) => {
    for (let i = 0; i < n; i++) {
      for (let s = 0; s < ourBatch.length; s++) queue.push(ourBatch[s]);
      queue.take().send();
    }
  };
  return {
    encoded,
    propagated: { spanwise: propagationLoop(ourPropagator, 1), otel: propagationLoop(theirPropagator, 1) },
    cases: [
      { id: 'span', title: 'span start+end, 10 attributes', unit: 'spans/s', target: 2,
        spanwise: (n) => mine.spanLoop(ours.tracer, n), otel: (n) => yours.spanLoop(theirs.tracer, n) },
      { id: 'span-event', title: 'span + event + recordException', unit: 'spans/s',
        spanwise: (n) => mine.spanEventLoop(ours.tracer, n), otel: (n) => yours.spanEventLoop(theirs.tracer, n) },
      { id: 'propagation', title: 'W3C extract+inject (tracecontext, baggage)', unit: 'ops/s',
        spanwise: (n) => { sink = mine.propagationLoop(ourPropagator, n); },
        otel: (n) => { sink = yours.propagationLoop(theirPropagator, n); } },
      { id: 'encode', title: `encode ${BATCH} spans to OTLP protobuf`, unit: 'batches/s', target: 3,
        spanwise: (n) => { for (let i = 0; i < n; i++) sink = encodeTraceRequestProtobuf(ourBatch); },
        otel: otelEncode },
      { id: 'encode-at-end', title: `encode ${BATCH} spans as they end (export path)`, unit: 'batches/s',
        spanwise: encodeAtEnd, otel: otelEncode },
    ],
    keep: () => sink,
  };
}

/** CPU time of this process so far, in microseconds (user + system). */
function cpuMicros() {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/**
 * Runs `fn` in chunks until `ms` of CPU time have passed; returns operations per
 * CPU-second. CPU time, not wall time: on a shared machine the process is often
 * descheduled, and wall time would charge that to whichever SDK was running.
 */
function sample(fn, chunk, ms) {
  if (typeof global.gc === 'function') global.gc();
  const budget = ms * 1000;
  let ops = 0;
  const start = cpuMicros();
  let used = 0;
  while (used < budget) {
    fn(chunk);
    ops += chunk;
    used = cpuMicros() - start;
  }
  return ops / (used / 1e6);
}

/** The chunk size that takes about 5 ms, so the clock is read rarely. */
function calibrate(fn) {
  let n = 1;
  for (;;) {
    const start = process.hrtime.bigint();
    fn(n);
    const ns = Number(process.hrtime.bigint() - start);
    if (ns > 5e6 || n >= 1 << 20) return Math.max(1, Math.round((n * 5e6) / Math.max(ns, 1)));
    n *= 2;
  }
}

/** Runs every case: warm-up, then ROUNDS interleaved samples per SDK. */
function measure(cases) {
  const results = [];
  for (const c of cases) {
    const chunk = { spanwise: calibrate(c.spanwise), otel: calibrate(c.otel) };
    sample(c.spanwise, chunk.spanwise, SAMPLE_MS * 2); // warm-up: let both reach optimised code
    sample(c.otel, chunk.otel, SAMPLE_MS * 2);
    const runs = { spanwise: [], otel: [] };
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? ['spanwise', 'otel'] : ['otel', 'spanwise'];
      for (const who of order) runs[who].push(sample(c[who], chunk[who], SAMPLE_MS));
    }
    // The ratio is the median of per-round ratios: the two samples of a round run
    // back to back, so load from other processes mostly cancels out within a pair.
    const ratios = runs.spanwise.map((ops, i) => ops / runs.otel[i]);
    results.push({ ...c, runs, ours: median(runs.spanwise), theirs: median(runs.otel), ratio: median(ratios) });
  }
  return results;
}

function report(results, encoded, propagated) {
  const rows = results.map((r) => {
    const x = r.ratio;
    return [
      r.title, `${fmt(r.ours)} ${r.unit}`, `${fmt(r.theirs)} ${r.unit}`, ratio(x),
      `±${Math.round(spread(r.runs.spanwise) * 50)}% / ±${Math.round(spread(r.runs.otel) * 50)}%`,
      r.target ? verdict(x >= r.target, `>= ${r.target}x`) : '',
    ];
  });
  console.log(table(['case', 'spanwise', 'OpenTelemetry', 'spanwise/OTel', 'noise (half range)', 'target'], rows));
  const e = encoded;
  console.log(`\nencoded batch, decoded with the official proto definitions: spanwise ${e.spanwise.spans} spans, ` +
    `${e.spanwise.attributes} attributes, ${e.spanwise.events} events, ${fmt(e.spanwise.bytes)} bytes; ` +
    `OTel ${e.otel.spans} spans, ${e.otel.attributes} attributes, ${e.otel.events} events, ${fmt(e.otel.bytes)} bytes`);
  console.log(`injected headers: spanwise ${JSON.stringify(propagated.spanwise)}; OTel ${JSON.stringify(propagated.otel)}`);
}

/** Runs the micro suite and prints its table; resolves with the results. */
async function main() {
  console.log(`# micro: spanwise vs OpenTelemetry JS SDK (sdk-trace-base 2.x, otlp-transformer), one process, ` +
    `${ROUNDS} interleaved rounds of ${SAMPLE_MS} ms CPU time, medians of ops per CPU-second; node ${process.version}` +
    `${typeof global.gc === 'function' ? ', GC before each sample' : ''}\n`);
  const built = buildCases();
  const only = process.env.BENCH_MICRO_CASES ? process.env.BENCH_MICRO_CASES.split(',') : undefined;
  const cases = only ? built.cases.filter((c) => only.includes(c.id)) : built.cases;
  const results = measure(cases);
  built.keep();
  report(results, built.encoded, built.propagated);
  return results;
}

module.exports = { main, buildCases };

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
