'use strict';
// Shutdown: spans queued for later export are flushed on SIGTERM/SIGINT and at
// exit, Node's default exit on a signal survives, and an app's own handler keeps control.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { startOtlpReceiver } = require('../../dist/src/export/otlp-receiver.js');
const { startApp, runApp, otlpEnv } = require('../support/run-app.js');

const IDLE = path.join(__dirname, '..', 'fixtures', 'shutdown', 'idle.cjs');
// A schedule delay far beyond the test: only a shutdown flush can deliver the spans.
const LATE = { OTEL_BSP_SCHEDULE_DELAY: '600000' };

let receiver;
test.before(async () => { receiver = await startOtlpReceiver({}); });
test.after(() => receiver.close());

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`${signal} with no app handler: spans are flushed and the process still dies of the signal`, async () => {
    receiver.clear();
    const app = startApp(IDLE, { env: otlpEnv(receiver, LATE) });
    await app.waitForLine(/ready/);
    app.child.kill(signal);
    const result = await app.exited;
    assert.equal(result.signal, signal, result.stderr);
    assert.deepEqual(receiver.spans.map((s) => s.name), ['before-signal']);
  });
}

test('an app with its own SIGTERM handler keeps control; spans are flushed and later spans still export', async () => {
  receiver.clear();
  const app = startApp(IDLE, { env: otlpEnv(receiver, { ...LATE, OWN_HANDLER: '1' }) });
  await app.waitForLine(/ready/);
  app.child.kill('SIGTERM');
  const result = await app.exited;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.signal, null);
  assert.match(result.stdout, /app handled SIGTERM/);
  assert.deepEqual(receiver.spans.map((s) => s.name).sort(), ['after-signal', 'before-signal']);
});

test('a script that simply ends has its spans flushed before exit', async () => {
  receiver.clear();
  const script = path.join(__dirname, '..', 'fixtures', 'api', 'manual.mjs');
  const result = await runApp(script, { env: otlpEnv(receiver, LATE) });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(receiver.spans.length, 6);
});

test('an unreachable collector never delays or changes the app\'s exit', async () => {
  const script = path.join(__dirname, '..', 'fixtures', 'api', 'manual.mjs');
  const result = await runApp(script, {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_TIMEOUT: '500', OTEL_LOG_LEVEL: 'none' },
  });
  assert.equal(result.code, 0);
  assert.equal(result.stdout, 'done\n');
});

test('spans that cannot be delivered before exit are reported, not lost silently', async () => {
  const script = path.join(__dirname, '..', 'fixtures', 'api', 'manual.mjs');
  const result = await runApp(script, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' } });
  assert.equal(result.code, 0);
  assert.equal(result.stdout, 'done\n');
  assert.match(result.stderr, /6 spans were not exported before the process exited; they are lost/);
});
