'use strict';
// Builds an in-process tracer provider with an in-memory processor, for unit tests.
const { SdkTracerProvider } = require('../../dist/src/tracer-provider.js');
const { createSampler } = require('../../dist/src/sampling.js');
const { readConfig } = require('../../dist/src/config.js');

/** Returns { provider, tracer, finished } where finished collects ended spans. */
function memoryProvider(env = {}, sampler = 'always_on', ratio = 1) {
  const finished = [];
  const processor = {
    onEnd: (span) => finished.push(span),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const config = readConfig(env);
  const provider = new SdkTracerProvider(createSampler(sampler, ratio), config.limits,
    { attributes: { 'service.name': 'unit' } }, [processor]);
  return { provider, tracer: provider.getTracer('unit-test', '1.0.0'), finished };
}

module.exports = { memoryProvider };
