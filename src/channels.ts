// diagnostics_channel helpers: the one place where a published event becomes an
// active span. Node rethrows a subscriber's error asynchronously (crashing the
// app), so every subscriber and store transform we install is guarded here.
import dc from 'node:diagnostics_channel';
import type { Context } from '@opentelemetry/api';
import { getAgent } from './agent';
import { disableAfterError, isActive } from './guard';

/** Subscribes `handler` to a named channel; its errors switch `instrumentation` off. */
export function subscribeGuarded<M>(channelName: string, instrumentation: string, handler: (message: M) => void): void {
  dc.subscribe(channelName, (message: unknown) => {
    if (!isActive(instrumentation)) return;
    try {
      handler(message as M);
    } catch (err) {
      disableAfterError(instrumentation, err);
    }
  });
}

/**
 * Makes `toContext(message)` the active context while a TracingChannel's traced
 * function runs (tracingChannel.start.bindStore). Returning undefined keeps the
 * current context.
 */
export function bindContext<M extends object>(
  channel: dc.Channel, instrumentation: string, toContext: (message: M, active: Context) => Context | undefined,
): void {
  const agent = getAgent();
  if (agent === undefined) return;
  const storage = agent.contextManager.storage;
  channel.bindStore(storage, (message: unknown) => {
    const active = storage.getStore() ?? agent.rootContext;
    if (!isActive(instrumentation)) return active;
    try {
      return toContext(message as M, active) ?? active;
    } catch (err) {
      disableAfterError(instrumentation, err);
      return active;
    }
  });
}
