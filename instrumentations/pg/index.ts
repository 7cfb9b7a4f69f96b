// The pg instrumentation: CLIENT spans for node-postgres queries and connections,
// and a span for each pool checkout.
import type { Instrumentation } from '../types';

/**
 * node-postgres 8.x. 8.0.0 to 8.0.2 never finish connecting on Node >= 14
 * (brianc/node-postgres#2180, fixed in 8.0.3), and spanwise needs Node 20, so
 * 8.0.3 is the lowest version there is to support; it is tested, as is the newest.
 */
const PG = '>=8.0.3 <9';
/** pg-pool is its own package; every pg 8.x depends on pg-pool ^3, whose connect(cb) is unchanged across 3.x. */
const PG_POOL = '>=3.0.0 <4';

/* eslint-disable @typescript-eslint/no-require-imports */
/** node-postgres (`pg`) and its pool (`pg-pool`). */
export const pg: Instrumentation = {
  name: 'pg',
  targets: [
    // The Client class file, not the package's main export: the ESM entry
    // (pg/esm/index.mjs) and the CommonJS one both load it, and the patch goes on
    // its prototype, so both share it.
    { module: 'pg', file: 'lib/client.js', versions: PG, load: () => require('./hook').patchClient },
    { module: 'pg-pool', versions: PG_POOL, load: () => require('./hook').patchPool },
  ],
  subscribe: () => require('./spans').subscribe(),
};
