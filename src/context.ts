// The context manager: one AsyncLocalStorage holds the active immutable Context,
// so it follows await, timers, callbacks and promise chains by itself.
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

type Listener = (...args: unknown[]) => unknown;

const BOUND = Symbol('spanwise.boundEmitter');

/** An @opentelemetry/api ContextManager on AsyncLocalStorage. */
export class AsyncLocalContextManager implements ContextManager {
  /** The store itself, for TracingChannel.bindStore in src/channels.ts. */
  readonly storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A
  ): ReturnType<F> {
    if (thisArg === undefined) {
      return this.storage.run(ctx, fn as unknown as (...a: unknown[]) => ReturnType<F>, ...args);
    }
    return this.storage.run(ctx, () => fn.apply(thisArg, args));
  }

  bind<T>(ctx: Context, target: T): T {
    if (target instanceof EventEmitter) return this.bindEmitter(ctx, target) as T;
    if (typeof target === 'function') return this.bindFunction(ctx, target as unknown as Listener) as T;
    return target;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }

  private bindFunction(ctx: Context, fn: Listener): Listener {
    const manager = this;
    const bound = function (this: unknown, ...args: unknown[]) {
      return manager.with(ctx, () => fn.apply(this, args));
    };
    Object.defineProperty(bound, 'length', { value: fn.length, configurable: true });
    return bound;
  }

  /**
   * Every listener of a bound emitter runs in `ctx`: its `emit` is replaced by
   * one that enters `ctx` first. One property write per emitter, where wrapping
   * each listener method (and remembering wrappers for removeListener) costs a
   * closure per method per request on the server hot path.
   */
  private bindEmitter(ctx: Context, emitter: EventEmitter): EventEmitter {
    const tagged = emitter as EventEmitter & { [BOUND]?: true };
    if (tagged[BOUND] === true) return emitter;
    tagged[BOUND] = true;
    const storage = this.storage;
    const emit = emitter.emit;
    emitter.emit = function boundEmit(this: EventEmitter, ...args: Parameters<EventEmitter['emit']>): boolean {
      if (storage.getStore() === ctx) return emit.apply(this, args);
      return storage.run(ctx, Reflect.apply, emit, this, args) as boolean;
    };
    return emitter;
  }
}
