// The link between the HTTP server span and a framework that learns the route
// later (express): the server instrumentation puts the span in the request's
// context; the framework names it by route through setHttpRoute.
import { context, createContextKey, type Context, type Span } from '@opentelemetry/api';

/** The SERVER span of the request being handled, and what it needs to be renamed. */
export interface ServerSpanInfo {
  readonly span: Span;
  /** The normalised method used in the span name (`GET`, or `HTTP` for unknown methods). */
  readonly method: string;
  /** The route template once a framework reports it. */
  route: string | undefined;
}

const SERVER_SPAN_KEY = createContextKey('spanwise.server-span');

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
  info.span.updateName(`${info.method} ${route}`);
  info.span.setAttribute('http.route', route);
}
