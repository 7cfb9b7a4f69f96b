// The fetch instrumentation: CLIENT spans for global fetch and the `undici`
// package. undici publishes diagnostics channels itself, so there is nothing to
// patch (no targets): the preload calls subscribe() at start-up.
import type { Instrumentation } from '../types';

/** The descriptor listed in instrumentations/index.ts; the span builder loads at start-up. */
export const fetch: Instrumentation = {
  name: 'fetch',
  targets: [],
  subscribe: () => require('./spans').subscribe(),
};
