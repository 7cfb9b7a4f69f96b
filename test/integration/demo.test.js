'use strict';
// The whole product at once: the demo's scenario (demo/scenario.js, shared
// with `npm run demo`) runs the seed's order flow as five services under the
// real preload, against a real PostgreSQL, and the trace of each order must
// be the seed's trace tree (../shared/seed/distributed-tracing.txt).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const { runScenario, ORDERS, SERVICES } = require('../../demo/scenario.js');
const { startService } = require('../../demo/lib/services.js');

const INTERNAL = 0;
const SERVER = 1;
const CLIENT = 2;
const PRODUCER = 3;
const CONSUMER = 4;
const OK = 1;
const ERROR = 2;

let result;
const logs = [];

test.before(async () => {
  result = await runScenario({ endpoint: null, log: (line) => logs.push(line) });
}, { timeout: 90_000 });

/** The received trace of the order labelled `label`, with lookups over it. */
function traceOf(label) {
  const order = result.orders.find((o) => o.label === label);
  const spans = [...order.spans, ...order.linked];
  const byId = new Map(spans.map((span) => [span.spanContext.spanId, span]));
  const service = (span) => span.resource.attributes['service.name'];
  const find = (name, svc, kind) => {
    const found = spans.filter((s) => s.name === name && service(s) === svc && (kind === undefined || s.kind === kind));
    assert.equal(found.length, 1, `expected one ${svc} span named ${name}, got ${found.length}\n${logs.join('\n')}`);
    return found[0];
  };
  const parentOf = (span) => byId.get(span.parentSpanId);
  const ancestors = (span) => {
    const chain = [];
    for (let p = parentOf(span); p !== undefined; p = parentOf(p)) chain.push(p);
    return chain;
  };
  return { order, spans, service, find, parentOf, ancestors };
}

test('every order gets its reply and a complete trace', () => {
  assert.deepEqual(result.orders.map((o) => o.status), ORDERS.map((o) => o.expectedStatus));
  for (const order of result.orders) {
    assert.deepEqual(order.missing, [], `order ${order.order.id} trace incomplete\n${logs.join('\n')}`);
  }
});

test('the successful order is one trace across the five services, rooted in api-gateway POST /api/orders', () => {
  const t = traceOf('succeeds');
  assert.equal(t.order.linked.length, 0, 'a one-message batch continues the order trace');
  assert.equal(new Set(t.spans.map((s) => s.spanContext.traceId)).size, 1);
  assert.deepEqual([...new Set(t.spans.map(t.service))].sort(), [...SERVICES].sort());
  const roots = t.spans.filter((s) => s.parentSpanId === undefined);
  assert.equal(roots.length, 1);
  const [root] = roots;
  assert.equal(root.name, 'POST /api/orders');
  assert.equal(root.kind, SERVER);
  assert.equal(t.service(root), 'api-gateway');
  assert.equal(root.attributes['http.route'], '/api/orders');
  assert.equal(root.attributes['http.response.status_code'], 201);
  for (const span of t.spans) {
    if (span !== root) assert.ok(t.parentOf(span), `${t.service(span)} ${span.name} has its parent in the trace`);
  }
});

test('each hop between services is a CLIENT span parenting the next SERVER span', () => {
  const t = traceOf('succeeds');
  const hops = [
    ['api-gateway', 'order-service', 'POST /orders'],
    ['order-service', 'inventory-service', 'GET /stock'],
    ['order-service', 'payment-service', 'POST /charge'],
  ];
  for (const [caller, callee, name] of hops) {
    const server = t.find(name, callee, SERVER);
    const client = t.parentOf(server);
    assert.equal(client.kind, CLIENT, `${callee} ${name} is parented by a CLIENT span`);
    assert.equal(t.service(client), caller);
    assert.equal(client.parentSpanId !== undefined, true);
  }
  const servers = t.spans.filter((s) => s.kind === SERVER);
  assert.equal(servers.length, 4);
  for (const server of servers.filter((s) => s.parentSpanId !== undefined)) {
    assert.equal(t.parentOf(server).kind, CLIENT);
    assert.notEqual(t.service(t.parentOf(server)), t.service(server));
  }
  // The seed's shape inside order-service: the calls hang under the manual spans.
  assert.equal(t.parentOf(t.parentOf(t.find('GET /stock', 'inventory-service'))).name, 'check-inventory');
  assert.equal(t.parentOf(t.parentOf(t.find('POST /charge', 'payment-service'))).name, 'process-payment');
  // payment-service's call to the external API (which runs without the agent): a CLIENT span with no SERVER under it.
  const external = t.spans.filter((s) => t.service(s) === 'payment-service' && s.kind === CLIENT);
  assert.equal(external.length, 1);
  assert.match(external[0].attributes['url.full'], /\/v1\/charges$/);
  assert.equal(t.spans.some((s) => s.parentSpanId === external[0].spanContext.spanId), false);
});

