// The diagnostics channels between the pg hook (publisher) and the span builder
// (subscriber), declared once with their message shapes. Each operation is a
// TracingChannel with one message per call, of which three events are used:
//   start       the operation was called (for connect and pool connect the
//               subscriber may choose a context, ContextChoice, so their span
//               is active while pg opens the socket)
//   error       the operation failed; `error` holds exactly what pg raised
//   asyncStart  the operation is over: published exactly once, after `error`
// `end` and `asyncEnd` are not published: nothing needs them. Every callback the
// app hands pg runs in the caller's async scope, which the subscriber captures on
// start (pg calls it from the socket's context, and pg-pool from whichever
// request released a client).
import dc from 'node:diagnostics_channel';
import type { AsyncResource } from 'node:async_hooks';
import type { Span } from '@opentelemetry/api';
import type { ContextChoice } from '../../src/channels';

/** The public fields of a pg Client we read (set in its constructor in every 8.x). */
export interface PgClientFields {
  readonly database?: unknown;
  readonly host?: unknown;
  readonly port?: unknown;
}

/** The public fields of a pg-pool Pool we read. */
export interface PgPoolFields {
  readonly options?: {
    readonly database?: unknown;
    readonly host?: unknown;
    readonly port?: unknown;
    readonly connectionString?: unknown;
  };
}

/** The part of every message that the subscriber owns. */
export interface TracedMessage {
  /** Owned by the subscriber: the operation's span, if it made one. */
  span: Span | undefined;
  /** Owned by the subscriber: the caller's async scope, where callbacks continue (src/context.ts captureScope). */
  callerScope: AsyncResource | undefined;
  /** Owned by the hook: set on failure, before `error` is published. */
  error: unknown;
  /** Owned by the hook: true once asyncStart has been published. */
  finished: boolean;
}

/** One client.query call: a text query, a config object, or a submittable (pg-cursor, pg-query-stream). */
export interface QueryMessage extends TracedMessage {
  readonly client: PgClientFields;
  /** The SQL text as the app gave it; undefined when there is none (a named statement alone). */
  readonly text: string | undefined;
  /** True for objects with `submit` (pg-cursor, pg-query-stream, a pg Query). */
  readonly submittable: boolean;
}

/** One client.connect call (a new connection to the server). */
export interface ConnectMessage extends TracedMessage, ContextChoice {
  readonly client: PgClientFields;
}

/** One pool.connect call: waiting for a pooled client, connecting a new one if needed. */
export interface PoolConnectMessage extends TracedMessage, ContextChoice {
  readonly pool: PgPoolFields;
  /** Owned by the hook: the client handed out, on success. */
  client: PgClientFields | undefined;
}

/** client.query. */
export const queryChannel = dc.tracingChannel<unknown, QueryMessage>('spanwise:pg:query');
/** client.connect (both forms go through its _connect). */
export const connectChannel = dc.tracingChannel<unknown, ConnectMessage>('spanwise:pg:connect');
/** pool.connect (also used inside pool.query). */
export const poolConnectChannel = dc.tracingChannel<unknown, PoolConnectMessage>('spanwise:pg:pool-connect');

