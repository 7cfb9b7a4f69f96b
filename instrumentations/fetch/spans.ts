// CLIENT spans for global fetch and the `undici` package, built from undici's
// own diagnostics channels: nothing is patched. Node's bundled undici and an
// app's copy publish on the same process-wide channel names, and each request
// only on the copy that owns it, so one subscription sees every request once.
//
// When the span ends (semconv "HTTP client span duration" asks us to say so):
// - when undici has received the whole response body (`undici:request:trailers`).
//   Small bodies are buffered by undici, so a body the app never reads still
//   ends the span as soon as its last byte arrives;
// - on an error (`undici:request:error`): network errors and timeouts set
//   status ERROR and error.type (see attributes.ts fetchErrorType for the values);
// - on an abort (an AbortError, or a non-Error reason given to
//   AbortController.abort or ReadableStream.cancel): no error status and no
//   error.type, because issue 4 says an abort is not an error. An abort whose
//   reason is an Error of another kind is recorded as that error: undici hands
//   us only the reason;
// - when undici cancels the body of a Response that was garbage-collected
//   unread, the span ends at the time its headers arrived, not at the cleanup,
//   as semconv asks ("SHOULD NOT be ended in this cleanup phase").
// A span still open when the process exits (a large body never read nor
// collected) is lost: the agent has no hook to end in-flight spans at shutdown.
import { debuglog } from 'node:util';
import { SpanKind, trace, type Span, type TextMapSetter, type Tracer } from '@opentelemetry/api';
import { getAgent, type Agent } from '../../src/agent';
import { subscribeGuarded } from '../../src/channels';
import { now } from '../../src/clock';
import { isTracingSuppressed } from '../../src/suppress';
import { methodNormalizerFor, normalizeMethod, type MethodNormalizer } from '../http/semconv';
import {
  createAttributeOptions, setConnectionAttributes, setFailure, setRequestAttributes, setResponseAttributes,
  type FetchAttributeOptions,
} from './attributes';
import {
  UNDICI_CHANNELS, type RequestCreateMessage, type RequestErrorMessage, type ResponseHeadersMessage,
  type SendHeadersMessage, type TrailersMessage, type UndiciRequest,
} from './channels';
import { hasHeader } from './undici-headers';

const NAME = 'fetch';
// Two copies of spanwise in one process must not both listen: that would trace every request twice.
const SUBSCRIBED = Symbol.for('spanwise.fetch.subscribed');
// The reason undici's fetch gives when it cancels the body of a collected Response (lib/web/fetch/body.js).
const GC_CANCEL_REASON = 'Response object has been garbage collected';

/** What we keep per in-flight request, keyed by undici's Request object. */
interface RequestState {
  readonly span: Span;
  /** Epoch ms when the response headers arrived; 0 before. */
  headersAt: number;
}

// Kept on undici's request object under a symbol (cleared at the end): a WeakMap
// entry per request is an ephemeron the garbage collector must trace, a
// measurable GC cost per request under load.
const STATE = Symbol('spanwise.fetch.request');
type WithState = { [STATE]?: RequestState };

/** The state of an in-flight request we trace, if any. */
function stateOf(request: unknown): RequestState | undefined {
  return request !== null && typeof request === 'object' ? (request as WithState)[STATE] : undefined;
}
let agent: Agent;
let tracer: Tracer;
let options: FetchAttributeOptions;

// Injects through request.addHeader, never into the caller's own headers object.
// A header the app set itself wins: adding a second traceparent would leave the
// server with two values it must discard (W3C Trace Context, "traceparent header").
const setter: TextMapSetter<UndiciRequest> = {
  set(request, key, value) {
    if (!hasHeader(request.headers, key)) (request.addHeader as (n: string, v: string) => unknown).call(request, key, value);
  },
};

/** Starts listening to undici's request channels. Idempotent across copies of spanwise. */
export function subscribe(): void {
  const g = globalThis as typeof globalThis & { [SUBSCRIBED]?: boolean };
  const running = getAgent();
  if (running === undefined || g[SUBSCRIBED] === true) return;
  g[SUBSCRIBED] = true;
  agent = running;
  tracer = running.tracer(NAME);
  options = createAttributeOptions(running.config.http);
  normalize = methodNormalizerFor(running.config.http.knownMethods);
  subscribeGuarded<RequestCreateMessage>(UNDICI_CHANNELS.create, NAME, onCreate);
  // undici sets up its NODE_DEBUG=undici/fetch logging of client events only when
  // nobody listens to those channels yet; the app's debug output wins over network.peer.*.
  if (!debuglog('undici').enabled && !debuglog('fetch').enabled) {
    subscribeGuarded<SendHeadersMessage>(UNDICI_CHANNELS.sendHeaders, NAME, onSendHeaders);
  }
  subscribeGuarded<ResponseHeadersMessage>(UNDICI_CHANNELS.headers, NAME, onHeaders);
  subscribeGuarded<TrailersMessage>(UNDICI_CHANNELS.trailers, NAME, onTrailers);
  subscribeGuarded<RequestErrorMessage>(UNDICI_CHANNELS.error, NAME, onError);
}

let normalize: MethodNormalizer = normalizeMethod;

/** Runs synchronously inside the caller's async context, so the active span is the parent. */
function onCreate(message: RequestCreateMessage): void {
  const request = message?.request;
  if (request === null || typeof request !== 'object' || stateOf(request) !== undefined) return;
  const parent = agent.contextManager.active();
  if (isTracingSuppressed(parent)) return;
  const method = normalize(request.method);
  const span = tracer.startSpan(method.spanName, { kind: SpanKind.CLIENT }, parent);
  // Unsampled spans still propagate their context, so downstream services agree.
  if (typeof request.addHeader === 'function') agent.propagator.inject(trace.setSpan(parent, span), request, setter);
  if (!span.isRecording()) return;
  setRequestAttributes(span, request, method, options);
  (request as WithState)[STATE] = { span, headersAt: 0 };
}

function onSendHeaders(message: SendHeadersMessage): void {
  const state = stateOf(message?.request);
  if (state !== undefined) setConnectionAttributes(state.span, message.socket);
}

function onHeaders(message: ResponseHeadersMessage): void {
  const state = stateOf(message?.request);
  if (state === undefined) return;
  state.headersAt = now();
  const response = message.response;
  if (response !== null && typeof response === 'object') {
    setResponseAttributes(state.span, response.statusCode, response.headers, options);
  }
}

function onTrailers(message: TrailersMessage): void {
  const state = take(message?.request);
  if (state !== undefined) state.span.end();
}

function onError(message: RequestErrorMessage): void {
  const state = take(message?.request);
  if (state === undefined) return;
  const error = message.error;
  if (!isAbort(error)) {
    setFailure(state.span, error);
    state.span.end();
  } else if (error === GC_CANCEL_REASON && state.headersAt > 0) {
    state.span.end(state.headersAt);
  } else {
    state.span.end();
  }
}

/** Removes and returns the state, so a span ends exactly once whatever undici publishes after. */
function take(request: unknown): RequestState | undefined {
  if (request === null || typeof request !== 'object') return undefined;
  const state = stateOf(request);
  if (state !== undefined) (request as WithState)[STATE] = undefined;
  return state;
}

/** An AbortError (fetch, AbortSignal, undici's RequestAbortedError), or a non-Error cancel reason. */
function isAbort(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return true;
  return (error as { name?: unknown }).name === 'AbortError';
}
