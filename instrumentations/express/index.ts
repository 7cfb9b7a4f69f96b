// The express instrumentation: route names for the HTTP server span and
// INTERNAL spans for middleware, routers and request handlers.
import type { Instrumentation } from '../types';

/** Express 4 keeps its router in lib/router/; 4.17.0 is the lowest version verified. */
const EXPRESS_4 = '>=4.17.0 <5';
/** Express 5 routes with the separate `router` package (2.x, also usable on its own). */
const ROUTER_2 = '>=2.0.0 <3';

/* eslint-disable @typescript-eslint/no-require-imports */
/** Express 4.x and 5.x (through `router` 2.x). */
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
