// Every diagnostics channel of the http instrumentation, declared once: the two
// our hooks publish (server-hook.ts, client-hook.ts) and the ones node:http
// publishes itself, which client-spans.ts reads. Message shapes are typed here
// for both sides.
import dc from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Span } from '@opentelemetry/api';
import type { ContextChoice } from '../../src/channels';

/**
 * Published on start before the emit of `request`, `checkContinue` or
 * `checkExpectation` on an http or https server; the handler then runs in the
 * context the subscriber chose (ContextChoice), with the request and response
 * bound to it. Published on error when the handler throws synchronously.
 */
export interface ServerRequestMessage extends ContextChoice {
  /** `request`, `checkContinue` or `checkExpectation`. */
  readonly event: string;
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  /** The SERVER span, set by server-spans.ts; undefined when untraced. */
  span?: Span;
  /** Set by the hook when the handler throws synchronously. */
  error?: unknown;
}

/** Published (traceSync) around http.request/get and https.request/get. */
export interface ClientRequestMessage {
  /** The caller's arguments, untouched. */
  readonly args: ArrayLike<unknown>;
  /** `http:` or `https:`: which module was called (its default protocol). */
  readonly protocol: 'http:' | 'https:';
  /** Headers to add to the request (propagation), set by client-spans.ts on start. */
  inject?: Record<string, string>;
  /** The CLIENT span, set by client-spans.ts on start; undefined when untraced. */
  span?: Span;
  /** Set by traceSync: the ClientRequest returned. */
  result?: ClientRequest;
  /** Set by traceSync when the call throws synchronously (invalid URL or header). */
  error?: unknown;
}

/** Server requests: our hook on the servers' emit. */
export const serverRequestChannel = dc.tracingChannel<unknown, ServerRequestMessage>('spanwise:http:server-request');
/** Client requests: our hook on http(s).request/get. */
export const clientRequestChannel = dc.tracingChannel<unknown, ClientRequestMessage>('spanwise:http:client-request');

/** Channels node:http publishes itself (Node docs, "Diagnostics Channel", built-in channels). */
export const NODE_HTTP_CHANNELS = {
  /** The response head of a client request arrived (Node >= 16.18). */
  clientResponseFinish: 'http.client.response.finish',
  /** A client request failed (Node >= 20.x); the request's socket error is the fallback. */
  clientRequestError: 'http.client.request.error',
} as const;

/** `http.client.response.finish` */
export interface NodeClientResponseMessage {
  readonly request: ClientRequest;
  readonly response: IncomingMessage;
}

/** `http.client.request.error` */
export interface NodeClientErrorMessage {
  readonly request: ClientRequest;
  readonly error: unknown;
}
