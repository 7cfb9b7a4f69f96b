'use strict';
// The three ways every end-to-end suite runs an app: no agent, spanwise's
// preload, and OpenTelemetry's zero-code auto-instrumentation, with the same
// OTLP/HTTP protobuf export settings for both agents.
const path = require('node:path');

/** The repository root: child processes run here so `--import` of a bare package name resolves. */
const ROOT = path.resolve(__dirname, '..', '..');

/** The modes, in the order the suites print them; `exports`: the receiver should get spans from it (a warning when none came). */
const MODES = [
  { id: 'none', label: 'no agent', flags: [], exports: false },
  { id: 'spanwise', label: 'spanwise', flags: ['--import', path.join(ROOT, 'register.js')], exports: true },
  { id: 'otel', label: 'OpenTelemetry', flags: ['--import', '@opentelemetry/auto-instrumentations-node/register'], exports: true },
];

/**
 * A calibration mode, only when asked for by id: no agent, but each request
 * burns BENCH_BUSY_US µs of CPU first (fixtures/busy-preload.js).
 */
const BUSY = {
  id: 'busy', label: `no agent + ${Number(process.env.BENCH_BUSY_US) || 3} µs busy`,
  flags: ['--require', path.join(ROOT, 'bench', 'fixtures', 'busy-preload.js')],
  exports: false,
};

/**
 * An ablation mode, only when asked for by id: spanwise recording every span
 * but exporting none (OTEL_TRACES_EXPORTER=none). Against the spanwise row it
 * splits the agent's cost into making spans and exporting them.
 */
const NO_EXPORT = {
  id: 'noexport', label: 'spanwise, no export', flags: MODES[1].flags, env: { OTEL_TRACES_EXPORTER: 'none' }, exports: false,
};

/** Picks modes by id; `ids` undefined means all three (the calibration and ablation modes only by name). */
function selectModes(ids) {
  if (ids === undefined) return MODES;
  return [...MODES, BUSY, NO_EXPORT].filter((m) => ids.includes(m.id));
}

/**
 * The environment of an app under test. Both agents export traces over
 * OTLP/HTTP protobuf to `endpoint` with their default batching. OpenTelemetry
 * also gets metrics and logs switched off (spanwise makes neither) and only its
 * local resource detectors: the cloud detectors would probe metadata addresses
 * off this machine and wait on their time-outs.
 */
function agentEnv(endpoint, extra = {}) {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    OTEL_SERVICE_NAME: 'bench-app',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process',
    ...extra,
  };
}

module.exports = { ROOT, MODES, selectModes, agentEnv };
