'use strict';
// The seed's order flow, run for real: PostgreSQL, an OTLP receiver, the
// external payment stub and five services each in its own process under the
// agent; three orders (one succeeds, one is declined, one meets a slow payment
// provider); then the spans of each order's trace. `npm run demo`
// (demo/run.js) prints them; test/integration/demo.test.js asserts on them.
const { DemoError, preflight, checkPortFree, freePort } = require('./lib/preflight');
const { Resources, delay } = require('./lib/resources');
const { startService } = require('./lib/services');
const { traceIdOf, spansOf, linkedSpansOf, missingParts } = require('./lib/traces');
const { startPaymentProvider, CARDS } = require('./services/payment-provider');

/** The five services, in the order the request meets them. */
const SERVICES = ['api-gateway', 'order-service', 'inventory-service', 'payment-service', 'notification-service'];
const HTTP_SERVICES = SERVICES.slice(0, 4);
const SERVER = 1;
const CLIENT = 2;
const CONSUMER = 4;

/**
 * The spans that tell an order's trace is complete (see lib/traces.js): the
 * entry span of each service it reaches, and payment-service's call to the
 * provider, which for the slow card ends long after order-service gave up and
 * payment-service's server span ended with the disconnect.
 */
function expectedSpans(services) {
  const expected = services.map((service) => ({ service, kind: service === 'notification-service' ? CONSUMER : SERVER }));
  expected.push({ service: 'payment-service', kind: CLIENT });
  return expected;
}

/** The orders the scenario places, in order, with what should happen to each. */
const ORDERS = Object.freeze([
  {
    label: 'succeeds', expectedStatus: 201, expected: expectedSpans(SERVICES),
    order: { id: 'ord-1001', sku: 'BOOK-1984', quantity: 1, amount: 99.99, currency: 'EUR', card: CARDS.ok, email: 'ada@example.com' },
  },
  {
    label: 'card declined', expectedStatus: 402, expected: expectedSpans(SERVICES.slice(0, 4)),
    order: { id: 'ord-1002', sku: 'LAMP-42', quantity: 1, amount: 45, currency: 'EUR', card: CARDS.declined, email: 'alan@example.com' },
  },
  {
    label: 'slow payment provider', expectedStatus: 504, expected: expectedSpans(SERVICES.slice(0, 4)),
    order: { id: 'ord-1003', sku: 'MUG-7', quantity: 2, amount: 24.5, currency: 'EUR', card: CARDS.slow, email: 'grace@example.com' },
  },
]);

// Loaded only after preflight() has checked that the build and the packages exist.
function parts() {
  return {
    startOtlpReceiver: require('../dist/src/export/otlp-receiver.js').startOtlpReceiver,
    startPostgres: require('../test/support/postgres.js').startPostgres,
    database: require('./lib/database'),
  };
}

const ORDER_TIMEOUT_MS = 10_000;
// Wide margins, so that a loaded machine still sees the same outcomes.
const PAYMENT_TIMEOUT_MS = 1000; // order-service's client gives up after this...
const SLOW_PROVIDER_MS = 2000; // ...while the slow provider answers after this.

/** The OTLP endpoint the user asked for in `env`, if any (the traces-specific variable wins, as in the agent). */
function endpointFromEnv(env = process.env) {
  return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
}

// The user's own OTEL_* and SPANWISE_* settings, for `npm run demo`; the test runs with none.
function userSettings(env) {
  const picked = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('OTEL_') || key.startsWith('SPANWISE_')) picked[key] = value;
  }
  return picked;
}

function exportEnv(endpoint, receiverUrl, passEnv) {
  const env = { OTEL_BSP_SCHEDULE_DELAY: '50', ...(passEnv ? userSettings(process.env) : {}) };
  if (endpoint === undefined) {
    // Local mode: whatever the user's settings say, every span goes to our receiver.
    delete env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    env.OTEL_EXPORTER_OTLP_ENDPOINT = receiverUrl;
    env.OTEL_TRACES_EXPORTER = 'otlp';
  } else if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT === undefined) {
    env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint;
  }
  return env;
}

