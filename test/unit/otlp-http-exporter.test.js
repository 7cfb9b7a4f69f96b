'use strict';
// The OTLP/HTTP exporter against a scripted node:http server on 127.0.0.1.
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const zlib = require('node:zlib');
const { spawn } = require('node:child_process');
const path = require('node:path');
const diagnostics = require('node:diagnostics_channel');
const api = require('@opentelemetry/api');
const { createOtlpHttpExporter } = require('../../dist/src/export/otlp-http-exporter.js');
const { setLogLevel } = require('../../dist/src/log.js');
const protoRoot = require('otlp-proto-defs/build/src/generated/root.js');

const ExportRequest = protoRoot.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const VERSION = require('../../package.json').version;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

function makeSpan(name, spanId, parentSpanId) {
  return {
    name,
    kind: api.SpanKind.SERVER,
    spanContext: { traceId: TRACE_ID, spanId, traceFlags: 1 },
    parentSpanId,
    parentIsRemote: false,
    startTime: 1_700_000_000_000.5,
    endTime: 1_700_000_000_250.25,
    attributes: { 'http.request.method': 'POST' },
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: api.SpanStatusCode.OK },
    resource: { attributes: { 'service.name': 'api-gateway' } },
    scope: { name: 'spanwise-test', version: '1.0.0' },
  };
}

// The exporter's sockets and timers are unref'd by design (it must never keep
// a process alive), so without this handle the test process itself would exit
// while an export is waiting to retry.
let keepTestProcessAlive;
before(() => {
  keepTestProcessAlive = setInterval(() => {}, 60_000);
  setLogLevel('none'); // expected failures would fill the output with warnings
});
after(() => {
  clearInterval(keepTestProcessAlive);
  setLogLevel('warn');
});

const SPANS = [makeSpan('POST /api/orders', '00f067aa0ba902b7'), makeSpan('validate-order', 'a1b2c3d4e5f6a7b8', '00f067aa0ba902b7')];

/**
 * A collector whose answers the test scripts: `respond(req, res, n)` is called
 * for the n-th request (0-based) after its body was read; bodies are gunzipped.
 */
async function startCollector(respond) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const gzipped = req.headers['content-encoding'] === 'gzip';
      const record = { headers: req.headers, url: req.url, raw, body: gzipped ? zlib.gunzipSync(raw) : raw, remotePort: req.socket.remotePort };
      requests.push(record);
      respond(req, res, requests.length - 1);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

function answer(status, headers = {}, body = '') {
  return (req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  };
}

function exporterFor(url, overrides = {}) {
  return createOtlpHttpExporter({
    url,
    protocol: 'http/protobuf',
    headers: {},
    timeoutMs: 5_000,
    compression: 'none',
    retryBaseMs: 5,
    ...overrides,
  });
}

/** Runs `fn` with process.stderr.write captured (log.ts writes there). */
async function captureStderr(fn) {
  const original = process.stderr.write;
  let stderr = '';
  setLogLevel('warn');
  process.stderr.write = (chunk, ...rest) => {
    stderr += String(chunk);
    return true;
  };
  try {
    return { result: await fn(), stderr };
  } finally {
    process.stderr.write = original;
    setLogLevel('none');
  }
}

