// A context flag that turns tracing off for everything run inside it. The OTLP
// exporter sends its requests inside it so they are never traced themselves.
import { context, createContextKey, type Context } from '@opentelemetry/api';

const SUPPRESS_KEY = createContextKey('spanwise.suppress-tracing');

/** Returns a copy of `ctx` in which no spans are recorded. */
export function suppressTracing(ctx: Context): Context {
  return ctx.setValue(SUPPRESS_KEY, true);
}

/** True when `ctx` (default: the active context) has tracing suppressed. */
export function isTracingSuppressed(ctx: Context = context.active()): boolean {
  return ctx.getValue(SUPPRESS_KEY) === true;
}
