'use strict';
// The scenario app (test/fixtures/http/app.cjs and app.mjs) run with the real
// preload: every call form of http(s).request/get and every way an exchange can
// end gives the spans the HTTP semantic conventions ask for, and the app prints
// and exits exactly as it does without the agent.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startOtlpReceiver } = require('../../dist/src/export/otlp-receiver.js');
const { runApp, otlpEnv } = require('../support/run-app.js');
const { createSelfSigned } = require('../fixtures/http/self-signed.cjs');

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'http');
const SERVER = 1;
const CLIENT = 2;
const UNSET = 0;
const ERROR = 2;
const EXPECTED_SPANS = 54;

let receiver;
let tlsDir;
let env;

test.before(async () => {
  receiver = await startOtlpReceiver({});
  tlsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spanwise-http-'));
  const tls = createSelfSigned(tlsDir);
  env = {
    TLS_KEY_FILE: tls.keyFile,
    TLS_CERT_FILE: tls.certFile,
    OTEL_SERVICE_NAME: 'http-scenarios',
    SPANWISE_HTTP_IGNORE_PATHS: '/health, /internal/*',
    SPANWISE_REDACT_QUERY_KEYS: 'my_private',
    OTEL_INSTRUMENTATION_HTTP_CLIENT_CAPTURE_REQUEST_HEADERS: 'authorization,X-Custom',
    OTEL_INSTRUMENTATION_HTTP_CLIENT_CAPTURE_RESPONSE_HEADERS: 'x-res,set-cookie',
    OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_REQUEST_HEADERS: 'x-custom,authorization',
    OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_RESPONSE_HEADERS: 'x-res,set-cookie',
  };
});

test.after(async () => {
  await receiver.close();
  fs.rmSync(tlsDir, { recursive: true, force: true });
});

const caseParam = (name) => new RegExp(`[?&]case=${name}(&|$)`);
const clientSpans = (spans, name) => spans.filter((s) => s.kind === CLIENT && caseParam(name).test(s.attributes['url.full']));
const serverSpans = (spans, name) => spans.filter((s) => s.kind === SERVER && caseParam(name).test('?' + s.attributes['url.query']));

/** The client and server span of one scenario, checked to be parent and child in one trace. */
function pair(spans, name) {
  const clients = clientSpans(spans, name);
  const servers = serverSpans(spans, name);
  assert.equal(clients.length, 1, `one client span for ${name}`);
  assert.equal(servers.length, 1, `one server span for ${name}`);
  const [client] = clients;
  const [server] = servers;
  assert.equal(server.spanContext.traceId, client.spanContext.traceId);
  assert.equal(server.parentSpanId, client.spanContext.spanId);
  assert.equal(server.parentIsRemote, true);
  return { client, server };
}

function assertOk(span, status = 200) {
  assert.equal(span.status.code, UNSET, `${span.name} status`);
  assert.equal(span.attributes['http.response.status_code'], status);
  assert.equal(span.attributes['error.type'], undefined);
}

function assertError(span, errorType) {
  assert.equal(span.status.code, ERROR, `status of ${span.attributes['url.full'] ?? span.attributes['url.path']}`);
  assert.equal(span.attributes['error.type'], errorType);
}

