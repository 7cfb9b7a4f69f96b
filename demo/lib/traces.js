'use strict';
// Assembles one order's trace from the spans five processes exported, and
// says whether it is complete. Spans arrive in batches, from several
// processes, in any order; a trace is complete when its root is in, no span
// waits for a parent that has not arrived, and every service the order went
// through has sent its entry span (SERVER or CONSUMER). A process usually ends
// its entry span after the spans under it, and its exporter sends spans in the
// order they ended, so an entry span that has arrived means the rest of that
// service's part has arrived too; the exception (a server span that ends when
// its client gives up) is listed among the expected spans by the caller.

const KIND_NAMES = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const SERVER = 1;

/** The service.name resource attribute of `span`. */
function serviceOf(span) {
  return span.resource?.attributes?.['service.name'];
}

/** The trace id of order `orderId`: order-service marks its spans with `order.id`. */
function traceIdOf(spans, orderId) {
  for (const span of spans) {
    if (span.attributes?.['order.id'] === orderId) return span.spanContext.traceId;
  }
  return undefined;
}

/** The spans of trace `traceId`, in start order. */
function spansOf(spans, traceId) {
  return spans.filter((span) => span.spanContext.traceId === traceId).sort((a, b) => a.startTime - b.startTime);
}

/**
 * The spans of other traces linked into `trace` (a consumer that took a batch
 * of several messages starts a trace of its own and links to each producer),
 * with the rest of their traces.
 */
function linkedSpansOf(spans, trace) {
  const ids = new Set(trace.map((span) => span.spanContext.spanId));
  const traceId = trace[0]?.spanContext.traceId;
  const linkedTraces = new Set();
  for (const span of spans) {
    if (span.spanContext.traceId === traceId) continue;
    for (const link of span.links ?? []) {
      if (ids.has(link.context.spanId)) linkedTraces.add(span.spanContext.traceId);
    }
  }
  return spans.filter((span) => linkedTraces.has(span.spanContext.traceId)).sort((a, b) => a.startTime - b.startTime);
}

/** The root of an order's trace: api-gateway's SERVER span without a parent. */
function rootOf(trace) {
  return trace.find((span) => span.parentSpanId === undefined && span.kind === SERVER && serviceOf(span) === 'api-gateway');
}

/**
 * What the trace of an order is still missing, as short phrases; empty when
 * complete. `expected` lists { service, kind } pairs the order must have
 * produced: each service's entry span (SERVER or CONSUMER), plus any span that
 * may end after its service's entry span (a call still running when its
 * caller gave up; its server span ends as the client disconnects).
 */
function missingParts(trace, linked, expected) {
  const missing = [];
  if (trace.length === 0) return ['every span (none carries its order.id)'];
  if (rootOf(trace) === undefined) missing.push('the root span (api-gateway SERVER POST /api/orders)');
  const ids = new Set(trace.map((span) => span.spanContext.spanId));
  const orphans = trace.filter((span) => span.parentSpanId !== undefined && !ids.has(span.parentSpanId));
  if (orphans.length > 0) {
    missing.push(`the parents of ${orphans.map((span) => `${serviceOf(span)} ${span.name}`).join(', ')}`);
  }
  const all = [...trace, ...linked];
  for (const { service, kind } of expected) {
    if (!all.some((span) => span.kind === kind && serviceOf(span) === service)) {
      missing.push(`a ${KIND_NAMES[kind]} span from ${service}`);
    }
  }
  return missing;
}

/**
 * The first span, in start order, whose ERROR status carries a message (the
 * one that says what went wrong), else the first with ERROR status; as
 * `service name: message`.
 */
function firstError(trace) {
  const span = trace.find((s) => s.status?.code === 2 && s.status.message) ?? trace.find((s) => s.status?.code === 2);
  if (span === undefined) return undefined;
  return `${serviceOf(span)} ${span.name}${span.status.message ? `: ${span.status.message}` : ''}`;
}

module.exports = { serviceOf, traceIdOf, spansOf, linkedSpansOf, rootOf, missingParts, firstError };
