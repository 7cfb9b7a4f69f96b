// SERVER spans for node:http and node:https. On serverRequestChannel's start,
// the context extracted from the request headers, with the new span in it, is
// chosen for the handler, so it is active in the handler and in all it awaits;
// the request and response emitters are bound to it too, so their listeners
// ('data', 'end', 'finish') see it. The span ends exactly once, at the
// response's 'close', which Node emits after 'finish' on every response and
// alone when the exchange broke off. The bound response's emit calls onClose
// itself (ContextChoice onClose): no listener to add and remove per request.
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { defaultTextMapGetter, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { subscribeContextChoice, subscribeGuarded } from '../../src/channels';
import { disableAfterError } from '../../src/guard';
import { runBeforeServerSpanEnds, withServerSpan, type ServerSpanInfo } from '../../src/server-span';
import { giveAttributes } from '../../src/span';
import { isTracingSuppressed, suppressTracing } from '../../src/suppress';
import { serverRequestChannel, type ServerRequestMessage } from './channels';
import { outgoingHeader } from './headers';
import { ATTR, errorTypeOf, isServerErrorStatus } from './semconv';
import { serverRequestAttributes } from './server-attributes';
import type { HttpSettings } from './settings';
import { splitTarget } from './url';

/** error.type when the peer went away before the response finished. */
export const CLIENT_DISCONNECTED = 'client_disconnected';
/** error.type when the server closed the response (or its socket) before finishing it. */
export const RESPONSE_ABORTED = 'response_aborted';

const STATE = Symbol('spanwise.http.serverSpan');

interface ServerSpanState {
  readonly span: Span;
  /** What the request's context carries about the span (a framework may hook its end there). */
  readonly info: ServerSpanInfo;
  readonly request: IncomingMessage;
  /** error.type of an exception thrown by the handler, if any. */
  thrown: string | undefined;
  ended: boolean;
}

type TracedResponse = ServerResponse & { [STATE]?: ServerSpanState };

// Requests first seen as checkContinue/checkExpectation: the app may re-emit them as 'request'.
const expectations = new WeakSet<IncomingMessage>();
// Until a server sees one, a request needs no lookup in `expectations` (about 150 instructions).
let anyExpectations = false;

// Set once by subscribeServerSpans; the response listeners below are shared functions, not per-request closures.
let settings: HttpSettings;

/** Subscribes the server span builder. */
export function subscribeServerSpans(httpSettings: HttpSettings): void {
  settings = httpSettings;
  subscribeContextChoice<ServerRequestMessage>(serverRequestChannel.start.name as string, 'http', onRequest);
  subscribeGuarded<ServerRequestMessage>(serverRequestChannel.error.name as string, 'http', onHandlerError);
}

/** Chooses the handler's context, and binds the request and response to it. */
function onRequest(message: ServerRequestMessage, active: Context): Context | undefined {
  const ctx = startServerSpan(message, active);
  if (ctx !== undefined) {
    message.bindEmitters = [message.request, message.response];
    message.onClose = onClose;
  }
  return ctx;
}

function startServerSpan(message: ServerRequestMessage, active: Context): Context | undefined {
  const { request, response } = message;
  // Someone emitting 'request' by hand with stand-ins gets no span (and no error of ours).
  if (!isEmitter(request) || !isEmitter(response) || typeof request.headers !== 'object') return undefined;
  if (message.event !== 'request') {
    expectations.add(request);
    anyExpectations = true;
  } else if (anyExpectations && expectations.has(request)) {
    return undefined; // the same request again: its context is already active
  }
  if (isTracingSuppressed(active)) return undefined;
  const target = splitTarget(typeof request.url === 'string' ? request.url : '/');
  if (settings.ignorePath !== undefined && settings.ignorePath(target.path)) {
    // No span, and none below it: everything the handler does runs suppressed.
    return suppressTracing(settings.agent.rootContext);
  }
  // The parent comes from the headers only, never from the connection's context,
  // which may belong to an earlier request on the same keep-alive socket.
  const parent = settings.agent.propagator.extract(settings.agent.rootContext, request.headers, defaultTextMapGetter);
  const method = settings.normalizeMethod(request.method);
  const span = settings.tracer.startSpan(method.spanName, { kind: SpanKind.SERVER }, parent);
  message.span = span;
  const info: ServerSpanInfo = { span, method: method.spanName, route: undefined, beforeEnd: undefined, beforeEndArg: undefined };
  if (span.isRecording()) {
    giveAttributes(span, serverRequestAttributes(request, target, method, settings.redactQuery));
    if (settings.serverRequestHeaders !== undefined) {
      settings.serverRequestHeaders(span, (name) => request.headersDistinct[name]);
    }
    const state: ServerSpanState = { span, info, request, thrown: undefined, ended: false };
    (response as TracedResponse)[STATE] = state;
  }
  return withServerSpan(trace.setSpan(parent, span), info);
}

function isEmitter(value: unknown): boolean {
  return typeof (value as { once?: unknown } | null | undefined)?.once === 'function';
}

// The request's and the response's 'close' (ContextChoice onClose): the span ends
// at the response's. It runs outside any channel, so it guards itself: an error
// of ours must switch the instrumentation off, never reach the app's emitter.
function onClose(emitter: EventEmitter): void {
  try {
    const state = (emitter as TracedResponse)[STATE];
    if (state === undefined || state.ended) return;
    const response = emitter as TracedResponse;
    endServerSpan(response, response.writableFinished ? undefined : disconnectType(state.request));
  } catch (err) {
    disableAfterError('http', err);
  }
}

/**
 * Who broke the exchange off: a peer that closed or reset its side of the
 * connection, or the server itself (res.destroy(), socket.destroy()).
 */
function disconnectType(request: IncomingMessage): string {
  const socket = request.socket as (IncomingMessage['socket'] & { errored?: unknown }) | null;
  if (socket === null) return CLIENT_DISCONNECTED;
  // The peer's FIN ends the readable side; its RST errors the socket. The request
  // itself always ends errored ('aborted'), whoever closed, so it tells nothing.
  if (socket.readableEnded || socket.errored != null) return CLIENT_DISCONNECTED;
  return RESPONSE_ABORTED;
}

function endServerSpan(response: TracedResponse, brokenOff: string | undefined): void {
  const state = response[STATE];
  if (state === undefined || state.ended) return;
  state.ended = true;
  runBeforeServerSpanEnds(state.info);
  const span = state.span;
  let errorType = state.thrown ?? brokenOff;
  // A status code was sent once the head went out; before that, statusCode is only the default.
  if (response.headersSent) {
    const status = response.statusCode;
    span.setAttribute(ATTR.statusCode, status);
    if (errorType === undefined && isServerErrorStatus(status)) errorType = String(status);
  }
  if (settings.serverResponseHeaders !== undefined && response.headersSent) {
    settings.serverResponseHeaders(span, (name) => outgoingHeader(response, name));
  }
  if (errorType !== undefined) {
    span.setAttribute(ATTR.errorType, errorType);
    // Semconv "Status": no description when the status code says it all; an
    // exception already set the status with its message.
    if (state.thrown === undefined) span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/** The handler threw synchronously: recorded on the span, which ends with the response. */
function onHandlerError(message: ServerRequestMessage): void {
  const state = (message.response as TracedResponse | undefined)?.[STATE];
  if (state === undefined || state.ended || message.span !== state.span) return;
  state.thrown = errorTypeOf(message.error);
  const error = message.error;
  if (error instanceof Error || typeof error === 'string') state.span.recordException(error);
  state.span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : undefined });
}