test('SELECT stock is a CLIENT span under inventory-service GET /stock, with sanitised SQL', () => {
  const t = traceOf('succeeds');
  const select = t.find('SELECT stock', 'inventory-service', CLIENT);
  assert.ok(t.ancestors(select).includes(t.find('GET /stock', 'inventory-service', SERVER)));
  assert.equal(select.attributes['db.system.name'], 'postgresql');
  assert.equal(select.attributes['db.operation.name'], 'SELECT');
  assert.equal(select.attributes['db.collection.name'], 'stock');
  assert.equal(select.attributes['db.query.text'], 'SELECT quantity FROM stock WHERE sku = $1');
  assert.equal(JSON.stringify(select.attributes).includes('BOOK-1984'), false, 'bound values are never recorded');
});

test('validate-order and process-payment are the seed\'s manual spans, with their attributes and events', () => {
  const t = traceOf('succeeds');
  const validate = t.find('validate-order', 'order-service');
  const payment = t.find('process-payment', 'order-service');
  assert.equal(validate.kind, INTERNAL);
  assert.equal(validate.attributes['order.id'], 'ord-1001');
  assert.equal(payment.kind, CLIENT);
  assert.deepEqual(
    Object.fromEntries(['order.id', 'payment.amount', 'payment.currency', 'payment.provider', 'payment.status'].map((k) => [k, payment.attributes[k]])),
    { 'order.id': 'ord-1001', 'payment.amount': 99.99, 'payment.currency': 'EUR', 'payment.provider': 'stripe', 'payment.status': 'success' },
  );
  assert.match(payment.attributes['payment.transaction_id'], /^ch_/);
  assert.deepEqual(payment.events.map((e) => e.name), ['payment.validation.started', 'payment.validation.completed']);
  assert.equal(payment.events[0].attributes['validation.rules'], 'amount,currency,card');
  assert.deepEqual(payment.status, { code: OK });
  // Siblings under order-service's request, in the seed's order.
  const handler = t.parentOf(validate);
  const steps = t.spans.filter((s) => s.parentSpanId === handler.spanContext.spanId).map((s) => s.name);
  assert.deepEqual(steps, ['validate-order', 'check-inventory', 'process-payment', 'send-confirmation']);
  assert.ok(t.ancestors(handler).includes(t.find('POST /orders', 'order-service', SERVER)));
});

test('order.created: a PRODUCER span in order-service, a CONSUMER span in notification-service linked to it', () => {
  const t = traceOf('succeeds');
  const producer = t.find('publish order.created', 'order-service', PRODUCER);
  assert.equal(t.parentOf(producer).name, 'send-confirmation');
  const consumer = t.spans.find((s) => s.kind === CONSUMER);
  assert.equal(t.service(consumer), 'notification-service');
  const link = consumer.links.find((l) => l.context.spanId === producer.spanContext.spanId);
  assert.ok(link, 'the consumer links to the producer');
  assert.equal(link.context.traceId, producer.spanContext.traceId);
  assert.equal(link.attributes['messaging.message.id'], producer.attributes['messaging.message.id']);
  assert.equal(consumer.attributes['messaging.batch.message_count'], 1);
  const email = t.find('send-email', 'notification-service', INTERNAL);
  assert.equal(email.parentSpanId, consumer.spanContext.spanId);
  assert.ok(t.spans.some((s) => s.name === 'INSERT messages' && s.parentSpanId === producer.spanContext.spanId));
});

test('all five SpanKinds appear in the successful order\'s trace', () => {
  const kinds = new Set(traceOf('succeeds').spans.map((s) => s.kind));
  assert.deepEqual([...kinds].sort(), [INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER]);
});

