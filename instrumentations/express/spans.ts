// Builds the express spans from the hook's facts: names the HTTP server span by
// route, and makes one INTERNAL span per layer (middleware, router, request
// handler). A layer span ends when the layer calls next() or, at the latest,
// just before the HTTP server span ends with the response (no listener per
// layer, and none per request when there is a server span). Never patches.
import type { ServerResponse } from 'node:http';
import { SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { getAgent } from '../../src/agent';
import { subscribeContextChoice } from '../../src/channels';
import type { Config } from '../../src/config';
import { disableAfterError, isActive } from '../../src/guard';
import { JoinedNames } from '../../src/joined-names';
import { beforeServerSpanEnds, getServerSpan, setHttpRoute } from '../../src/server-span';
import { giveAttributes } from '../../src/span';
import { isTracingSuppressed } from '../../src/suppress';
import { layerChannel, nextChannel, type LayerMessage, type LayerType, type NextMessage, type RequestState } from './channels';

const NAME = 'express';

type Layers = Config['express']['layers'];

/** Starts the express span builder (once, from the descriptor's subscribe). */
export function subscribe(): void {
  const agent = getAgent();
  if (agent === undefined) return;
  const tracer = agent.tracer(NAME);
  const layers = agent.config.express.layers;
  subscribeContextChoice<LayerMessage>(layerChannel.name as string, NAME, (message, active) =>
    startLayer(message, active, tracer, layers));
  subscribeContextChoice<NextMessage>(nextChannel.name as string, NAME, leaveLayer);
}

/** The context the layer's function runs in: its own span's, or unchanged (undefined). */
function startLayer(message: LayerMessage, active: Context, tracer: Tracer, layers: Layers): Context | undefined {
  if (isTracingSuppressed(active)) return undefined;
  if (message.route !== undefined) {
    const server = getServerSpan(active);
    // Only a matched route names the server span; a 404 keeps no http.route, since the
    // attribute must stay low-cardinality (HTTP semantic conventions, http.route).
    if (server !== undefined) setHttpRoute(server, message.route);
  }
  if (layers === 'none' || (layers === 'handlers' && message.type !== 'request_handler')) return undefined;
  // Layer spans only make sense inside a request's trace; without a parent they would be noise roots.
  if (trace.getSpan(active) === undefined) return undefined;
  const span = tracer.startSpan(spanName(message), { kind: SpanKind.INTERNAL }, active);
  message.span = span;
  message.parentContext = active;
  // An unsampled span still carries the context on, but needs no attributes and no end at finish.
  if (span.isRecording()) {
    giveAttributes(span, { 'express.type': message.type, 'express.name': message.name });
    track(message, active);
  }
  return trace.setSpan(active, span);
}

const spanNames = new JoinedNames(' - ');
// The first part of a layer span's name, by layer type: `request handler - /orders/:id`.
const NAME_HEADS: Record<LayerType, string> = { request_handler: 'request handler', router: 'router', middleware: 'middleware' };

function spanName(message: LayerMessage): string {
  return spanNames.join(NAME_HEADS[message.type], message.name);
}

/**
 * The layer called next(): record a real error where it first appears, end the
 * span, and continue in the context the layer started in, so the next layer's
 * span is a sibling of this one, not its child.
 */
function leaveLayer(message: NextMessage): Context | undefined {
  const layer = message.layer;
  const argument = message.argument;
  const request = layer.request;
  // 'route' and 'router' are routing signals, not errors (express Router docs).
  const failed = argument !== undefined && argument !== null && argument !== false &&
    argument !== 'route' && argument !== 'router';
  const fresh = failed && argument !== request.lastError;
  if (fresh) request.lastError = argument;
  const span = layer.span;
  if (span !== undefined && !layer.ended) {
    layer.ended = true;
    if (fresh && span.isRecording()) recordError(span, argument);
    span.end();
  }
  return layer.parentContext;
}

function recordError(span: Span, error: unknown): void {
  // `throw 'text'` and next('text') are errors too; the exception event takes a string.
  const exception = error instanceof Error ? error : String(error);
  span.recordException(exception);
  span.setStatus({ code: SpanStatusCode.ERROR, message: typeof exception === 'string' ? exception : exception.message });
}

const OPEN = Symbol('spanwise.express.open');
type TrackedResponse = ServerResponse & { [OPEN]?: RequestState };

/**
 * Remembers an open layer span. For the first one of a request, the open spans
 * are set to end just before the HTTP server span, which ends on the response's
 * 'close' (Node emits it after 'finish', and alone when the client went away
 * first). Without a recording server span to end with, the request gets one
 * listener of its own: a shared function on 'close', prepended so that the
 * layer spans still end first.
 */
function track(message: LayerMessage, active: Context): void {
  const request = message.request;
  if (request.open !== undefined) {
    request.open.push(message);
    return;
  }
  request.open = [message];
  const server = getServerSpan(active);
  if (server !== undefined && beforeServerSpanEnds(server, endOpenGuarded, request)) return;
  const res = message.res as TrackedResponse;
  if (typeof res?.prependListener !== 'function') return;
  res[OPEN] = request;
  res.prependListener('close', endOpenOnClose);
}

// A listener runs outside any channel, so it guards itself.
function endOpenOnClose(this: TrackedResponse): void {
  if (!isActive(NAME)) return;
  try {
    const request = this[OPEN];
    if (request !== undefined) endOpen(request);
  } catch (err) {
    disableAfterError(NAME, err);
  }
}

function endOpenGuarded(request: RequestState): void {
  if (!isActive(NAME)) return;
  try {
    endOpen(request);
  } catch (err) {
    disableAfterError(NAME, err);
  }
}

// The list is not emptied: every layer on it is marked ended, and it goes with the
// request. (Setting its length to 0 was a generic store call, about 450
// instructions per request, callgrind, Node 24.)
function endOpen(request: RequestState): void {
  const open = request.open;
  if (open === undefined) return;
  for (let i = 0; i < open.length; i++) {
    const layer = open[i];
    if (layer.ended) continue;
    layer.ended = true;
    layer.span?.end();
  }
}
