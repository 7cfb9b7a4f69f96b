// Builds the pg spans from the hook's facts. A query span is a CLIENT span named
// per the database conventions; it is never made active (nothing runs inside a
// query), and the app's callback continues in the caller's context. Connection
// and pool checkout spans are active while pg opens the socket, so a new
// connection made for a checkout is the checkout span's child. Never patches.
import { context, SpanKind, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { getAgent } from '../../src/agent';
import { subscribeContextChoice, subscribeGuarded } from '../../src/channels';
import { captureScope } from '../../src/context';
import { giveAttributes } from '../../src/span';
import { isValidSpanContext } from '../../src/span-context';
import { isTracingSuppressed } from '../../src/suppress';
import { ATTR, connectionAttributes, poolConnectionFields, recordFailure, setConnectionAttributes } from './attributes';
import {
  connectChannel, poolConnectChannel, queryChannel,
  type ConnectMessage, type PoolConnectMessage, type QueryMessage, type TracedMessage,
} from './channels';
import { statementDescriber, type Statement } from './statements';

const NAME = 'pg';

/** Span names of the operations that are not queries (no semantic convention names them). */
export const CONNECT_SPAN = 'pg.connect';
/** The wait for a pooled client (pool.connect, and pool.query's checkout). */
export const POOL_CONNECT_SPAN = 'pg.pool.connect';

interface Settings {
  readonly tracer: Tracer;
  readonly connectSpans: boolean;
  readonly requireParent: boolean;
  readonly describe: (text: string | undefined) => Statement;
}

let settings: Settings | undefined;

/** Starts the pg span builder (once, from the descriptor's subscribe). */
export function subscribe(): void {
  const agent = getAgent();
  if (agent === undefined) return;
  const { connectSpans, requireParent, queryText } = agent.config.pg;
  settings = { tracer: agent.tracer(NAME), connectSpans, requireParent, describe: statementDescriber(queryText) };
  subscribeGuarded<QueryMessage>(queryChannel.start.name as string, NAME, startQuery);
  subscribeContextChoice<ConnectMessage>(connectChannel.start.name as string, NAME, startConnect);
  subscribeContextChoice<PoolConnectMessage>(poolConnectChannel.start.name as string, NAME, startPoolConnect);
  for (const channel of [queryChannel, connectChannel, poolConnectChannel]) {
    subscribeGuarded<TracedMessage>(channel.error.name as string, NAME, onError);
  }
  subscribeGuarded<TracedMessage>(queryChannel.asyncStart.name as string, NAME, endSpan);
  subscribeGuarded<TracedMessage>(connectChannel.asyncStart.name as string, NAME, endSpan);
  subscribeGuarded<PoolConnectMessage>(poolConnectChannel.asyncStart.name as string, NAME, endPoolConnect);
}

/** May `active` get a pg span? Not when suppressed, nor without a parent when one is required. */
function mayTrace(s: Settings, active: Context): boolean {
  if (isTracingSuppressed(active)) return false;
  if (!s.requireParent) return true;
  const parent = trace.getSpanContext(active);
  return parent !== undefined && isValidSpanContext(parent);
}

function startQuery(message: QueryMessage): void {
  const s = settings;
  const active = context.active();
  // The app's callbacks continue where the operation was called.
  message.callerScope = captureScope();
  if (s === undefined || !mayTrace(s, active)) return;
  const statement = s.describe(message.text);
  const span = s.tracer.startSpan(statement.spanName, { kind: SpanKind.CLIENT }, active);
  message.span = span;
  if (!span.isRecording()) return;
  // One object for the span to take, rather than a setAttribute per attribute.
  const attributes = connectionAttributes(message.client);
  if (statement.operation !== undefined) attributes[ATTR.operation] = statement.operation;
  if (statement.collection !== undefined) attributes[ATTR.collection] = statement.collection;
  if (statement.queryText !== undefined) attributes[ATTR.queryText] = statement.queryText;
  giveAttributes(span, attributes);
}

/** The context pg connects in: the connection span's, or unchanged. */
function startConnect(message: ConnectMessage, active: Context): Context | undefined {
  // The app's callbacks continue where the operation was called.
  message.callerScope = captureScope();
  const span = startOperationSpan(CONNECT_SPAN, SpanKind.CLIENT, active);
  if (span === undefined) return undefined;
  message.span = span;
  if (span.isRecording()) setConnectionAttributes(span, message.client);
  return trace.setSpan(active, span);
}

/** The context pg-pool checks out in: the checkout span's (a new connection nests under it), or unchanged. */
function startPoolConnect(message: PoolConnectMessage, active: Context): Context | undefined {
  // The app's callbacks continue where the operation was called.
  message.callerScope = captureScope();
  const span = startOperationSpan(POOL_CONNECT_SPAN, SpanKind.INTERNAL, active);
  if (span === undefined) return undefined;
  message.span = span;
  return trace.setSpan(active, span);
}

function startOperationSpan(name: string, kind: SpanKind, active: Context): Span | undefined {
  const s = settings;
  if (s === undefined || !s.connectSpans || !mayTrace(s, active)) return undefined;
  return s.tracer.startSpan(name, { kind }, active);
}

function onError(message: TracedMessage): void {
  const span = message.span;
  if (span !== undefined && span.isRecording()) recordFailure(span, message.error);
}

function endSpan(message: TracedMessage): void {
  message.span?.end();
}

function endPoolConnect(message: PoolConnectMessage): void {
  const span = message.span;
  if (span === undefined) return;
  // The client handed out says where it is connected; on failure, the pool's options do.
  if (span.isRecording()) setConnectionAttributes(span, message.client ?? poolConnectionFields(message.pool));
  span.end();
}