/** Each service's own environment: its name, its port, and where its neighbours are. */
function serviceEnvs(ports, urls) {
  const url = (name) => `http://127.0.0.1:${ports[name]}`;
  return {
    'api-gateway': { PORT: ports['api-gateway'], ORDER_SERVICE_URL: url('order-service') },
    'order-service': {
      PORT: ports['order-service'], DATABASE_URL: urls.database, PAYMENT_TIMEOUT_MS: PAYMENT_TIMEOUT_MS,
      INVENTORY_SERVICE_URL: url('inventory-service'), PAYMENT_SERVICE_URL: url('payment-service'),
    },
    'inventory-service': { PORT: ports['inventory-service'], DATABASE_URL: urls.database },
    'payment-service': { PORT: ports['payment-service'], PAYMENT_API_URL: urls.paymentApi },
    // Its polling runs outside any trace; see services/notification-service.js.
    'notification-service': { DATABASE_URL: urls.database, POLL_INTERVAL_MS: 50, SPANWISE_PG_REQUIRE_PARENT: 'true' },
  };
}

async function choosePorts(fixed) {
  const ports = {};
  for (const name of HTTP_SERVICES) ports[name] = fixed[name] ?? (await freePort());
  return ports;
}

async function startInfrastructure(res, { endpoint, log }) {
  log(`starting PostgreSQL${endpoint === undefined ? ', an OTLP receiver' : ''} and the external payment API stub`);
  const { startPostgres, startOtlpReceiver, database } = parts();
  const pg = res.track(startPostgres(), (p) => p.stop());
  const receiver = endpoint === undefined ? res.track(startOtlpReceiver({}), (r) => r.close()) : Promise.resolve(undefined);
  const provider = res.track(startPaymentProvider({ slowMs: SLOW_PROVIDER_MS }), (p) => p.close());
  const [postgres, otlp, paymentApi] = await Promise.all([pg, receiver, provider]);
  log(`PostgreSQL on ${postgres.host}:${postgres.port} (data in ${postgres.dataDir}); ` +
    `${otlp === undefined ? `exporting to ${endpoint}` : `OTLP receiver on ${otlp.url}`}; payment API stub on ${paymentApi.url}`);
  // Tier 0: closed with the services, before PostgreSQL goes.
  const db = await res.track(database.connect(postgres.connectionString), (c) => c.end(), 0);
  await res.guard(database.createSchema(db));
  return { postgres, receiver: otlp, paymentApi, db };
}

async function startServices(res, { ports, env, urls, log }) {
  log(`starting ${SERVICES.join(', ')} (node --import register.js)`);
  const envs = serviceEnvs(ports, urls);
  const onLine = (name, line) => log(`[${name}] ${line}`);
  const started = SERVICES.map((name) => res.track(
    startService(name, { ...env, ...stringValues(envs[name]), OTEL_SERVICE_NAME: name }, { onLine }),
    (service) => service.stop(),
    0,
  ));
  return Promise.all(started);
}

function stringValues(object) {
  const out = {};
  for (const [key, value] of Object.entries(object)) out[key] = String(value);
  return out;
}

