// diagnostics_channel helpers: the one place where a published event becomes an
// active span. Node rethrows a subscriber's error asynchronously (crashing the
// app), so every subscriber we install is guarded here. Hooks publish a message
// and run the traced call (publishAndRun), a subscriber may choose the context it
// runs in (subscribeContextChoice), and callbacks continue through runInScope.
import { AsyncLocalStorage, type AsyncResource } from 'node:async_hooks';
import dc from 'node:diagnostics_channel';
import type { EventEmitter } from 'node:events';
import type { Context } from '@opentelemetry/api';
import { getAgent } from './agent';
import { captureScope, type AsyncLocalContextManager } from './context';
import { disableAfterError, isActive } from './guard';
import { log } from './log';

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
 * What a subscriber may choose for the function a hook is about to call: the
 * context it runs in, and emitters whose listeners should run in that context
 * too (the request and response of an HTTP server call).
 */
export interface ContextChoice {
  context?: Context;
  bindEmitters?: readonly EventEmitter[];
  /**
   * Called with each of `bindEmitters` when it emits 'close', once, before its
   * listeners (context.ts bindEmitterIn); through a plain 'close' listener when
   * the emitter could not be bound. Must not throw.
   */
  onClose?: (emitter: EventEmitter) => void;
  /**
   * Set by a hook whose call runs inside a native callback scope of Node's that
   * puts the context back when it closes, with nothing of the app's left to run
   * in it after the call: node:http's parser dispatching a request. The context
   * is then entered for the rest of that scope, not entered and left: on Node 24
   * (AsyncContextFrame) leaving copies the frame a second time, about 950
   * instructions per request (callgrind).
   */
  scopeRestores?: boolean;
}

// AsyncLocalStorage on AsyncContextFrame (Node 24; Node 22 with its flag), where
// enterWith replaces the current frame and a callback scope restores the one it
// found. The async_hooks implementation (Node 20) stores on the current resource
// instead, which would outlive the scope, so there every call is entered and left.
const FRAMES = !('_propagate' in AsyncLocalStorage.prototype);

/**
 * Subscribes `choose` to a channel whose hook runs its call through
 * runInChosenContext: the context `choose` returns (from the message and the
 * active context) becomes the message's `context`; undefined keeps the active one.
 */
export function subscribeContextChoice<M extends ContextChoice>(
  channelName: string, instrumentation: string, choose: (message: M, active: Context) => Context | undefined,
): void {
  const manager = getAgent()?.contextManager;
  if (manager === undefined) return;
  subscribeGuarded<M>(channelName, instrumentation, (message) => {
    message.context = choose(message, manager.active());
  });
}

/** Publishes `message` on `channel`, then calls `fn` in the context a subscriber chose on it (runInChosenContext). */
export function publishAndRun<R>(
  channel: dc.Channel, message: ContextChoice, fn: (...a: any[]) => R, thisArg: unknown, args: ArrayLike<unknown>,
): R {
  channel.publish(message);
  return runInChosenContext(message, fn, thisArg, args);
}

let managerOfAgent: AsyncLocalContextManager | undefined;

/**
 * Calls `fn` with `thisArg` and `args` in the context a subscriber put on
 * `choice` when the hook published it (unchanged when none did), after binding
 * the chosen emitters from inside that context, where binding is cheapest
 * (context.ts). The lean counterpart of TracingChannel#traceSync with a bound
 * store: no closures per call and no iteration over stores, which showed as
 * about 1 KB of garbage per request on the server hot path.
 */
function runInChosenContext<R>(choice: ContextChoice, fn: (...a: any[]) => R, thisArg: unknown, args: ArrayLike<unknown>): R {
  const ctx = choice.context;
  if (ctx === undefined) return Reflect.apply(fn, thisArg, args) as R;
  const manager = (managerOfAgent ??= getAgent()?.contextManager);
  if (manager === undefined) return Reflect.apply(fn, thisArg, args) as R;
  if (choice.scopeRestores === true && FRAMES) {
    if (manager.storage.getStore() !== ctx) manager.storage.enterWith(ctx);
    return enterAndCall(choice, fn, thisArg, args) as R;
  }
  return manager.storage.run(ctx, enterAndCall, choice, fn, thisArg, args) as R;
}

function enterAndCall(choice: ContextChoice, fn: (...a: unknown[]) => unknown, thisArg: unknown, args: ArrayLike<unknown>): unknown {
  const emitters = choice.bindEmitters;
  if (emitters !== undefined) {
    const onClose = choice.onClose;
    let i = 0;
    try {
      // Entered right here, the context needs one scope for all its emitters (context.ts bindEmitterIn).
      const scope = captureScope();
      for (; i < emitters.length; i++) {
        if (!managerOfAgent!.bindEmitterIn(choice.context!, emitters[i], scope, onClose) && onClose !== undefined) {
          listenForClose(emitters[i], onClose);
        }
      }
    } catch (err) {
      // Unbound listeners lose the context; the call itself must go on untouched.
      log.debug('could not bind emitters to the context', err);
      if (onClose !== undefined) for (; i < emitters.length; i++) listenForClose(emitters[i], onClose);
    }
  }
  return Reflect.apply(fn, thisArg, args);
}

// The close hook of an emitter that could not be bound, as a listener; never throws.
function listenForClose(emitter: EventEmitter, onClose: (emitter: EventEmitter) => void): void {
  try {
    emitter.once('close', function (this: EventEmitter) {
      onClose(this);
    });
  } catch (err) {
    log.debug('could not listen for close', err);
  }
}

/** Calls `fn` with `thisArg` and `args` inside `scope` (context.ts captureScope), or as it is when there is none. */
export function runInScope<R>(scope: AsyncResource | undefined, fn: (...a: any[]) => R, thisArg: unknown, args: ArrayLike<unknown>): R {
  if (scope === undefined) return Reflect.apply(fn, thisArg, args) as R;
  return scope.runInAsyncScope(fn, thisArg, ...(args as unknown as unknown[]));
}
