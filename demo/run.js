'use strict';
// `npm run demo`: runs the seed's order flow (demo/scenario.js) and prints
// each order's trace as one waterfall across the five services, then one
// summary line per order. Progress goes to stderr, results to stdout. Ctrl-C
// stops everything within seconds; a second Ctrl-C exits at once (the exit
// hooks still kill every child and the database).
const { runScenario, endpointFromEnv } = require('./scenario');
const { DemoError, checkNode } = require('./lib/preflight');
const { firstError } = require('./lib/traces');

const color = process.stdout.isTTY === true;
const paint = (text, code, on = color) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

function progress(line) {
  process.stderr.write(`${paint(line.startsWith('[') ? line : `· ${line}`, '2', process.stderr.isTTY === true)}\n`);
}

function outcomeOf(order) {
  const reply = order.reply ?? {};
  if (order.status === 201) return `${order.status} ${reply.status ?? 'confirmed'}`;
  return `${order.status} ${reply.error ?? 'failed'}`;
}

function summaryLine(order, local) {
  const services = new Set(order.spans.map((span) => span.resource?.attributes?.['service.name']));
  const parts = [order.order.id.padEnd(9), order.label.padEnd(22), local ? outcomeOf(order).padEnd(28) : outcomeOf(order)];
  if (local) {
    parts.push(order.traceId === undefined ? 'no trace received' : `trace ${order.traceId}`);
    parts.push(`${order.spans.length + order.linked.length} spans, ${services.size} services`);
    const error = firstError(order.spans);
    if (error !== undefined) parts.push(paint(`first error: ${error}`, '31'));
  }
  const ok = order.status === order.expectedStatus;
  return `  ${ok ? '' : paint('unexpected ', '31')}${parts.join('  ')}`;
}

function printOrder(order, renderWaterfall) {
  process.stdout.write(`\n${paint(`Order ${order.order.id} (${order.label}): ${outcomeOf(order)}`, '1')}\n`);
  if (order.spans.length === 0) return;
  process.stdout.write(renderWaterfall(order.spans, { color }));
  if (order.linked.length > 0) {
    process.stdout.write(`Linked from another trace (a consumer batch of several messages):\n`);
    process.stdout.write(renderWaterfall(order.linked, { color }));
  }
  if (order.missing.length > 0) {
    process.stdout.write(paint(`incomplete: still missing ${order.missing.join('; ')}`, '31') + '\n');
  }
}

function report(result, began) {
  const local = result.receiverUrl !== undefined;
  if (local) {
    const { renderWaterfall } = require('../dist/src/export/waterfall.js');
    for (const order of result.orders) printOrder(order, renderWaterfall);
  }
  process.stdout.write(`\n${paint('Summary', '1')}\n`);
  for (const order of result.orders) process.stdout.write(`${summaryLine(order, local)}\n`);
  if (!local) {
    process.stdout.write(`\nSpans were exported to ${result.endpoint}: look for the service api-gateway there.\n`);
  }
  process.stdout.write(`Finished in ${((Date.now() - began) / 1000).toFixed(1)} s; every process stopped.\n`);
  const wrong = result.orders.filter((o) => o.status !== o.expectedStatus || (local && o.missing.length > 0));
  return wrong.length === 0 ? 0 : 1;
}

async function main() {
  const began = Date.now();
  const controller = new AbortController();
  let signals = 0;
  const onSignal = () => {
    signals += 1;
    if (signals > 1) process.exit(130);
    progress('interrupted: stopping everything (Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    checkNode();
    const endpoint = endpointFromEnv();
    progress(endpoint === undefined
      ? 'spanwise demo: the seed\'s order flow as five services, traced with zero code changes'
      : `spanwise demo: the services export to ${endpoint} (OTEL_EXPORTER_OTLP_ENDPOINT)`);
    const result = await runScenario({ passEnv: true, signal: controller.signal, log: progress });
    process.exitCode = report(result, began);
  } catch (err) {
    const message = err instanceof DemoError ? err.message : `unexpected error: ${err && err.stack}`;
    process.stderr.write(`${paint('spanwise demo:', '31', process.stderr.isTTY === true)} ${message}\n`);
    process.exitCode = signals > 0 ? 130 : 1;
  }
}

main();