const CHECKS = {
  'call forms: URL string, URL object, options, url + options, raw header array': (spans) => {
    for (const name of ['get-string', 'request-url', 'request-options', 'request-url-options', 'get-raw-headers']) {
      const { client, server } = pair(spans, name);
      assert.equal(client.name, 'GET');
      assert.equal(server.name, 'GET');
      assertOk(client);
      assertOk(server);
      assert.match(client.attributes['url.full'], /^http:\/\/127\.0\.0\.1:\d+\/ok\?case=/);
      assert.equal(client.attributes['server.address'], '127.0.0.1');
      assert.equal(client.attributes['server.port'], Number(new URL(client.attributes['url.full']).port));
      assert.equal(client.attributes['network.peer.address'], '127.0.0.1');
      assert.equal(client.attributes['network.protocol.version'], '1.1');
      assert.equal(server.attributes['url.scheme'], 'http');
      assert.equal(server.attributes['url.path'], '/ok');
      assert.equal(server.attributes['client.address'], '127.0.0.1');
      assert.equal(server.attributes['network.peer.address'], '127.0.0.1');
      assert.equal(typeof server.attributes['network.peer.port'], 'number');
      assert.equal(server.attributes['http.request.method'], 'GET');
    }
    // The raw header array names Host without a port: the scheme's default is implied.
    assert.equal(pair(spans, 'get-raw-headers').server.attributes['server.port'], 80);
  },
  'an ignored response still ends its span and frees the socket': (spans) => {
    assertOk(pair(spans, 'ignored-response').client);
    assertOk(pair(spans, 'after-ignored').client);
  },
  '404 is an error on the client only; 500 on both': (spans) => {
    const notFound = pair(spans, 'not-found');
    assertError(notFound.client, '404');
    assertOk(notFound.server, 404);
    const failed = pair(spans, 'server-error');
    assertError(failed.client, '500');
    assertError(failed.server, '500');
    assert.equal(failed.server.status.message, undefined);
  },
  'chunked streaming response': (spans) => {
    const { client, server } = pair(spans, 'stream');
    assertOk(client);
    assertOk(server);
  },
  'request body stream, and a call from its end listener is a child of the server span': (spans) => {
    const { client, server } = pair(spans, 'upload');
    assert.equal(client.name, 'POST');
    assertOk(server);
    const inner = clientSpans(spans, 'upload-inner').filter((s) => s.parentSpanId === server.spanContext.spanId);
    assert.equal(inner.length, 1);
  },
  'Expect: 100-continue answered by a checkContinue listener gives one server span': (spans) => {
    const { client, server } = pair(spans, 'continue');
    assertOk(client);
    assertOk(server);
    const inner = clientSpans(spans, 'upload-inner').filter((s) => s.parentSpanId === server.spanContext.spanId);
    assert.equal(inner.length, 1);
  },
  'client abort mid-body: client ECONNRESET, server client_disconnected': (spans) => {
    const { client, server } = pair(spans, 'client-abort');
    assertError(client, 'ECONNRESET');
    assert.equal(client.attributes['http.response.status_code'], 200);
    assertError(server, 'client_disconnected');
  },
  'server destroys the socket: client ECONNRESET, server response_aborted': (spans) => {
    const { client, server } = pair(spans, 'server-destroy');
    assertError(client, 'ECONNRESET');
    assert.ok(client.events.some((e) => e.name === 'exception'));
    assertError(server, 'response_aborted');
    assert.equal(server.attributes['http.response.status_code'], undefined);
  },
  'timeout and AbortSignal': (spans) => {
    const timeout = pair(spans, 'timeout');
    assertError(timeout.client, 'timeout');
    assertError(timeout.server, 'client_disconnected');
    const aborted = pair(spans, 'abort-signal');
    assertError(aborted.client, 'ABORT_ERR');
    assertError(aborted.server, 'client_disconnected');
  },
  'connection refused': (spans) => {
    const [client] = clientSpans(spans, 'refused');
    assertError(client, 'ECONNREFUSED');
    assert.equal(client.attributes['http.response.status_code'], undefined);
    const exception = client.events.find((e) => e.name === 'exception');
    assert.match(String(exception.attributes['exception.message']), /ECONNREFUSED/);
    assert.equal(serverSpans(spans, 'refused').length, 0);
  },
  'https with a self-signed certificate, trusted and not': (spans) => {
    const { client, server } = pair(spans, 'https');
    assertOk(client);
    assert.match(client.attributes['url.full'], /^https:\/\/127\.0\.0\.1:\d+\/\?case=https$/);
    assert.equal(server.attributes['url.scheme'], 'https');
    const [untrusted] = clientSpans(spans, 'https-untrusted');
    assertError(untrusted, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.equal(serverSpans(spans, 'https-untrusted').length, 0);
  },
  'IPv6 loopback': (spans) => {
    const { client, server } = pair(spans, 'ipv6');
    assert.match(client.attributes['url.full'], /^http:\/\/\[::1\]:\d+\/\?case=ipv6$/);
    assert.equal(client.attributes['server.address'], '::1');
    assert.equal(server.attributes['server.address'], '::1');
    assert.equal(server.attributes['client.address'], '::1');
  },
  'credentials, sensitive query values and captured headers are redacted': (spans) => {
    const { client, server } = pair(spans, 'redaction');
    const query = 'case=redaction&sig=REDACTED&access_token=REDACTED&color=blue&my_private=REDACTED';
    assert.match(client.attributes['url.full'], new RegExp(`^http://REDACTED:REDACTED@127\\.0\\.0\\.1:\\d+/headers\\?${query}$`));
    assert.equal(server.attributes['url.query'], query);
    assert.deepEqual(client.attributes['http.request.header.authorization'], ['REDACTED']);
    assert.deepEqual(client.attributes['http.request.header.x-custom'], ['custom-value']);
    assert.deepEqual(client.attributes['http.response.header.x-res'], ['r']);
    assert.deepEqual(client.attributes['http.response.header.set-cookie'], ['REDACTED']);
    assert.deepEqual(server.attributes['http.request.header.authorization'], ['REDACTED']);
    assert.deepEqual(server.attributes['http.request.header.x-custom'], ['custom-value']);
    // Given to writeHead() only, and still captured.
    assert.deepEqual(server.attributes['http.response.header.x-res'], ['r']);
    assert.deepEqual(server.attributes['http.response.header.set-cookie'], ['REDACTED']);
    assert.equal(pair(spans, 'get-string').client.attributes['http.request.header.x-custom'], undefined);
  },
  'a method outside the known set is _OTHER, named HTTP': (spans) => {
    for (const span of Object.values(pair(spans, 'method'))) {
      assert.equal(span.name, 'HTTP');
      assert.equal(span.attributes['http.request.method'], '_OTHER');
      assert.equal(span.attributes['http.request.method_original'], 'PROPFIND');
    }
  },
  'an ignored path makes no server span and no child span': (spans) => {
    assert.equal(serverSpans(spans, 'ignored-path').length, 0);
    assert.equal(clientSpans(spans, 'ignored-path').length, 1);
    assert.equal(spans.filter((s) => /\/(health|internal)/.test(String(s.attributes['url.path']))).length, 0);
    assert.equal(spans.filter((s) => /\/internal\/echo/.test(String(s.attributes['url.full']))).length, 0);
  },
  'a call after an await is a child of the server span': (spans) => {
    const outer = pair(spans, 'nested');
    const inner = pair(spans, 'nested-inner');
    assert.equal(inner.client.parentSpanId, outer.server.spanContext.spanId);
    assert.equal(inner.client.spanContext.traceId, outer.client.spanContext.traceId);
  },
  'a handler that throws: exception event, error.type, ERROR': (spans) => {
    const { client, server } = pair(spans, 'throw');
    assertError(client, '500');
    assertError(server, 'Error');
    assert.equal(server.attributes['http.response.status_code'], 500);
    assert.equal(server.status.message, 'handler failed');
    const exception = server.events.find((e) => e.name === 'exception');
    assert.equal(exception.attributes['exception.message'], 'handler failed');
  },
  'a protocol upgrade ends the client span at the 101 response': (spans) => {
    const [client] = clientSpans(spans, 'upgrade');
    assertOk(client, 101);
    assert.equal(serverSpans(spans, 'upgrade').length, 0);
  },
};

for (const [file, preload] of [['app.cjs', 'require'], ['app.mjs', 'import']]) {
  test(`${file} (--${preload}): same output and exit code as without the agent, and the spans of every scenario`, async (t) => {
    const app = path.join(FIXTURES, file);
    const baseline = await runApp(app, { preload: 'none', env });
    assert.equal(baseline.code, 0, baseline.stdout + baseline.stderr);
    assert.match(baseline.stdout, /https: 200 secure/);
    receiver.clear();
    const traced = await runApp(app, { preload, env: otlpEnv(receiver, env) });
    assert.equal(traced.code, baseline.code);
    assert.equal(traced.stdout, baseline.stdout);
    assert.doesNotMatch(traced.stderr, /spanwise/);
    const spans = await receiver.waitForSpans((s) => s.length >= EXPECTED_SPANS, 10000);
    assert.equal(spans.length, EXPECTED_SPANS, 'every span ends exactly once, and nothing else is traced');
    assert.equal(new Set(spans.map((s) => s.spanContext.spanId)).size, spans.length);
    assert.equal(spans[0].resource.attributes['service.name'], 'http-scenarios');
    for (const [name, check] of Object.entries(CHECKS)) await t.test(name, () => check(spans));
  });
}

test('the node:crypto fallback for the self-signed certificate works where openssl is missing', async () => {
  const https = require('node:https');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spanwise-tls-'));
  try {
    const { keyFile, certFile, via } = createSelfSigned(dir, { preferOpenssl: false });
    assert.equal(via, 'node:crypto');
    const server = https.createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) }, (req, res) => res.end('ok'));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const status = await new Promise((resolve, reject) => {
      https.get(`https://127.0.0.1:${server.address().port}/`, { ca: fs.readFileSync(certFile), agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject);
    });
    server.close();
    assert.equal(status, 200);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
