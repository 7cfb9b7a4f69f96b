// CLIENT spans for http(s).request/get. The span starts before the request is
// built, in the caller's context, and its context is injected into a copy of the
// request headers. It ends exactly once: at the end of the response body (or the
// response's 'close'), or, without a response, at the request's 'close' (error,
// abort, timeout, destroyed socket). No 'response' or 'error' listener is ever
// added to the app's request: either would change what node:http does (dump an
// unread response, or swallow an unhandled error). The response and the error
// come from node:http's own diagnostics channels instead.
import type { ClientRequest, IncomingMessage } from 'node:http';
import { defaultTextMapSetter, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { subscribeGuarded } from '../../src/channels';
import { disableAfterError } from '../../src/guard';
import { giveAttributes } from '../../src/span';
import { isTracingSuppressed } from '../../src/suppress';
import {
  clientRequestChannel, NODE_HTTP_CHANNELS, type ClientRequestMessage, type NodeClientErrorMessage,
  type NodeClientResponseMessage,
} from './channels';
import { clientRequestAttributes, clientResponseAttributes } from './client-attributes';
import { outgoingHeader } from './headers';
import { requestMethod } from './request-args';
import { ATTR, errorTypeOf, isClientErrorStatus, TIMEOUT_ERROR } from './semconv';
import type { HttpSettings } from './settings';

/** error.type when the app aborted the request (req.abort()) before any error or response. */
export const ABORTED = 'aborted';

const STATE = Symbol('spanwise.http.clientSpan');

interface ClientSpanState {
  readonly span: Span;
  readonly request: ClientRequest;
  response: IncomingMessage | undefined;
  /** The first error node:http reported for the request. */
  error: unknown;
  /** error.type from the status code (>= 400), if any. */
  statusError: string | undefined;
  timedOut: boolean;
  aborted: boolean;
  ended: boolean;
}

type Traced<T> = T & { [STATE]?: ClientSpanState };

// Set once by subscribeClientSpans; the listeners below are shared functions, not per-request closures.
let settings: HttpSettings;

/** Subscribes the client span builder. */
export function subscribeClientSpans(httpSettings: HttpSettings): void {
  settings = httpSettings;
  subscribeGuarded<ClientRequestMessage>(clientRequestChannel.start.name as string, 'http', onStart);
  subscribeGuarded<ClientRequestMessage>(clientRequestChannel.end.name as string, 'http', onCreated);
  subscribeGuarded<ClientRequestMessage>(clientRequestChannel.error.name as string, 'http', onThrown);
  subscribeGuarded<NodeClientResponseMessage>(NODE_HTTP_CHANNELS.clientResponseFinish, 'http', onResponse);
  subscribeGuarded<NodeClientErrorMessage>(NODE_HTTP_CHANNELS.clientRequestError, 'http', onRequestError);
}

/** Before the request is built: start the span and compute the headers to inject. */
function onStart(message: ClientRequestMessage): void {
  const parent = settings.agent.contextManager.active();
  // The exporter's own requests (and ignored server requests) run suppressed: no span, no headers.
  if (isTracingSuppressed(parent)) return;
  const method = settings.normalizeMethod(requestMethod(message.args));
  const span = settings.tracer.startSpan(method.spanName, { kind: SpanKind.CLIENT }, parent);
  message.span = span;
  // Unsampled spans are injected too, so downstream services agree on the decision.
  const inject: Record<string, string> = {};
  settings.agent.propagator.inject(trace.setSpan(parent, span), inject, defaultTextMapSetter);
  for (const _ in inject) {
    message.inject = inject;
    break;
  }
}

/** The request exists: record what it says and watch how it ends. */
function onCreated(message: ClientRequestMessage): void {
  const span = message.span;
  const request = message.result as Traced<ClientRequest> | undefined;
  if (span === undefined || message.error !== undefined || request === undefined || !span.isRecording()) return;
  const method = settings.normalizeMethod(request.method);
  giveAttributes(span, clientRequestAttributes(request, message, method, settings.redactQuery));
  request[STATE] = {
    span, request, response: undefined, error: undefined, statusError: undefined,
    timedOut: false, aborted: false, ended: false,
  };
  request.once('close', onRequestClose);
  request.on('timeout', onTimeout);
  request.once('abort', onAbort);
  request.once('socket', onSocket);
}

/** request() threw (invalid URL, header or option): the span ends at once. */
function onThrown(message: ClientRequestMessage): void {
  const span = message.span;
  if (span === undefined || !span.isRecording()) return;
  recordError(span, errorTypeOf(message.error), message.error);
  span.end();
}

function onRequestError(message: NodeClientErrorMessage): void {
  const state = (message.request as Traced<ClientRequest>)[STATE];
  if (state !== undefined && state.error === undefined) state.error = message.error ?? new Error('request failed');
}

function onResponse(message: NodeClientResponseMessage): void {
  const state = (message.request as Traced<ClientRequest>)[STATE];
  if (state === undefined || state.ended || state.response !== undefined) return;
  const response = message.response as Traced<IncomingMessage>;
  state.response = response;
  state.span.setAttributes(clientResponseAttributes(message.request, response));
  if (typeof response.statusCode === 'number' && isClientErrorStatus(response.statusCode)) {
    state.statusError = String(response.statusCode);
  }
  if (settings.clientResponseHeaders !== undefined) {
    settings.clientResponseHeaders(state.span, (name) => response.headersDistinct?.[name] ?? response.headers[name]);
  }
  response[STATE] = state;
  // 'end' and 'close' listeners do not start the flow of data: an unread response is still dumped by node:http.
  response.once('end', onResponseEnd);
  response.once('close', onResponseClose);
}

// Listeners run outside any channel, so they guard themselves: an error of ours
// must switch the instrumentation off, never reach the app's emitter.
function guardedListener(
  fn: (state: ClientSpanState, emitter: unknown, arg: unknown) => void,
): (this: Traced<object>, arg?: unknown) => void {
  return function listener(this: Traced<object>, arg?: unknown) {
    try {
      const state = this[STATE];
      if (state !== undefined && !state.ended) fn(state, this, arg);
    } catch (err) {
      disableAfterError('http', err);
    }
  };
}

const onTimeout = guardedListener((state) => {
  state.timedOut = true;
});

const onAbort = guardedListener((state) => {
  state.aborted = true;
});

// An upgrade (101, WebSocket clients) or CONNECT response never reaches
// 'http.client.response.finish' and its request never closes. node:http hands
// the socket over only when the app listens for 'upgrade'/'connect', so ours is
// added only next to the app's (by the 'socket' event the app has registered it).
const onSocket = guardedListener((state) => {
  const request = state.request;
  const event = request.method === 'CONNECT' ? 'connect' : 'upgrade';
  if (request.listenerCount(event) > 0) request.once(event, onUpgrade);
});

const onUpgrade = guardedListener((state, _request, response) => {
  if (response !== null && typeof response === 'object' && state.response === undefined) {
    state.span.setAttributes(clientResponseAttributes(state.request, response as IncomingMessage));
  }
  finish(state, undefined, undefined);
});

const onResponseEnd = guardedListener((state) => finish(state, undefined, undefined));

const onResponseClose = guardedListener((state, response) => {
  const res = response as IncomingMessage & { errored?: unknown };
  if (res.complete) finish(state, undefined, undefined);
  else brokenOff(state, res.errored);
});

const onRequestClose = guardedListener((state) => {
  const response = state.response;
  if (response === undefined) {
    const socket = state.request.socket as (ClientRequest['socket'] & { errored?: unknown }) | null;
    brokenOff(state, state.error ?? socket?.errored ?? undefined);
  } else if (response.complete) {
    finish(state, undefined, undefined);
  }
  // Otherwise the response is still being read; its own 'end' or 'close' ends the span.
});

/** The exchange stopped early: a timeout (the app then destroys the request), an error, or an abort. */
function brokenOff(state: ClientSpanState, error: unknown): void {
  if (state.timedOut) finish(state, TIMEOUT_ERROR, error);
  else if (error != null) finish(state, errorTypeOf(error), error);
  else if (state.aborted || state.response !== undefined) finish(state, ABORTED, undefined);
  else finish(state, undefined, undefined);
}

function finish(state: ClientSpanState, errorType: string | undefined, error: unknown): void {
  state.ended = true;
  const span = state.span;
  if (settings.clientRequestHeaders !== undefined) {
    const request = state.request;
    settings.clientRequestHeaders(span, (name) => outgoingHeader(request, name));
  }
  const type = errorType ?? state.statusError;
  if (type !== undefined) recordError(span, type, error);
  span.end();
}

function recordError(span: Span, errorType: string, error: unknown): void {
  span.setAttribute(ATTR.errorType, errorType);
  if (error instanceof Error) {
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  } else {
    // Semconv "Status": no description when the status code says it all.
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}
