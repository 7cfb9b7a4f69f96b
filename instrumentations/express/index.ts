// The express instrumentation: route names for the HTTP server span and
// INTERNAL spans for middleware, routers and request handlers.
//
// router 2.3 publishes its own `express.router.request` TracingChannel; we do
// not build on it because its spans end when the handler returns or its
// promise settles (not at next() or the response), it carries only the
// current layer's pattern (not the mount paths above it), and router 2.0-2.2
// and express 4 have no channel at all. If that changes, only hook.ts goes.
import type { Instrumentation } from '../types';

/** Express 4 keeps its router in lib/router/; tested on 4.17.0 (lowest) and 4.22.3. */
const EXPRESS_4 = '>=4.17.0 <5';
/** Express 5 routes with the separate `router` package; tested on 2.0.0 (express 5.0.0) and 2.3.0 (express 5.3.0). */
const ROUTER_2 = '>=2.0.0 <3';

/* eslint-disable @typescript-eslint/no-require-imports */
/** Express 4.x and 5.x (through `router` 2.x, which also serves apps using `router` on its own). */
export const express: Instrumentation = {
  name: 'express',
  targets: [
    { module: 'express', file: 'lib/router/layer.js', versions: EXPRESS_4, load: () => require('./hook').patchLayer4 },
    { module: 'express', file: 'lib/router/index.js', versions: EXPRESS_4, load: () => require('./hook').patchRouter4 },
    { module: 'router', file: 'lib/layer.js', versions: ROUTER_2, load: () => require('./hook').patchLayer5 },
    { module: 'router', versions: ROUTER_2, load: () => require('./hook').patchRouter5 },
  ],
  subscribe: () => require('./spans').subscribe(),
};
