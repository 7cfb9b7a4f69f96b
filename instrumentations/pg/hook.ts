// Patches node-postgres at the prototype level (so CommonJS and ESM loads share
// the patch) and publishes each query, connection and pool checkout on the
// channels of channels.ts. Never imports the tracer: spans.ts builds the spans.
//
// How the end of a query is seen, without changing what pg returns:
// - with a callback: the callback, handed to pg wrapped (it is also what pg's
//   query_timeout timer calls);
// - a submittable (pg-cursor, pg-query-stream, a pg Query object): its
//   handleError / handleReadyForQuery, which pg calls on every submittable;
// - a promise: the same two methods on the Query object pg queued (query-lookup.ts).
import { publishAndRun, runInScope } from '../../src/channels';
import { disableAfterError, isActive } from '../../src/guard';
import { wrapMethod } from '../../src/hooks/wrap';
import {
  connectChannel, poolConnectChannel, queryChannel,
  type ConnectMessage, type PgClientFields, type PgPoolFields, type PoolConnectMessage, type QueryMessage,
  type TracedMessage,
} from './channels';
import { findQueuedQuery, markTraced, queryFields, type Submittable } from './query-lookup';

const NAME = 'pg';

type AnyFunction = (this: unknown, ...args: any[]) => any;
type Tracing<M extends TracedMessage> = { readonly error: { publish(m: M): void }; readonly asyncStart: { publish(m: M): void } };

/** Patches pg's Client (the export of `pg/lib/client.js`): query and connect. Idempotent. */
export function patchClient(Client: unknown): void {
  const proto = prototypeOf(Client);
  if (proto === undefined) return;
  wrapMethod(proto as Record<string, AnyFunction>, 'query', wrapQuery);
  // connect() and connect(cb) both go through _connect(callback) (pg >= 8.0.3), which
  // always gets a callback: the app's, or the one settling connect()'s promise.
  wrapMethod(proto as Record<string, AnyFunction>, '_connect', wrapConnect);
}

/** Patches pg-pool's Pool (its main export): connect, which pool.query uses too. Idempotent. */
export function patchPool(Pool: unknown): void {
  const proto = prototypeOf(Pool);
  if (proto !== undefined) wrapMethod(proto as Record<string, AnyFunction>, 'connect', wrapPoolConnect);
}

function prototypeOf(ctor: unknown): object | undefined {
  if (typeof ctor !== 'function') return undefined;
  const proto = (ctor as { prototype?: unknown }).prototype;
  return proto !== null && typeof proto === 'object' ? proto : undefined;
}

/** Publishes the end of an operation once: `error` (on failure), then `asyncStart`. */
function finish<M extends TracedMessage>(channel: Tracing<M>, message: M, err: unknown): void {
  if (message.finished) return;
  message.finished = true;
  if (err !== undefined && err !== null) {
    message.error = err;
    channel.error.publish(message);
  }
  channel.asyncStart.publish(message);
}

/** The app's callback, ending the operation first and then running in the caller's context. */
function bindCallback<M extends TracedMessage>(channel: Tracing<M>, message: M, callback: AnyFunction): AnyFunction {
  return function pgCallback(this: unknown, err: unknown) {
    finish(channel, message, err);
    // eslint-disable-next-line prefer-rest-params
    return runInScope(message.callerScope, callback, this, arguments);
  };
}

function newQueryMessage(client: PgClientFields, config: unknown): QueryMessage {
  const fields = queryFields(config);
  return {
    span: undefined, callerScope: undefined, error: undefined, finished: false,
    client, text: fields.text, submittable: fields.submittable,
  };
}

function wrapQuery(original: AnyFunction): AnyFunction {
  return function query(this: unknown, config: unknown) {
    if (!queryChannel.start.hasSubscribers || !isActive(NAME) || config === null || config === undefined) {
      // eslint-disable-next-line prefer-rest-params
      return original.apply(this, arguments as unknown as unknown[]);
    }
    // eslint-disable-next-line prefer-rest-params
    const args = Array.prototype.slice.call(arguments) as unknown[];
    let message: QueryMessage;
    let observe: boolean;
    try {
      message = newQueryMessage(this as PgClientFields, config);
      queryChannel.start.publish(message);
      observe = prepareQuery(message, config, args);
    } catch (err) {
      disableAfterError(NAME, err);
      // eslint-disable-next-line prefer-rest-params
      return original.apply(this, arguments as unknown as unknown[]);
    }
    let result: unknown;
    try {
      result = original.apply(this, args);
    } catch (err) {
      finish(queryChannel, message, err);
      throw err;
    }
    return observe ? observeQueued(this, message, result) : result;
  };
}

/**
 * Wraps the callbacks and a submittable's end methods before pg sees them.
 * Returns true when the end must still be found after the call (promise form).
 */
function prepareQuery(message: QueryMessage, config: unknown, args: unknown[]): boolean {
  let bound = false;
  // pg takes the callback in either place: query(text, cb) or query(text, values, cb).
  if (typeof args[1] === 'function') {
    args[1] = bindCallback(queryChannel, message, args[1] as AnyFunction);
    bound = true;
  } else if (typeof args[2] === 'function') {
    args[2] = bindCallback(queryChannel, message, args[2] as AnyFunction);
    bound = true;
  }
  if (!message.submittable) return !bound;
  const submittable = config as Submittable;
  if (typeof submittable.callback === 'function') {
    submittable.callback = bindCallback(queryChannel, message, submittable.callback);
  }
  wrapEnds(submittable, message);
  return false;
}

