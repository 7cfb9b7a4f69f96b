// The context manager: one AsyncLocalStorage holds the active immutable Context,
// so it follows await, timers, callbacks and promise chains by itself.
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import type { Context, ContextManager } from '@opentelemetry/api';
import { CHAIN_ROOT } from './context-chain';
import { log } from './log';

type Listener = (...args: unknown[]) => unknown;

const BOUND = Symbol('spanwise.boundEmitter');

/** What a bound emitter carries: its context, its own emit, and (once made) a scope entering the context. */
interface EmitterBinding {
  readonly ctx: Context;
  readonly emit: EventEmitter['emit'];
  readonly storage: AsyncLocalStorage<Context>;
  scope: AsyncResource | undefined;
  /** Called once, with the emitter, when it emits 'close' (see bindEmitterIn). */
  onClose: ((emitter: EventEmitter) => void) | undefined;
}

type BoundEmitter = EventEmitter & { [BOUND]?: EmitterBinding; _events?: Record<string | symbol, unknown> };

/** An @opentelemetry/api ContextManager on AsyncLocalStorage. */
export class AsyncLocalContextManager implements ContextManager {
  /** The store itself, for runInChosenContext in src/channels.ts. */
  readonly storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? CHAIN_ROOT;
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
   * one shared function that enters `ctx` first. One property write per emitter,
   * where wrapping each listener method (and remembering wrappers for
   * removeListener) costs a closure per method per request on the server hot path.
   *
   * The context is entered through an AsyncResource made once per emitter (or
   * once for several, bindEmitterIn): on Node 24 (AsyncContextFrame)
   * AsyncLocalStorage#run copies the frame twice, about 200 ns, while a
   * resource's runInAsyncScope swaps frames in about 10 ns, and a request's
   * emitters fire several events. Call it while `ctx` is active and the resource
   * is made at once (about 20 ns); otherwise on first need.
   */
  private bindEmitter(ctx: Context, emitter: EventEmitter): EventEmitter {
    this.bindEmitterIn(ctx, emitter, this.storage.getStore() === ctx ? captureScope() : undefined, undefined);
    return emitter;
  }

  /**
   * bindEmitter with the scope to enter given: `scope` must enter `ctx` (made by
   * captureScope while `ctx` was active); undefined makes one on first need.
   * Emitters bound together to one context (a request and its response) share one.
   * `onClose`, when given, is called with the emitter as it emits 'close', once
   * and before its listeners: what a 'close' listener would do, without adding
   * and removing one per request. False when the emitter was bound already (and
   * `onClose` is not attached).
   */
  bindEmitterIn(
    ctx: Context, emitter: EventEmitter, scope: AsyncResource | undefined, onClose: ((emitter: EventEmitter) => void) | undefined,
  ): boolean {
    const tagged = emitter as BoundEmitter;
    if (tagged[BOUND] !== undefined) return false;
    tagged[BOUND] = { ctx, emit: emitter.emit, storage: this.storage, scope, onClose };
    emitter.emit = boundEmit;
    return true;
  }
}

/**
 * The active async context as a scope to run code in later: a bound emitter's
 * listeners, or a callback that must continue where its operation was called.
 * Capturing costs about 20 ns, and entering it with runInAsyncScope no frame
 * copy, where AsyncLocalStorage#run copies the frame twice on Node 24.
 */
export function captureScope(): AsyncResource {
  return new AsyncResource('spanwise.context', { requireManualDestroy: true });
}

function makeScope(storage: AsyncLocalStorage<Context>, ctx: Context): AsyncResource {
  return storage.run(ctx, captureScope);
}

// Shared by every bound emitter (no closure per emitter); reads its binding from the emitter.
function boundEmit(this: BoundEmitter, event: string | symbol): boolean {
  const binding = this?.[BOUND];
  // boundEmit copied onto another object, or called with another this: a plain emit.
  // eslint-disable-next-line prefer-rest-params
  if (binding === undefined) return Reflect.apply(EventEmitter.prototype.emit, this, arguments) as boolean;
  if (event === 'close' && binding.onClose !== undefined) {
    const onClose = binding.onClose;
    binding.onClose = undefined;
    try {
      onClose(this);
    } catch (err) {
      // The hooks guard themselves; this only keeps a slip of ours away from the app's emit.
      log.debug('a close hook failed', err);
    }
  }
  const storage = binding.storage;
  // An event nobody listens to, or one emitted already in the context, needs no switch.
  const events = this._events;
  if ((events !== undefined && events[event] === undefined) || storage.getStore() === binding.ctx) {
    // eslint-disable-next-line prefer-rest-params
    return Reflect.apply(binding.emit, this, arguments) as boolean;
  }
  const scope = (binding.scope ??= makeScope(storage, binding.ctx));
  // eslint-disable-next-line prefer-rest-params
  return scope.runInAsyncScope(binding.emit, this, ...(arguments as unknown as unknown[])) as boolean;
}
