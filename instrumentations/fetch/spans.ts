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
import { TRACEPARENT_HEADER } from '../../src/propagation/trace-context';
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

// Injects into undici's own request, never into the caller's headers object. A
// header the app set itself wins: adding a second traceparent would leave the
// server with two values it must discard (W3C Trace Context, "traceparent header").
//
// undici >= 6 keeps a request's headers as a flat [name, value, ...] array, and
// addHeader checks a header, then pushes it there unless undici handles the name
// itself (host, content-length, connection, ...). Our propagators' field names
// (directNames) are fixed tokens that undici never handles, so a value made of
// plain printable ASCII is pushed as addHeader would push it, without its checks.
// A traceparent needs no look: the propagator writes it from ids it has checked
// as hex. Together about 2,400 instructions per fetch (callgrind, Node 24), the
// check itself included: scanning a freshly concatenated value flattens it first.
// Anything else (undici 5's header string, another character) goes through addHeader.
const setter: TextMapSetter<UndiciRequest> = {
  set(request, key, value) {
    const headers = request.headers;
    if (hasHeader(headers, key)) return;
    if (Array.isArray(headers) && directNames.has(key) && (key === TRACEPARENT_HEADER || isPlainHeaderValue(value))) {
      headers.push(key, value);
    } else {
      (request.addHeader as (n: string, v: string) => unknown).call(request, key, value);
    }
  },
};

/** The configured propagators' header names: see the setter. */
let directNames: ReadonlySet<string> = new Set();

// Anything but tab and printable ASCII. A regular expression rather than a loop of
// charCodeAt: the values are fresh concatenations, which a loop walks through
// their parts char by char (callgrind: about 25 instructions per char).
const NOT_PLAIN = /[^\t\x20-\x7e]/;

/** True for a string of tab and printable ASCII only (a subset of what undici accepts in a header value). */
export function isPlainHeaderValue(value: unknown): boolean {
  return typeof value === 'string' && !NOT_PLAIN.test(value);
}

/** Lower-case HTTP tokens (RFC 9110 section 5.6.2) that undici's addHeader passes straight to its list. */
export function directHeaderNames(fields: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const name of fields) {
    if (/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name) && !UNDICI_OWN_HEADERS.has(name)) names.add(name);
  }
  return names;
}

// Names undici's processHeader (lib/core/request.js) treats specially, or refuses.
const UNDICI_OWN_HEADERS = new Set([
  'host', 'content-length', 'content-type', 'transfer-encoding', 'keep-alive', 'upgrade', 'connection', 'expect',
]);

/** Starts listening to undici's request channels. Idempotent across copies of spanwise. */
export function subscribe(): void {
  const g = globalThis as typeof globalThis & { [SUBSCRIBED]?: boolean };
  const running = getAgent();
  if (running === undefined || g[SUBSCRIBED] === true) return;
  g[SUBSCRIBED] = true;
  agent = running;
  tracer = running.tracer(NAME);
  options = createAttributeOptions(running.config.http);
  directNames = directHeaderNames(running.propagator.fields());
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
