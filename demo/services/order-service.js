'use strict';
// order-service: the heart of the seed's order flow. The HTTP, fetch and pg
// spans come from the agent; the only tracing code is what the seed itself
// writes by hand with @opentelemetry/api: validate-order, check-inventory,
// process-payment (the seed's process_payment, clause by clause) and
// send-confirmation, which publishes `order.created` as a PRODUCER span with
// the trace context injected into the message (the seed's span-links example
// reads it back in notification-service).
const http = require('node:http');
const express = require('express');
const { Pool } = require('pg');
const { trace, context, propagation, SpanKind, SpanStatusCode } = require('@opentelemetry/api');
const { serve, requireEnv } = require('./lifecycle');

const NAME = 'order-service';
const INVENTORY_SERVICE_URL = requireEnv(NAME, 'INVENTORY_SERVICE_URL');
const PAYMENT_SERVICE_URL = requireEnv(NAME, 'PAYMENT_SERVICE_URL');
const PAYMENT_TIMEOUT_MS = Number(process.env.PAYMENT_TIMEOUT_MS || 1000);
const TOPIC = 'order.created';

const pool = new Pool({ connectionString: requireEnv(NAME, 'DATABASE_URL'), max: 4 });
// An idle connection cut by the database (a restart, the demo shutting down) must not crash the service.
pool.on('error', (err) => process.stderr.write(`${NAME}: idle database connection lost: ${err.message}\n`));
const tracer = trace.getTracer('order-service', '1.0.0');

class InvalidOrderError extends Error {
  constructor(message) { super(message); this.name = 'InvalidOrderError'; }
}
class OutOfStockError extends Error {
  constructor(message) { super(message); this.name = 'OutOfStockError'; }
}
class PaymentDeclinedError extends Error {
  constructor(message) { super(message); this.name = 'PaymentDeclinedError'; }
}

// Python's start_as_current_span records an escaping exception and sets ERROR
// by itself; with the JS API that is ours to do, for errors the seed does not catch.
function recordUnexpected(span, err) {
  span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
}

/** The seed's INTERNAL span example: pure in-process validation. */
function validateOrder(order) {
  return tracer.startActiveSpan('validate-order', {
    kind: SpanKind.INTERNAL,
    attributes: { 'order.id': String(order.id), 'order.sku': String(order.sku) },
  }, (span) => {
    try {
      if (typeof order.id !== 'string' || order.id === '') throw new InvalidOrderError('order id is missing');
      if (!(Number.isInteger(order.quantity) && order.quantity > 0)) throw new InvalidOrderError('quantity must be a positive integer');
      if (!(order.amount > 0)) throw new InvalidOrderError('amount must be positive');
    } catch (err) {
      recordUnexpected(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

function getJson(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`inventory-service answered ${res.statusCode}`));
        try {
          resolve(JSON.parse(text));
        } catch (err) {
          reject(err);
        }
      });
    }).on('error', reject);
  });
}

