// The link between the HTTP server span and a framework that learns the route
// later (express): the server instrumentation puts the span in the request's
// context; the framework names it by route through setHttpRoute, and may ask to
// end its own spans just before the server span ends (beforeServerSpanEnds).
import { context, createContextKey, type Context, type Span } from '@opentelemetry/api';
import { JoinedNames } from './joined-names';
import { log } from './log';

/** The SERVER span of the request being handled, and what it needs to be renamed. */
export interface ServerSpanInfo {
  readonly span: Span;
  /** The normalised method used in the span name (`GET`, or `HTTP` for unknown methods). */
  readonly method: string;
  /** The route template once a framework reports it. */
  route: string | undefined;
  /** Called with `beforeEndArg` just before the span ends (beforeServerSpanEnds). */
  beforeEnd: ((arg: unknown) => void) | undefined;
  beforeEndArg: unknown;
}

const SERVER_SPAN_KEY = createContextKey('spanwise.server-span');
const routeNames = new JoinedNames(' ');

/** Returns `ctx` carrying the server span info. */
export function withServerSpan(ctx: Context, info: ServerSpanInfo): Context {
  return ctx.setValue(SERVER_SPAN_KEY, info);
}

/** The server span info of the active (or given) context, if any. */
export function getServerSpan(ctx: Context = context.active()): ServerSpanInfo | undefined {
  return ctx.getValue(SERVER_SPAN_KEY) as ServerSpanInfo | undefined;
}

/**
 * Names the server span `{method} {route}` and sets `http.route` (HTTP semantic
 * conventions, "HTTP server span name"). The last call wins.
 */
export function setHttpRoute(info: ServerSpanInfo, route: string): void {
  info.route = route;
  info.span.updateName(routeNames.join(info.method, route));
  info.span.setAttribute('http.route', route);
}

/**
 * Asks the server instrumentation to call `fn(arg)` just before it ends the
 * span of `info`: a framework's spans end with the response, before the server
 * span, with no response listener of their own. One caller per request; false
 * when the slot is taken or the span will not end through the instrumentation
 * (not recording), and the caller must end its spans itself.
 */
export function beforeServerSpanEnds<A>(info: ServerSpanInfo, fn: (arg: A) => void, arg: A): boolean {
  if (info.beforeEnd !== undefined || !info.span.isRecording()) return false;
  info.beforeEnd = fn as (arg: unknown) => void;
  info.beforeEndArg = arg;
  return true;
}

/** For the server instrumentation: runs the callback beforeServerSpanEnds set, if any; never throws. */
export function runBeforeServerSpanEnds(info: ServerSpanInfo): void {
  const fn = info.beforeEnd;
  if (fn === undefined) return;
  const arg = info.beforeEndArg;
  // The info stays in the request's contexts, which can outlive the request
  // (span.ts end() says how): it keeps no reference to the framework's request.
  info.beforeEnd = undefined;
  info.beforeEndArg = undefined;
  try {
    fn(arg);
  } catch (err) {
    log.warn('ending a framework\'s spans with the server span failed', err);
  }
}