test('the declined order: process-payment records the exception and ends with ERROR "Payment declined"', () => {
  const t = traceOf('card declined');
  const payment = t.find('process-payment', 'order-service', CLIENT);
  assert.deepEqual(payment.status, { code: ERROR, message: 'Payment declined' });
  assert.deepEqual(payment.events.map((e) => e.name), ['payment.validation.started', 'payment.validation.completed', 'exception']);
  const exception = payment.events[2].attributes;
  assert.equal(exception['exception.type'], 'PaymentDeclinedError');
  assert.equal(exception['exception.message'], 'Your card was declined.');
  assert.match(exception['exception.stacktrace'], /PaymentDeclinedError/);
  assert.equal(payment.attributes['payment.decline_reason'], 'Your card was declined.');
  assert.equal(payment.attributes['payment.status'], undefined);
  assert.equal(t.spans.some((s) => s.kind === PRODUCER || s.kind === CONSUMER), false, 'no confirmation is sent');
  // 4xx: an error on the CLIENT spans that received it, not on the SERVER spans (HTTP semconv "Status").
  const root = t.spans.find((s) => s.parentSpanId === undefined);
  assert.equal(root.attributes['http.response.status_code'], 402);
  assert.notEqual(root.status.code, ERROR);
});

test('the slow provider: process-payment times out with ERROR "Payment gateway timeout" and schedules a retry', () => {
  const t = traceOf('slow payment provider');
  const payment = t.find('process-payment', 'order-service', CLIENT);
  assert.deepEqual(payment.status, { code: ERROR, message: 'Payment gateway timeout' });
  const names = payment.events.map((e) => e.name);
  assert.deepEqual(names, ['payment.validation.started', 'payment.validation.completed', 'exception', 'payment.retry.scheduled']);
  assert.equal(payment.events[2].attributes['exception.type'], 'TimeoutError');
  assert.deepEqual(payment.events[3].attributes, { 'retry.attempt': 1, 'retry.delay_ms': 1000 });
  // payment-service's call to the provider, still running when order-service gave up, is in the trace too.
  const charge = t.find('POST /charge', 'payment-service', SERVER);
  const external = t.spans.find((s) => t.service(s) === 'payment-service' && s.kind === CLIENT);
  assert.ok(t.ancestors(external).includes(charge));
  assert.equal(external.attributes['http.response.status_code'], 200);
});

test('everything is stopped afterwards: no service process left, the Postgres folder removed', () => {
  for (const pid of result.stopped.pids) {
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `service process ${pid} is gone`);
  }
  assert.equal(fs.existsSync(result.stopped.postgresDir), false);
});

test('a port already in use ends the scenario at once with one line saying so', async () => {
  const blocker = net.createServer();
  await new Promise((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address();
  try {
    await assert.rejects(runScenario({ endpoint: null, ports: { 'api-gateway': port } }), (err) => {
      assert.equal(err.name, 'DemoError');
      assert.match(err.message, new RegExp(`^port ${port} for api-gateway is already in use: `));
      assert.equal(err.message.includes('\n'), false);
      return true;
    });
  } finally {
    blocker.close();
  }
});

test('a bad OTLP endpoint is refused with one line before anything starts', async () => {
  await assert.rejects(runScenario({ endpoint: 'ftp://collector:4318' }), (err) => {
    assert.equal(err.name, 'DemoError');
    assert.match(err.message, /OTEL_EXPORTER_OTLP_ENDPOINT="ftp:\/\/collector:4318" is not an http/);
    assert.equal(err.message.includes('\n'), false);
    return true;
  });
});

test('a service that cannot start is reported in one line with its own reason', async () => {
  const blocker = net.createServer();
  await new Promise((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address();
  const cases = [
    ['api-gateway', { PORT: '0' }, 'api-gateway failed to start: ORDER_SERVICE_URL is not set'],
    ['payment-service', { PORT: String(port), PAYMENT_API_URL: 'http://127.0.0.1:9' },
      `payment-service failed to start: cannot listen on 127.0.0.1:${port}: port ${port} is already in use: stop whatever holds it and run again`],
  ];
  try {
    for (const [name, env, message] of cases) {
      await assert.rejects(startService(name, env), (err) => {
        assert.equal(err.name, 'DemoError');
        assert.equal(err.message, message);
        return true;
      });
    }
  } finally {
    blocker.close();
  }
});