async function placeOrder(gatewayUrl, entry) {
  let response;
  try {
    response = await fetch(`${gatewayUrl}/api/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(entry.order),
      signal: AbortSignal.timeout(ORDER_TIMEOUT_MS),
    });
  } catch (err) {
    throw new DemoError(`order ${entry.order.id} could not be placed at ${gatewayUrl}: ${err.cause?.message ?? err.message}`);
  }
  const reply = await response.json().catch(() => ({}));
  return { status: response.status, reply };
}

/** Builds each order's view of the received spans. */
function assemble(spans, placed) {
  return ORDERS.map((entry, i) => {
    const traceId = traceIdOf(spans, entry.order.id);
    const trace = traceId === undefined ? [] : spansOf(spans, traceId);
    const linked = linkedSpansOf(spans, trace);
    return { ...entry, ...placed[i], traceId, spans: trace, linked, missing: missingParts(trace, linked, entry.expected) };
  });
}

// Without a receiver of our own, "done" is what the services report: the
// notification sent and the slow charge answered; their agents flush on SIGTERM.
async function waitForWork(res, db, paymentApi, deadline) {
  const expected = ORDERS.filter((o) => o.expectedStatus === 201).map((o) => o.order.id);
  while (Date.now() < deadline) {
    const notified = await res.guard(parts().database.notifiedOrders(db));
    if (expected.every((id) => notified.includes(id)) && paymentApi.pending() === 0) return;
    await res.guard(delay(50));
  }
}

async function waitForTraces(res, receiver, placed, timeoutMs) {
  const complete = (spans) => assemble(spans, placed).every((order) => order.missing.length === 0);
  await res.guard(receiver.waitForSpans(complete, timeoutMs)).catch((err) => {
    // Timed out: the caller reports what is missing from each trace.
    if (!/timed out/.test(err.message)) throw err;
  });
}

/**
 * Runs the whole scenario and stops everything again, on success, failure or
 * abort. Options: `endpoint` (export there instead of to a local receiver;
 * default OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT), `passEnv` (hand the user's
 * OTEL_* and SPANWISE_* variables to the services), `ports` (fixed ports by
 * service name), `signal` (an AbortSignal), `log(line)`, `spanTimeoutMs`.
 * Resolves with { orders, spans, endpoint, receiverUrl, stopped, elapsedMs },
 * where `stopped` names what was shut down ({ pids, postgresDir }); rejects
 * with a DemoError whose message is one line saying what to do.
 */
async function runScenario(options = {}) {
  const { passEnv = false, ports: fixedPorts = {}, signal, log = () => {}, spanTimeoutMs = 15_000 } = options;
  const endpoint = 'endpoint' in options ? options.endpoint ?? undefined : endpointFromEnv();
  const began = Date.now();
  preflight({ endpoint });
  for (const [name, port] of Object.entries(fixedPorts)) await checkPortFree(port, name);
  const res = new Resources(signal);
  let outcome;
  try {
    outcome = { value: await steps(res, { endpoint, passEnv, fixedPorts, log, spanTimeoutMs, began }) };
  } catch (err) {
    outcome = { err };
  }
  log('stopping the services, the receiver and PostgreSQL');
  await res.closeAll();
  if (outcome.err === undefined) return outcome.value;
  // Checked after the clean-up: with Ctrl-C in a terminal the whole process group
  // gets SIGINT, and a child's reaction (PostgreSQL cutting connections) can
  // reach us before our own signal handler has run.
  if (signal?.aborted) throw new DemoError('interrupted: everything was stopped');
  if (outcome.err instanceof DemoError) throw outcome.err;
  throw new DemoError(`the demo failed: ${String(outcome.err?.message ?? outcome.err).split('\n')[0]}`);
}

async function steps(res, { endpoint, passEnv, fixedPorts, log, spanTimeoutMs, began }) {
  const infra = await startInfrastructure(res, { endpoint, log });
  const urls = { database: infra.postgres.connectionString, paymentApi: infra.paymentApi.url };
  const ports = await choosePorts(fixedPorts);
  const env = exportEnv(endpoint, infra.receiver?.url, passEnv);
  const services = await startServices(res, { ports, env, urls, log });
  const stopped = { pids: services.map((service) => service.child.pid), postgresDir: infra.postgres.dataDir };
  const gatewayUrl = `http://127.0.0.1:${ports['api-gateway']}`;
  const placed = [];
  for (const entry of ORDERS) {
    log(`placing order ${entry.order.id} (${entry.label})`);
    placed.push(await res.guard(placeOrder(gatewayUrl, entry)));
  }
  if (infra.receiver === undefined) {
    await waitForWork(res, infra.db, infra.paymentApi, Date.now() + spanTimeoutMs);
    return { orders: assemble([], placed), spans: [], endpoint, receiverUrl: undefined, stopped, elapsedMs: Date.now() - began };
  }
  await waitForTraces(res, infra.receiver, placed, spanTimeoutMs);
  const spans = infra.receiver.spans.slice();
  return { orders: assemble(spans, placed), spans, endpoint, receiverUrl: infra.receiver.url, stopped, elapsedMs: Date.now() - began };
}

module.exports = { runScenario, ORDERS, SERVICES, endpointFromEnv };
