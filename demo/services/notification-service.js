'use strict';
// notification-service: consumes `order.created` messages in batches from the
// `messages` queue table and sends one confirmation e-mail per order. The pg
// spans come from the agent; the tracing code is the seed's span-links
// example: one CONSUMER span per batch with a link to each message's creation
// context (extracted with propagation.extract), then a send-email span per message.
//
// Polling itself is not traced: the demo starts this service with
// SPANWISE_PG_REQUIRE_PARENT=true, so the claim query, which runs outside any
// span every POLL_INTERVAL_MS, makes no one-span traces.
const { Pool } = require('pg');
const { trace, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode } = require('@opentelemetry/api');
const { ready, fail, requireEnv, exitWithParent } = require('./lifecycle');

const NAME = 'notification-service';
const TOPIC = 'order.created';
const BATCH_SIZE = 10;
const POLL_INTERVAL_MS = Number(process.env.POLL_INTERVAL_MS || 100);

const pool = new Pool({ connectionString: requireEnv(NAME, 'DATABASE_URL'), max: 2 });
// An idle connection cut by the database (a restart, the demo shutting down) must not crash the service.
pool.on('error', (err) => process.stderr.write(`${NAME}: idle database connection lost: ${err.message}\n`));
const tracer = trace.getTracer('notification-service', '1.0.0');

// Claims up to $2 messages at once; SKIP LOCKED lets several consumers share the table.
const CLAIM = `DELETE FROM messages WHERE id IN (
  SELECT id FROM messages WHERE topic = $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
) RETURNING id, headers, body`;

function sendEmail(message) {
  return tracer.startActiveSpan('send-email', {
    kind: SpanKind.INTERNAL,
    attributes: { 'order.id': message.body.orderId, 'messaging.message.id': String(message.id), 'notification.channel': 'email' },
  }, async (span) => {
    try {
      // Stands in for the mail server: the e-mail is recorded as sent.
      await pool.query('INSERT INTO notifications (order_id, channel) VALUES ($1, $2)', [message.body.orderId, 'email']);
    } catch (err) {
      span.recordException(err);
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * One CONSUMER span for the whole batch, linked to every message's creation
 * context (semconv messaging "Consumer spans": a "Process" span SHOULD link to
 * the creation context of each message it accounts for). A batch of exactly
 * one message also takes that context as its parent, which the conventions
 * allow (semantic-conventions#1205: "parent is optional - i.e. instrumentation
 * may use parent if there is just one message"), so a lone order's trace runs
 * on into this service; a larger batch starts a trace of its own.
 */
function processBatch(messages) {
  const links = [];
  for (const message of messages) {
    const creation = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, message.headers));
    if (creation !== undefined) links.push({ context: creation, attributes: { 'messaging.message.id': String(message.id) } });
  }
  const parent = messages.length === 1 ? propagation.extract(ROOT_CONTEXT, messages[0].headers) : ROOT_CONTEXT;
  return tracer.startActiveSpan(`process ${TOPIC}`, {
    kind: SpanKind.CONSUMER,
    links,
    attributes: {
      'messaging.system': 'postgresql',
      'messaging.destination.name': TOPIC,
      'messaging.operation.name': 'process',
      'messaging.operation.type': 'process',
      // Set for every batch, as the seed does: the claim is a batch operation even when it finds one message.
      'messaging.batch.message_count': messages.length,
    },
  }, parent, async (span) => {
    try {
      for (const message of messages) await sendEmail(message);
    } catch (err) {
      span.recordException(err);
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    } finally {
      span.end();
    }
  });
}

/** Claims and processes one batch; resolves with the number of messages handled. */
async function pollOnce() {
  const { rows } = await pool.query(CLAIM, [TOPIC, BATCH_SIZE]);
  if (rows.length === 0) return 0;
  rows.sort((a, b) => Number(a.id) - Number(b.id));
  await processBatch(rows);
  return rows.length;
}

// A full batch means more may be waiting: poll again at once.
function scheduleNext(count) {
  setTimeout(loop, count === BATCH_SIZE ? 0 : POLL_INTERVAL_MS);
}

function loop() {
  pollOnce().then(scheduleNext, (err) => {
    process.stderr.write(`${NAME}: polling failed: ${err.message}\n`);
    scheduleNext(0);
  });
}

// Ready once the queue table has been read successfully.
pollOnce().then((count) => {
  ready(NAME);
  scheduleNext(count);
}, (err) => fail(NAME, `cannot read the queue table: ${err.message}`));
exitWithParent();
