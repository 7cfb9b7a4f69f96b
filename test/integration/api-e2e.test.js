'use strict';
// A script written only against @opentelemetry/api, run with the real preload:
// its spans reach an OTLP receiver with the right parents, kinds, events, links and status.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { startOtlpReceiver } = require('../../dist/src/export/otlp-receiver.js');
const { runApp, otlpEnv } = require('../support/run-app.js');

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'api', 'manual.mjs');
let receiver;
test.before(async () => { receiver = await startOtlpReceiver({}); });
test.after(() => receiver.close());

// http/protobuf goes through the queue that encodes spans as they end; gzip compresses its bodies too.
for (const [protocol, compression] of [['http/protobuf', 'none'], ['http/protobuf', 'gzip'], ['http/json', 'none']]) {
  test(`manual spans written against @opentelemetry/api are exported over OTLP (${protocol}, compression ${compression})`, async () => {
    receiver.clear();
    const r = await runApp(FIXTURE, { env: otlpEnv(receiver, {
      OTEL_SERVICE_NAME: 'orders', OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_EXPORTER_OTLP_COMPRESSION: compression,
    }) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'done\n');
    const spans = await receiver.waitForSpans((s) => s.length >= 6, 10000);
    const by = (name) => spans.filter((s) => s.name === name);
    const [root] = by('handle-order');
    const [validate] = by('validate-order');
    const [ok, declined] = by('process-payment');
    const [producer] = by('publish order.created');
    const [consumer] = by('process-message-batch');
    assert.equal(root.kind, 1);
    assert.equal(root.parentSpanId, undefined);
    for (const child of [validate, ok, declined, producer]) {
      assert.equal(child.spanContext.traceId, root.spanContext.traceId);
      assert.equal(child.parentSpanId, root.spanContext.spanId);
    }
    assert.equal(ok.kind, 2);
    assert.equal(producer.kind, 3);
    assert.equal(consumer.kind, 4);
    assert.equal(validate.kind, 0);
    assert.equal(ok.attributes['payment.amount'], 99.99);
    assert.deepEqual(ok.events.map((e) => e.name), ['payment.validation.started', 'payment.validation.completed']);
    assert.deepEqual(ok.status, { code: 1 });
    assert.equal(declined.status.code, 2);
    assert.equal(declined.status.message, 'Payment declined');
    const exception = declined.events.find((e) => e.name === 'exception');
    assert.equal(exception.attributes['exception.type'], 'PaymentDeclinedError');
    assert.equal(exception.attributes['exception.message'], 'card declined');
    assert.notEqual(consumer.spanContext.traceId, root.spanContext.traceId);
    assert.equal(consumer.links[0].context.spanId, producer.spanContext.spanId);
    assert.equal(consumer.links[0].attributes['messaging.message.id'], 'm-1');
    assert.equal(root.resource.attributes['service.name'], 'orders');
    assert.equal(root.resource.attributes['telemetry.sdk.name'], 'spanwise');
  });
}

test('the console exporter prints the trace as a waterfall', async () => {
  const r = await runApp(FIXTURE, { env: { OTEL_SERVICE_NAME: 'orders', OTEL_TRACES_EXPORTER: 'console' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /handle-order/);
  assert.match(r.stdout, /process-payment/);
  assert.match(r.stdout, /SERVER/);
});