/** Asks inventory-service (node:http) whether the item is in stock. */
function checkInventory(order) {
  return tracer.startActiveSpan('check-inventory', {
    kind: SpanKind.INTERNAL,
    attributes: { 'order.id': order.id, 'order.sku': order.sku, 'order.quantity': order.quantity },
  }, async (span) => {
    try {
      const url = new URL('/stock', INVENTORY_SERVICE_URL);
      url.searchParams.set('sku', order.sku);
      const stock = await getJson(url);
      span.setAttribute('inventory.available', stock.available);
      if (stock.available < order.quantity) throw new OutOfStockError(`only ${stock.available} of ${order.sku} left`);
    } catch (err) {
      recordUnexpected(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

// The seed's validate_payment: rules the provider would otherwise reject.
function validatePayment(amount, currency, card) {
  if (!/^[A-Z]{3}$/.test(currency)) throw new InvalidOrderError(`unknown currency ${currency}`);
  if (!/^\d{12,19}$/.test(card)) throw new InvalidOrderError('card number is malformed');
}

// The seed's stripe_client.charge: payment-service over fetch, with a client timeout.
async function charge(order) {
  const reply = await fetch(new URL('/charge', PAYMENT_SERVICE_URL), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ orderId: order.id, amount: order.amount, currency: order.currency, card: order.card }),
    signal: AbortSignal.timeout(PAYMENT_TIMEOUT_MS),
  });
  const body = await reply.json();
  if (reply.status === 402) throw new PaymentDeclinedError(body.reason || 'card declined');
  if (!reply.ok) throw new Error(`payment-service answered ${reply.status}`);
  return body;
}

/** The seed's process_payment, translated to @opentelemetry/api line by line. */
function processPayment(order) {
  return tracer.startActiveSpan('process-payment', {
    kind: SpanKind.CLIENT,
    attributes: {
      'order.id': order.id,
      'payment.amount': order.amount,
      'payment.currency': order.currency,
      'payment.provider': 'stripe',
    },
  }, async (span) => {
    try {
      span.addEvent('payment.validation.started', { 'validation.rules': 'amount,currency,card' });
      validatePayment(order.amount, order.currency, order.card);
      span.addEvent('payment.validation.completed');
      const result = await charge(order);
      span.setAttribute('payment.transaction_id', result.transactionId);
      span.setAttribute('payment.status', 'success');
      span.setStatus({ code: SpanStatusCode.OK });
      return result;
    } catch (err) {
      if (err instanceof PaymentDeclinedError) {
        span.recordException(err);
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'Payment declined' });
        span.setAttribute('payment.decline_reason', err.message);
      } else if (err.name === 'TimeoutError') {
        // AbortSignal.timeout rejects fetch with a DOMException named TimeoutError.
        span.recordException(err);
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'Payment gateway timeout' });
        span.addEvent('payment.retry.scheduled', { 'retry.attempt': 1, 'retry.delay_ms': 1000 });
      } else {
        recordUnexpected(span, err);
      }
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * Publishes `order.created` to the queue table. The PRODUCER span's context is
 * the message's creation context (semconv messaging "Producer spans": with no
 * "Create" span, the "Publish" span's context is injected into the message).
 */
function publishOrderCreated(order, payment) {
  return tracer.startActiveSpan(`publish ${TOPIC}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.system': 'postgresql',
      'messaging.destination.name': TOPIC,
      'messaging.operation.name': 'publish',
      'messaging.operation.type': 'send',
      'order.id': order.id,
    },
  }, async (span) => {
    try {
      const headers = {};
      propagation.inject(context.active(), headers);
      const body = { orderId: order.id, email: order.email, transactionId: payment.transactionId };
      const { rows } = await pool.query(
        'INSERT INTO messages (topic, headers, body) VALUES ($1, $2, $3) RETURNING id',
        [TOPIC, headers, body],
      );
      span.setAttribute('messaging.message.id', String(rows[0].id));
    } catch (err) {
      recordUnexpected(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

function sendConfirmation(order, payment) {
  return tracer.startActiveSpan('send-confirmation', {
    kind: SpanKind.INTERNAL,
    attributes: { 'order.id': order.id },
  }, async (span) => {
    try {
      await publishOrderCreated(order, payment);
    } catch (err) {
      recordUnexpected(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The HTTP status and reply for an order that failed with `err`. */
function failure(err) {
  if (err instanceof InvalidOrderError) return [400, 'invalid order'];
  if (err instanceof OutOfStockError) return [409, 'out of stock'];
  if (err instanceof PaymentDeclinedError) return [402, 'Payment declined'];
  if (err.name === 'TimeoutError') return [504, 'Payment gateway timeout'];
  return [500, 'internal error'];
}

const app = express();
app.use(express.json());

app.post('/orders', async (req, res) => {
  const order = req.body;
  try {
    validateOrder(order);
    await checkInventory(order);
    const payment = await processPayment(order);
    await sendConfirmation(order, payment);
    res.status(201).json({ orderId: order.id, status: 'confirmed', transactionId: payment.transactionId });
  } catch (err) {
    const [status, message] = failure(err);
    res.status(status).json({ orderId: order.id, status: 'failed', error: message, reason: err.message });
  }
});

serve(NAME, app);
