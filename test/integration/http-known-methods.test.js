'use strict';
// OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS fully overrides the known-method list
// (HTTP semantic conventions); without it PROPFIND is `_OTHER`, named `HTTP`.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { startOtlpReceiver } = require('../../dist/src/export/otlp-receiver.js');
const { runApp, otlpEnv } = require('../support/run-app.js');

const APP = path.join(__dirname, '..', 'fixtures', 'http', 'propfind.cjs');
let receiver;
test.before(async () => { receiver = await startOtlpReceiver({}); });
test.after(() => receiver.close());

for (const [env, name, method] of [
  [{}, 'HTTP', '_OTHER'],
  [{ OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS: 'GET,POST,PROPFIND' }, 'PROPFIND', 'PROPFIND'],
]) {
  test(`PROPFIND with ${JSON.stringify(env)} is named ${name}`, async () => {
    receiver.clear();
    const result = await runApp(APP, { preload: 'require', env: otlpEnv(receiver, env) });
    assert.equal(result.code, 0, result.stderr);
    const spans = await receiver.waitForSpans((s) => s.length >= 2, 10000);
    for (const span of spans) {
      assert.equal(span.name, name);
      assert.equal(span.attributes['http.request.method'], method);
    }
  });
}