/** Resolves with a port on 127.0.0.1 that nothing listens on. */
async function closedPort() {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('success', () => {
  test('http/protobuf: the body decodes with the official protos; headers per spec', async () => {
    const collector = await startCollector(answer(200, { 'content-type': 'application/x-protobuf' }));
    const exporter = exporterFor(collector.url);
    const result = await exporter.export(SPANS);
    await exporter.shutdown();
    await collector.close();

    assert.deepEqual(result, { ok: true });
    assert.equal(collector.requests.length, 1);
    const { headers, url, body } = collector.requests[0];
    assert.equal(url, '/v1/traces');
    assert.equal(headers['content-type'], 'application/x-protobuf');
    assert.equal(headers['user-agent'], `spanwise/${VERSION}`);
    assert.equal(headers['content-encoding'], undefined);
    assert.equal(Number(headers['content-length']), body.length);
    const decoded = ExportRequest.decode(body);
    const names = decoded.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.name)));
    assert.deepEqual(names.sort(), ['POST /api/orders', 'validate-order']);
    assert.deepEqual({ ...exporter.stats }, { exportedSpans: 2, failedSpans: 0, failedBatches: 0, retries: 0 });
  });

  test('http/json: the body is OTLP JSON', async () => {
    const collector = await startCollector(answer(200, { 'content-type': 'application/json' }, '{}'));
    const exporter = exporterFor(collector.url, { protocol: 'http/json' });
    const result = await exporter.export(SPANS);
    await exporter.shutdown();
    await collector.close();

    assert.equal(result.ok, true);
    const { headers, body } = collector.requests[0];
    assert.equal(headers['content-type'], 'application/json');
    const json = JSON.parse(body.toString('utf8'));
    const spans = json.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    assert.deepEqual(spans.map((s) => s.traceId), [TRACE_ID, TRACE_ID]);
  });

  test('gzip: Content-Encoding is set and the body decompresses', async () => {
    const collector = await startCollector(answer(200));
    const exporter = exporterFor(collector.url, { protocol: 'http/json', compression: 'gzip' });
    const result = await exporter.export(SPANS);
    await exporter.shutdown();
    await collector.close();

    assert.equal(result.ok, true);
    const { headers, raw, body } = collector.requests[0];
    assert.equal(headers['content-encoding'], 'gzip');
    assert.equal(Number(headers['content-length']), raw.length);
    assert.equal(raw[0], 0x1f); // gzip magic
    assert.equal(JSON.parse(body.toString('utf8')).resourceSpans.length >= 1, true);
  });

  test('custom headers are sent; invalid ones are skipped without throwing', async () => {
    const collector = await startCollector(answer(200));
    const exporter = exporterFor(collector.url, {
      headers: { 'X-Api-Key': 'secret', authorization: 'Bearer abc', 'bad header': 'x', 'x-bad-value': 'a\r\nb' },
    });
    const result = await exporter.export(SPANS);
    await exporter.shutdown();
    await collector.close();

    assert.equal(result.ok, true);
    const { headers } = collector.requests[0];
    assert.equal(headers['x-api-key'], 'secret');
    assert.equal(headers.authorization, 'Bearer abc');
    assert.equal(headers['x-bad-value'], undefined);
    assert.equal(headers['content-type'], 'application/x-protobuf');
  });

  test('a partial success is accepted, not retried', async () => {
    const body = JSON.stringify({ partialSuccess: { rejectedSpans: '1', errorMessage: 'span too old' } });
    const collector = await startCollector(answer(200, { 'content-type': 'application/json' }, body));
    const exporter = exporterFor(collector.url, { protocol: 'http/json' });
    const result = await exporter.export(SPANS);
    await exporter.shutdown();
    await collector.close();

    assert.equal(result.ok, true);
    assert.equal(collector.requests.length, 1);
    assert.equal(exporter.stats.retries, 0);
  });

  test('requests never reach the http instrumentation: no client request events at all', async () => {
    const seen = [];
    const onStart = () => seen.push('http');
    const onUndici = () => seen.push('undici');
    diagnostics.subscribe('http.client.request.start', onStart);
    diagnostics.subscribe('undici:request:create', onUndici);
    try {
      const collector = await startCollector(answer(200));
      const exporter = exporterFor(collector.url);
      assert.equal((await exporter.export(SPANS)).ok, true);
      await exporter.shutdown();
      await collector.close();
      assert.equal(collector.requests.length, 1);
    } finally {
      diagnostics.unsubscribe('http.client.request.start', onStart);
      diagnostics.unsubscribe('undici:request:create', onUndici);
    }
    assert.deepEqual(seen, []);
  });

  test('one kept-alive connection carries consecutive exports', async () => {
    const collector = await startCollector(answer(200));
    const exporter = exporterFor(collector.url);
    for (let i = 0; i < 3; i++) assert.equal((await exporter.export(SPANS)).ok, true);
    await exporter.shutdown();
    await collector.close();
    assert.equal(collector.requests.length, 3);
    assert.equal(new Set(collector.requests.map((r) => r.remotePort)).size, 1);
  });

  test('a chunked response body and an interim 100 Continue are read', async () => {
    const body = JSON.stringify({ partialSuccess: { rejectedSpans: '0', errorMessage: 'ok' } });
    const collector = await startCollector((req, res) => {
      res.writeContinue();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(body.slice(0, 10));
      setTimeout(() => res.end(body.slice(10)), 20);
    });
    const exporter = exporterFor(collector.url, { protocol: 'http/json' });
    assert.equal((await exporter.export(SPANS)).ok, true);
    assert.equal((await exporter.export(SPANS)).ok, true, 'the connection is still usable');
    await exporter.shutdown();
    await collector.close();
    assert.equal(collector.requests.length, 2);
    assert.equal(exporter.stats.retries, 0);
  });

  test('Connection: close is honoured: the next export opens a new connection', async () => {
    const collector = await startCollector(answer(200, { connection: 'close' }));
    const exporter = exporterFor(collector.url);
    assert.equal((await exporter.export(SPANS)).ok, true);
    assert.equal((await exporter.export(SPANS)).ok, true);
    await exporter.shutdown();
    await collector.close();
    assert.equal(collector.requests.length, 2);
    assert.equal(exporter.stats.retries, 0);
    assert.notEqual(collector.requests[0].remotePort, collector.requests[1].remotePort);
  });

  test('a Host header of the user replaces the URL\'s; IPv6 collectors are reached', async () => {
    const requests = [];
    const server = http.createServer((req, res) => {
      requests.push(req.headers.host);
      req.resume();
      req.on('end', () => res.end());
    });
    await new Promise((resolve) => server.listen(0, '::1', resolve));
    const { port } = server.address();
    const plain = exporterFor(`http://[::1]:${port}/v1/traces`);
    const named = exporterFor(`http://[::1]:${port}/v1/traces`, { headers: { Host: 'collector.example' } });
    assert.equal((await plain.export(SPANS)).ok, true);
    assert.equal((await named.export(SPANS)).ok, true);
    await plain.shutdown();
    await named.shutdown();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    assert.deepEqual(requests, [`[::1]:${port}`, 'collector.example']);
  });
});

