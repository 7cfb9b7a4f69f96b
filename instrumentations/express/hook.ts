// Patches express's router and publishes what happens on it. Two seams:
// - Router use/route (declaration time): remember each layer's type and path.
// - Layer handle_request/handle_error (express 4), handleRequest/handleError
//   (router 2.x, used by express 5): for the layers we saw declared, publish the
//   start on layerChannel and hand the function a `next` that publishes on
//   nextChannel; each runs in the context the subscriber chose (src/channels.ts).
//   Ends come from `next` (and, in spans.ts, the end of the server span), never
//   from a listener per layer (the MaxListenersExceededWarning OpenTelemetry's
//   instrumentation causes on express 5).
// Never imports the tracer: spans.ts turns these facts into spans.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { publishAndRun } from '../../src/channels';
import { disableAfterError, isActive } from '../../src/guard';
import { wrapMethod } from '../../src/hooks/wrap';
import { layerChannel, nextChannel, type LayerMessage, type NextMessage, type RequestState } from './channels';
import { getLayerInfo, registerRoute, registerUse, type LayerInfo, type LayerLike } from './layer-registry';
import { joinRoute } from './route-template';

const NAME = 'express';

type AnyFunction = (...args: any[]) => any;
type Next = (...args: unknown[]) => unknown;

// The request's routing state lives on the req object under a symbol. A WeakMap
// keyed by req made every request an ephemeron for the garbage collector to
// trace, which showed as several µs of GC per request under load (Node 24).
const STATE = Symbol('spanwise.express.request');
type WithState = { [STATE]?: RequestState };

/** Patches express 4's `lib/router/layer.js` (the Layer constructor). */
export function patchLayer4(Layer: unknown): void {
  patchLayerPrototype(prototypeOf(Layer), 'handle_request', 'handle_error');
}

/** Patches express 4's `lib/router/index.js` (the router `proto` object). */
export function patchRouter4(proto: unknown): void {
  if (proto !== null && (typeof proto === 'function' || typeof proto === 'object')) patchRouterMethods(proto as object);
}

/** Patches `router` 2.x's `lib/layer.js` (express 5). */
export function patchLayer5(Layer: unknown): void {
  patchLayerPrototype(prototypeOf(Layer), 'handleRequest', 'handleError');
}

/** Patches `router` 2.x's main export, the Router constructor (express 5). */
export function patchRouter5(Router: unknown): void {
  const proto = prototypeOf(Router);
  if (proto !== undefined) patchRouterMethods(proto);
}

function prototypeOf(ctor: unknown): object | undefined {
  if (typeof ctor !== 'function') return undefined;
  const proto = (ctor as { prototype?: unknown }).prototype;
  return proto !== null && (typeof proto === 'object' || typeof proto === 'function') ? proto as object : undefined;
}

/** Declaration time, not the request path: tag each layer use/route pushes. */
function patchRouterMethods(proto: object): void {
  const target = proto as Record<string, AnyFunction>;
  wrapMethod(target, 'use', (original) => function use(this: { stack?: unknown }, first: unknown) {
    const stack = this?.stack;
    const before = Array.isArray(stack) ? stack.length : 0;
    const result = original.apply(this, arguments as unknown as unknown[]);
    if (isActive(NAME)) {
      try {
        registerUse(stack, before, first);
      } catch (err) {
        disableAfterError(NAME, err);
      }
    }
    return result;
  });
  wrapMethod(target, 'route', (original) => function route(this: { stack?: unknown }, path: unknown) {
    const result = original.apply(this, arguments as unknown as unknown[]);
    if (isActive(NAME)) {
      try {
        registerRoute(this?.stack, result, path);
      } catch (err) {
        disableAfterError(NAME, err);
      }
    }
    return result;
  });
}

function patchLayerPrototype(proto: object | undefined, requestMethod: string, errorMethod: string): void {
  if (proto === undefined) return;
  const target = proto as Record<string, AnyFunction>;
  wrapMethod(target, requestMethod, (original) => function handleRequest(
    this: LayerLike, req: IncomingMessage, res: ServerResponse, next: Next,
  ) {
    const info = traced(this, req, next, false);
    if (info === undefined) return original.apply(this, arguments as unknown as unknown[]);
    const request = requestState(req);
    const before = request.prefix;
    const message = startMessage(this, info, request, req, res, false);
    if (message === undefined) return original.apply(this, arguments as unknown as unknown[]);
    return publishAndRun(layerChannel, message, original, this, [req, res, wrapNext(message, next, before)]);
  });
  wrapMethod(target, errorMethod, (original) => function handleError(
    this: LayerLike, error: unknown, req: IncomingMessage, res: ServerResponse, next: Next,
  ) {
    const info = traced(this, req, next, true);
    if (info === undefined) return original.apply(this, arguments as unknown as unknown[]);
    const request = requestState(req);
    const before = request.prefix;
    const message = startMessage(this, info, request, req, res, true);
    if (message === undefined) return original.apply(this, arguments as unknown as unknown[]);
    return publishAndRun(layerChannel, message, original, this, [error, req, res, wrapNext(message, next, before)]);
  });
}

/** The layer's declared facts when this call will run its function and someone listens; else undefined. */
function traced(layer: LayerLike, req: unknown, next: unknown, errorHandler: boolean): LayerInfo | undefined {
  if (!layerChannel.hasSubscribers || typeof next !== 'function') return undefined;
  if (req === null || typeof req !== 'object' || !isActive(NAME)) return undefined;
  const fn = layer.handle;
  if (typeof fn !== 'function') return undefined;
  // The Layer's own rule: a 4-parameter function runs only for an error, any other only for a request.
  if (errorHandler ? fn.length !== 4 : fn.length > 3) return undefined;
  return getLayerInfo(layer);
}

/** The routing state of one request (keyed by the req object express passes to every layer). */
function requestState(req: object): RequestState {
  return ((req as WithState)[STATE] ??= { prefix: '', open: undefined, lastError: undefined });
}

/** Builds the start message and enters the layer's mount path; undefined (and switched off) on our own error. */
function startMessage(
  layer: LayerLike, info: LayerInfo, request: RequestState, req: IncomingMessage, res: ServerResponse,
  errorHandler: boolean,
): LayerMessage | undefined {
  try {
    const full = joinRoute(request.prefix, info.path);
    const isHandler = info.type === 'request_handler';
    // A mounted function (router, sub-app, static) sees the request under its mount path until it calls next.
    if (!isHandler) request.prefix = full;
    return {
      req, res, request, type: info.type, errorHandler,
      name: info.type === 'middleware' ? layerName(layer) : (full || '/'),
      route: isHandler ? (full || '/') : undefined,
      span: undefined, parentContext: undefined, ended: false,
    };
  } catch (err) {
    disableAfterError(NAME, err);
    return undefined;
  }
}

function layerName(layer: LayerLike): string {
  return typeof layer.name === 'string' && layer.name !== '' ? layer.name : '<anonymous>';
}

/**
 * The `next` the layer's function receives. It leaves the layer's mount path
 * (as express restores req.baseUrl) and calls the real next exactly once per
 * call, with the same this and arguments, in the context the nextChannel
 * subscriber chose, so it can end the span and continue in the layer's parent context.
 */
function wrapNext(message: LayerMessage, original: Next, prefix: string): Next {
  const request = message.request;
  return function next(this: unknown, argument?: unknown) {
    request.prefix = prefix;
    if (!nextChannel.hasSubscribers) return original.apply(this, arguments as unknown as unknown[]);
    const leaving: NextMessage = { layer: message, argument };
    return publishAndRun(nextChannel, leaving, original, this, arguments);
  };
}
