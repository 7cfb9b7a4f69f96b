// The fetch instrumentation: CLIENT spans for global fetch and the `undici`
// package. undici publishes diagnostics channels itself, so there is nothing to
// patch (no targets): the preload calls subscribe() at start-up.
import type { Instrumentation } from '../types';

/** The descriptor listed in instrumentations/index.ts. */
export const fetch: Instrumentation = {
  name: 'fetch',
  targets: [],
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  subscribe: () => (require('./spans') as typeof import('./spans')).subscribe(),
};