describe('https', () => {
  test('an https collector: trusted through NODE_EXTRA_CA_CERTS (by IP and by name), refused when not trusted', { timeout: 30_000 }, async () => {
    const https = require('node:https');
    const fs = require('node:fs');
    const os = require('node:os');
    const { createSelfSigned } = require('../fixtures/http/self-signed.cjs');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spanwise-otlp-tls-'));
    const { keyFile, certFile } = createSelfSigned(dir);
    let received = 0;
    const server = https.createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) }, (req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        res.end();
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    try {
      const untrusted = exporterFor(`https://127.0.0.1:${port}/v1/traces`, { timeoutMs: 2_000 });
      const refused = await untrusted.export(SPANS);
      await untrusted.shutdown();
      assert.equal(refused.ok, false);
      assert.equal(received, 0);

      const script = `
        const { createOtlpHttpExporter } = require(${JSON.stringify(path.resolve(__dirname, '../../dist/src/export/otlp-http-exporter.js'))});
        // The exporter's sockets never keep a process alive; this handle does, until the exports are done.
        const keepAlive = setInterval(() => {}, 1000);
        (async () => {
          const results = [];
          for (const host of ['127.0.0.1', 'localhost']) {
            const exporter = createOtlpHttpExporter({ url: 'https://' + host + ':${port}/v1/traces', protocol: 'http/protobuf',
              headers: {}, timeoutMs: 5000, compression: 'none' });
            results.push((await exporter.export(${JSON.stringify(SPANS)})).ok);
            await exporter.shutdown();
          }
          process.stdout.write(JSON.stringify(results));
          clearInterval(keepAlive);
        })();
      `;
      const child = spawn(process.execPath, ['-e', script], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: certFile }, stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      await new Promise((resolve) => child.on('close', resolve));
      assert.deepEqual(JSON.parse(out), [true, true]);
      assert.equal(received, 2);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('retries', () => {
  for (const status of [429, 502, 503, 504]) {
    test(`${status} then 200 is retried`, async () => {
      const collector = await startCollector((req, res, n) => answer(n === 0 ? status : 200)(req, res));
      const exporter = exporterFor(collector.url);
      const result = await exporter.export(SPANS);
      await exporter.shutdown();
      await collector.close();

      assert.equal(result.ok, true);
      assert.equal(collector.requests.length, 2);
      assert.deepEqual({ ...exporter.stats }, { exportedSpans: 2, failedSpans: 0, failedBatches: 0, retries: 1 });
    });
  }

  test('429 with Retry-After: 0 is honoured instead of the backoff', async () => {
    const collector = await startCollector((req, res, n) =>
      n === 0 ? answer(429, { 'retry-after': '0' })(req, res) : answer(200)(req, res),
    );
    // With this base the backoff (>= 30 s) would not fit the 5 s timeout:
    // only honouring Retry-After gets the batch through.
    const exporter = exporterFor(collector.url, { retryBaseMs: 60_000 });
    const result = await exporter.export(SPANS);
    await exporter.shutdown();
    await collector.close();

    assert.equal(result.ok, true);
    assert.equal(collector.requests.length, 2);
    assert.equal(exporter.stats.retries, 1);
  });

  test('503 with a Retry-After longer than the timeout gives up at once', async () => {
    const collector = await startCollector(answer(503, { 'retry-after': '3600' }));
    const exporter = exporterFor(collector.url);
    const result = await exporter.export(SPANS);
    await exporter.shutdown();
    await collector.close();

    assert.equal(result.ok, false);
    assert.equal(collector.requests.length, 1);
    assert.deepEqual({ ...exporter.stats }, { exportedSpans: 0, failedSpans: 2, failedBatches: 1, retries: 0 });
  });

  for (const status of [400, 401, 404, 413, 500]) {
    test(`${status} is not retried; the batch is dropped and counted`, async () => {
      const collector = await startCollector(answer(status, { 'content-type': 'application/json' }, '{"code":3,"message":"bad span"}'));
      const exporter = exporterFor(collector.url);
      const { result, stderr } = await captureStderr(() => exporter.export(SPANS));
      await exporter.shutdown();
      await collector.close();

      assert.match(stderr, new RegExp(`spanwise warn: OTLP export to .* failed \\(HTTP ${status}\\); batch dropped`));
      assert.equal(result.ok, false);
      assert.ok(result.error instanceof Error);
      assert.match(result.error.message, new RegExp(`HTTP ${status}: bad span`));
      assert.equal(collector.requests.length, 1);
      assert.deepEqual({ ...exporter.stats }, { exportedSpans: 0, failedSpans: 2, failedBatches: 1, retries: 0 });
    });
  }

  test('connection refused is retried until the timeout, then counted', async () => {
    const port = await closedPort();
    const exporter = exporterFor(`http://127.0.0.1:${port}/v1/traces`, { timeoutMs: 400, retryBaseMs: 10 });
    const result = await exporter.export(SPANS);
    await exporter.shutdown();

    assert.equal(result.ok, false);
    assert.match(result.error.message, /ECONNREFUSED|no time left/);
    assert.ok(exporter.stats.retries >= 1, `retries: ${exporter.stats.retries}`);
    assert.equal(exporter.stats.failedBatches, 1);
    assert.equal(exporter.stats.failedSpans, 2);
  });

  test('a pooled socket closed by the server is retried at once on a new one', async () => {
    const collector = await startCollector((req, res, n) => (n === 1 ? req.socket.destroy() : answer(200)(req, res)));
    // A backoff of >= 30 s would not fit the 5 s timeout: only the immediate
    // retry for a stale keep-alive socket gets the second batch through.
    const exporter = exporterFor(collector.url, { retryBaseMs: 60_000 });
    assert.equal((await exporter.export(SPANS)).ok, true);
    assert.equal((await exporter.export(SPANS)).ok, true);
    await exporter.shutdown();
    await collector.close();

    assert.equal(collector.requests.length, 3);
    assert.deepEqual({ ...exporter.stats }, { exportedSpans: 4, failedSpans: 0, failedBatches: 0, retries: 1 });
  });

  test('a server that closes the connection without answering is retried', async () => {
    const collector = await startCollector((req, res, n) => (n === 0 ? req.socket.destroy() : answer(200)(req, res)));
    const exporter = exporterFor(collector.url);
    const result = await exporter.export(SPANS);
    await exporter.shutdown();
    await collector.close();

    assert.equal(result.ok, true);
    assert.equal(exporter.stats.retries, 1);
  });
});

describe('timeouts and lifecycle', () => {
  test('the export timeout is respected when the server never answers', async () => {
    const collector = await startCollector(() => {});
    const exporter = exporterFor(collector.url, { timeoutMs: 200 });
    const result = await exporter.export(SPANS);
    await exporter.shutdown();
    await collector.close();

    assert.equal(result.ok, false);
    assert.match(result.error.message, /timed out/);
    assert.deepEqual({ ...exporter.stats }, { exportedSpans: 0, failedSpans: 2, failedBatches: 1, retries: 0 });
  });

  test('shutdown waits for an export in flight', async () => {
    let release;
    const collector = await startCollector((req, res) => {
      release = () => answer(200)(req, res);
    });
    const exporter = exporterFor(collector.url);
    const pending = exporter.export(SPANS);
    while (collector.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const closing = exporter.shutdown();
    release();
    await closing;
    assert.equal((await pending).ok, true);
    assert.equal((await exporter.export(SPANS)).ok, false, 'export after shutdown fails');
    await collector.close();
  });

  test('shutdown is bounded by the timeout when the server hangs', async () => {
    const collector = await startCollector(() => {});
    const exporter = exporterFor(collector.url, { timeoutMs: 300 });
    const pending = exporter.export(SPANS);
    await exporter.shutdown();
    assert.equal((await pending).ok, false);
    await collector.close();
  });

  test('bad input never throws', async () => {
    const exporter = exporterFor('not a url');
    assert.deepEqual(await exporter.export([]), { ok: true });
    assert.equal((await exporter.export(SPANS)).ok, false);
    assert.deepEqual(await exporter.export(undefined), { ok: true });
    await exporter.shutdown();
    await exporter.shutdown();
    const ftp = exporterFor('ftp://127.0.0.1/v1/traces');
    assert.equal((await ftp.export(SPANS)).ok, false);
    await ftp.shutdown();
  });

  test('a pending export does not keep the process alive', { timeout: 30_000 }, async () => {
    const collector = await startCollector(() => {});
    const script = `
      const { createOtlpHttpExporter } = require(${JSON.stringify(path.resolve(__dirname, '../../dist/src/export/otlp-http-exporter.js'))});
      const exporter = createOtlpHttpExporter({ url: ${JSON.stringify(collector.url)}, protocol: 'http/protobuf',
        headers: {}, timeoutMs: 600000, compression: 'gzip' });
      exporter.export(${JSON.stringify(SPANS)});
      // The IPC channel keeps this process alive until the parent saw the request.
      process.on('message', () => process.disconnect());
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    while (collector.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    child.send('request received');
    assert.deepEqual(await exited, { code: 0, signal: null });
    await collector.close();
  });
});