/**
 * Promise form (or a callback inside the config object): find the Query pg
 * queued and watch its end methods (see query-lookup.ts).
 */
function observeQueued(client: unknown, message: QueryMessage, result: unknown): unknown {
  let queued: Submittable | undefined;
  try {
    queued = findQueuedQuery(client, message.text);
    if (queued !== undefined) {
      wrapEnds(queued, message);
      // query({ text, callback }): no promise, and the callback came in the config.
      if (result === undefined && typeof queued.callback === 'function') {
        queued.callback = bindCallback(queryChannel, message, queued.callback);
      }
    }
  } catch (err) {
    disableAfterError(NAME, err);
    return result;
  }
  if (queued !== undefined) return result;
  // pg refused the query before queueing it (closed or broken client, or a portal
  // query in pipeline mode) and rejects on the next tick. Nothing else shows that
  // end, so here only, the promise is followed, and the follower returned, so an
  // unhandled rejection stays unhandled (as Node's TracingChannel.tracePromise does).
  return followPromise(queryChannel, message, result);
}

/** Ends the operation on a submittable's own end methods; the first signal wins. */
function wrapEnds(query: Submittable, message: QueryMessage): void {
  markTraced(query);
  const onError = query.handleError;
  const onReady = query.handleReadyForQuery;
  if (typeof onError === 'function') {
    query.handleError = function handleError(this: unknown, err: unknown) {
      finish(queryChannel, message, err);
      // eslint-disable-next-line prefer-rest-params
      return onError.apply(this, arguments as unknown as unknown[]);
    };
  }
  if (typeof onReady === 'function') {
    query.handleReadyForQuery = function handleReadyForQuery(this: unknown) {
      // After the original: a pg Query whose row parsing failed turns ready into
      // handleError inside it, and that error must win.
      try {
        // eslint-disable-next-line prefer-rest-params
        return onReady.apply(this, arguments as unknown as unknown[]);
      } finally {
        finish(queryChannel, message, undefined);
      }
    };
  }
}

/** Follows a returned promise: publishes its end and returns the follower, settled the same way. */
function followPromise<M extends TracedMessage>(channel: Tracing<M>, message: M, result: unknown, onValue?: (value: unknown) => void): unknown {
  const then = result !== null && (typeof result === 'object' || typeof result === 'function')
    ? (result as { then?: unknown }).then : undefined;
  if (typeof then !== 'function') {
    finish(channel, message, undefined);
    return result;
  }
  return then.call(result, (value: unknown) => {
    if (onValue !== undefined) onValue(value);
    finish(channel, message, undefined);
    return value;
  }, (err: unknown) => {
    finish(channel, message, err);
    throw err;
  });
}

function wrapConnect(original: AnyFunction): AnyFunction {
  return function _connect(this: unknown, callback: unknown) {
    if (!connectChannel.start.hasSubscribers || !isActive(NAME) || typeof callback !== 'function') {
      // eslint-disable-next-line prefer-rest-params
      return original.apply(this, arguments as unknown as unknown[]);
    }
    const message: ConnectMessage = {
      span: undefined, callerScope: undefined, error: undefined, finished: false, client: this as PgClientFields,
    };
    // eslint-disable-next-line prefer-rest-params
    const args = Array.prototype.slice.call(arguments) as unknown[];
    args[0] = bindCallback(connectChannel, message, callback as AnyFunction);
    try {
      return publishAndRun(connectChannel.start, message, original, this, args);
    } catch (err) {
      finish(connectChannel, message, err);
      throw err;
    }
  };
}

function wrapPoolConnect(original: AnyFunction): AnyFunction {
  return function connect(this: unknown, callback: unknown) {
    if (!poolConnectChannel.start.hasSubscribers || !isActive(NAME)) {
      // eslint-disable-next-line prefer-rest-params
      return original.apply(this, arguments as unknown as unknown[]);
    }
    const message: PoolConnectMessage = {
      span: undefined, callerScope: undefined, error: undefined, finished: false, pool: this as PgPoolFields, client: undefined,
    };
    // eslint-disable-next-line prefer-rest-params
    const args = Array.prototype.slice.call(arguments) as unknown[];
    if (typeof callback === 'function') args[0] = bindPoolCallback(message, callback as AnyFunction);
    let result: unknown;
    try {
      result = publishAndRun(poolConnectChannel.start, message, original, this, args);
    } catch (err) {
      finish(poolConnectChannel, message, err);
      throw err;
    }
    if (typeof callback === 'function') return result;
    // pg-pool keeps a waiter's callback private, and its checkout timeout finds the
    // waiter by that callback's identity, so it cannot be wrapped: the promise is
    // followed instead (see followPromise). Same value, same error, same promise type.
    return followPromise(poolConnectChannel, message, result, (client) => {
      message.client = client as PgClientFields;
    });
  };
}

/** pool.connect's callback `(err, client, release)`: keeps the client for the span's attributes. */
function bindPoolCallback(message: PoolConnectMessage, callback: AnyFunction): AnyFunction {
  return function pgPoolCallback(this: unknown, err: unknown, client: unknown) {
    if (err === undefined || err === null) message.client = client as PgClientFields;
    finish(poolConnectChannel, message, err);
    // eslint-disable-next-line prefer-rest-params
    return runInScope(message.callerScope, callback, this, arguments);
  };
}
