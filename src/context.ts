// The context manager: one AsyncLocalStorage holds the active immutable Context,
// so it follows await, timers, callbacks and promise chains by itself.
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

type Listener = (...args: unknown[]) => unknown;

const PATCHED = Symbol('spanwise.boundEmitter');
const LISTENER_METHODS = ['on', 'addListener', 'prependListener', 'once', 'prependOnceListener'] as const;

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
   * Listeners added to a bound emitter run in `ctx`. removeListener keeps working
   * because we remember which wrapper belongs to which listener.
   */
  private bindEmitter(ctx: Context, emitter: EventEmitter): EventEmitter {
    const tagged = emitter as EventEmitter & { [PATCHED]?: WeakMap<Listener, Listener> };
    if (tagged[PATCHED] !== undefined) return emitter;
    const wrappers = new WeakMap<Listener, Listener>();
    tagged[PATCHED] = wrappers;
    for (const method of LISTENER_METHODS) {
      const original = emitter[method];
      emitter[method] = function (this: EventEmitter, event: string | symbol, listener: Listener) {
        let wrapped = wrappers.get(listener);
        if (wrapped === undefined) {
          wrapped = (manager.bindFunction(ctx, listener));
          wrappers.set(listener, wrapped);
        }
        return original.call(this, event, wrapped);
      } as typeof original;
    }
    const manager = this;
    const remove = emitter.removeListener;
    emitter.removeListener = emitter.off = function (this: EventEmitter, event: string | symbol, listener: Listener) {
      return remove.call(this, event, wrappers.get(listener) ?? listener);
    };
    return emitter;
  }
}
