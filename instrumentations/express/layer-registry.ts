// What we learn about each router layer when the app declares it (router.use,
// router.route): its type and its path as written. Express keeps no declared
// path on a `use` layer (express 4 keeps only the compiled regexp), so this is
// the one place that knows `/api` in `app.use('/api', api)`. A WeakMap rather
// than a property on express's objects: nothing of theirs is written to, and
// layers of a dropped router are collected with it.
import type { LayerType } from './channels';
import { formatPath } from './route-template';

/** What a layer declared: its type and its path as text ('' for a mount at '/'). */
export interface LayerInfo {
  readonly type: LayerType;
  readonly path: string;
}

/** A router layer as both express 4 and router 2 shape it. */
export interface LayerLike {
  handle: unknown;
  name?: unknown;
  route?: unknown;
}

const layers = new WeakMap<object, LayerInfo>();

/** The declared facts of `layer`; undefined for layers we did not see declared (a route's own stack). */
export function getLayerInfo(layer: object): LayerInfo | undefined {
  return layers.get(layer);
}

/**
 * Tags the layers `router.use(...)` pushed onto `stack` from index `before` on.
 * Same argument rule as express: a first argument that is not a function (after
 * unwrapping nested arrays) is the mount path.
 */
export function registerUse(stack: unknown, before: number, first: unknown): void {
  if (!Array.isArray(stack)) return;
  const path = isPathArgument(first) ? mountPath(formatPath(first)) : '';
  for (let i = before; i < stack.length; i++) {
    const layer = stack[i] as LayerLike | undefined;
    if (layer === null || typeof layer !== 'object') continue;
    layers.set(layer, { type: isRouter(layer.handle) ? 'router' : 'middleware', path });
  }
}

/** Tags the layer `router.route(path)` just pushed for `route`. */
export function registerRoute(stack: unknown, route: unknown, path: unknown): void {
  if (!Array.isArray(stack) || stack.length === 0) return;
  const layer = stack[stack.length - 1] as LayerLike | undefined;
  if (layer === null || typeof layer !== 'object' || layer.route !== route) return;
  layers.set(layer, { type: 'request_handler', path: formatPath(path) });
}

function isPathArgument(first: unknown): boolean {
  let arg = first;
  while (Array.isArray(arg) && arg.length !== 0) arg = arg[0];
  return typeof arg !== 'function' && first !== undefined;
}

/** A mount at '/' adds nothing to the route template. */
function mountPath(path: string): string {
  return path === '/' ? '' : path;
}

/** An express Router (4.x `proto`, router 2.x `Router`): a function with a layer stack and a handle method. */
function isRouter(handle: unknown): boolean {
  if (typeof handle !== 'function') return false;
  const h = handle as { stack?: unknown; handle?: unknown };
  return Array.isArray(h.stack) && typeof h.handle === 'function';
}
