'use strict';
// The end-to-end load benchmark shared by bench/http.js and bench/express-pg.js.
//
// Processes (all on loopback): this runner; the counting OTLP receiver
// (lib/receiver-worker.js, which says why it only counts) and the upstream,
// each in its own process; one fresh server process per measurement,
// started with the mode's flags; autocannon in its own process. Every
// measurement: start the server, warm it up (not counted), read its CPU time,
// load it for DURATION seconds, then ask it to stop so the agent flushes as it
// would in production, and take its CPU time at exit. So CPU per request covers
// the request work and the export work of the agent. (At a fixed load,
// BENCH_E2E_RATE below, CPU is read at the end of the measured window instead.)
//
// Rounds interleave the modes (the order rotates each round) so a change in
// background load hits every mode alike; the ratio to no-agent is the median of
// per-round ratios.
//
// Knobs: BENCH_E2E_ROUNDS (3), BENCH_E2E_DURATION (seconds, 5),
// BENCH_E2E_WARMUP (seconds, 1), BENCH_E2E_CONNECTIONS (50), BENCH_MODES
// (comma-separated subset of none,spanwise,otel; `busy` adds the calibration mode
// of agents.js, `noexport` its ablation mode), BENCH_ROUTES (comma-separated
// route ids, e.g. hello), BENCH_E2E_RATE (req/s: a fixed load instead of as
// many requests as the server can take).
//
// Why a fixed load: at saturation every process on the two cores competes, so
// the throughput ratio mixes the agent's own cost with the contention it adds.
// At a fixed load well below capacity every mode serves the same requests, and
// the CPU per request column is the agent's cost alone, as a production server
// that is not running flat out would see it.
const path = require('node:path');
const { selectModes, agentEnv } = require('./agents');
const { startChild, exitCpu, runLoad } = require('./children');
const { median, fmt, pct, table, verdict } = require('./stats');

const FIXTURES = path.join(__dirname, '..', 'fixtures');

/** Reads the suite settings from the environment. */
function settings() {
  const int = (name, fallback) => Math.max(1, Number.parseInt(process.env[name] ?? '', 10) || fallback);
  const rate = Number.parseInt(process.env.BENCH_E2E_RATE ?? '', 10);
  return {
    rounds: int('BENCH_E2E_ROUNDS', 3),
    duration: int('BENCH_E2E_DURATION', 5),
    warmup: int('BENCH_E2E_WARMUP', 1),
    connections: int('BENCH_E2E_CONNECTIONS', 50),
    rate: rate > 0 ? rate : undefined,
    modes: selectModes(process.env.BENCH_MODES ? process.env.BENCH_MODES.split(',') : undefined),
  };
}

/** Starts the counting receiver and the upstream; returns them with a stop() for both. */
async function startServices() {
  const receiver = startChild(path.join(__dirname, 'receiver-worker.js'));
  const upstream = startChild(path.join(FIXTURES, 'upstream.js'));
  const [{ url: receiverUrl }, { port }] = await Promise.all([receiver.ready, upstream.ready]);
  return {
    receiver,
    receiverUrl,
    upstreamUrl: `http://127.0.0.1:${port}`,
    stop: () => Promise.all([receiver.stop(), upstream.stop()]),
  };
}

/** One measurement of one route in one mode. */
async function measureOnce(cfg, services, route, mode, extraEnv) {
  const env = agentEnv(services.receiverUrl, { UPSTREAM_URL: services.upstreamUrl, ...extraEnv, ...mode.env });
  const server = startChild(path.join(FIXTURES, route.app), { flags: mode.flags, env });
  try {
    const { port } = await server.ready;
    const url = `http://127.0.0.1:${port}${route.path}`;
    const before = await services.receiver.request('count');
    const warm = await runLoad(url, { connections: cfg.connections, duration: cfg.warmup, rate: cfg.rate });
    const cpu0 = await server.request('cpu');
    const load = await runLoad(url, { connections: cfg.connections, duration: cfg.duration, rate: cfg.rate });
    // At a fixed load the few requests would also carry the whole exit (one-off
    // flush and teardown): CPU is taken over the measured window alone.
    const cpuWindowEnd = cfg.rate ? await server.request('cpu') : undefined;
    const stopped = await server.stop();
    const cpuEnd = cpuWindowEnd ? cpuWindowEnd.cpu.user + cpuWindowEnd.cpu.system : exitCpu(server.stdout());
    await new Promise((resolve) => setTimeout(resolve, 100)); // the last export's reply is already sent; let it be counted
    const after = await services.receiver.request('count');
    const cpuStart = cpu0.cpu.user + cpu0.cpu.system;
    return {
      rps: load.rps,
      completed: load.completed,
      cpuPerRequest: cpuEnd === undefined ? NaN : (cpuEnd - cpuStart) / load.completed,
      spans: after.spans - before.spans,
      badExports: (after.rejected - before.rejected) + (after.mismatches - before.mismatches),
      requests: warm.completed + load.completed,
      failed: warm.non2xx + warm.errors + load.non2xx + load.errors + load.timeouts,
      p99: load.p99,
      stderr: server.stderr().trim(),
      killed: stopped.killed,
    };
  } catch (error) {
    server.child.kill('SIGKILL');
    throw error;
  }
}

/**
 * Runs `routes` ({ id, label, app, path, target }) in every mode over the
 * rounds and prints the table. `extraEnv` goes to every server (a database URL).
 */
async function runSuite({ title, routes, extraEnv = {} }) {
  const cfg = settings();
  if (process.env.BENCH_ROUTES) routes = routes.filter((r) => process.env.BENCH_ROUTES.split(',').includes(r.id));
  const load = cfg.rate ? ` at a fixed ${cfg.rate} req/s (compare CPU per request)` : '';
  console.log(`# ${title}: autocannon -c ${cfg.connections}${load}, ${cfg.warmup} s warm-up + ${cfg.duration} s measured, ` +
    `${cfg.rounds} interleaved rounds, medians; agents export OTLP/HTTP protobuf to a counting receiver; node ${process.version}\n`);
  const services = await startServices();
  const results = new Map();
  try {
    for (let r = 0; r < cfg.rounds; r++) {
      for (const route of routes) {
        const order = cfg.modes.map((_, i) => cfg.modes[(i + r) % cfg.modes.length]);
        for (const mode of order) {
          const m = await measureOnce(cfg, services, route, mode, extraEnv);
          const key = `${route.id}/${mode.id}`;
          if (!results.has(key)) results.set(key, []);
          results.get(key).push(m);
          console.log(`  round ${r + 1} ${route.label} / ${mode.label}: ${fmt(m.rps)} req/s, ${fmt(m.cpuPerRequest, 1)} µs CPU/req, ` +
            `${fmt(m.spans / m.requests, 2)} spans/req${m.failed ? `, ${m.failed} failed` : ''}${m.killed ? ', killed at stop' : ''}`);
        }
      }
    }
  } finally {
    await services.stop();
  }
  report(cfg, routes, results);
  return results;
}

function summarize(cfg, route, results) {
  const base = results.get(`${route.id}/none`) ?? [];
  return cfg.modes.map((mode) => {
    const runs = results.get(`${route.id}/${mode.id}`) ?? [];
    const perRound = (field) => runs.map((m, i) => (base[i] ? m[field] / base[i][field] : NaN));
    const spans = runs.reduce((n, m) => n + m.spans, 0);
    const requests = runs.reduce((n, m) => n + m.requests, 0);
    return {
      mode,
      rps: median(runs.map((m) => m.rps)),
      rpsRatio: median(perRound('rps')),
      cpu: median(runs.map((m) => m.cpuPerRequest)),
      cpuRatio: median(perRound('cpuPerRequest')),
      spans,
      spansPerRequest: spans / requests,
      p99: median(runs.map((m) => m.p99)),
      failed: runs.reduce((n, m) => n + m.failed, 0),
      badExports: runs.reduce((n, m) => n + m.badExports, 0),
      stderr: runs.map((m) => m.stderr).find((s) => s !== '') ?? '',
    };
  });
}

function report(cfg, routes, results) {
  const rows = [];
  const verdicts = [];
  const warnings = [];
  for (const route of routes) {
    const summary = summarize(cfg, route, results);
    for (const s of summary) {
      const isBase = s.mode.id === 'none';
      rows.push([route.label, s.mode.label, fmt(s.rps), isBase ? '' : pct(s.rpsRatio), fmt(s.cpu, 1),
        isBase ? '' : `${s.cpuRatio.toFixed(2)}x`, fmt(s.spans), fmt(s.spansPerRequest, 2), fmt(s.p99, 1), fmt(s.failed)]);
      if (s.mode.exports && s.spans === 0) warnings.push(`${route.label} / ${s.mode.label}: the receiver got no spans: this agent did not export`);
      if (s.badExports > 0) warnings.push(`${route.label} / ${s.mode.label}: ${s.badExports} export requests were malformed or miscounted`);
      if (s.stderr) warnings.push(`${route.label} / ${s.mode.label} printed on stderr: ${s.stderr.split('\n').slice(0, 2).join(' | ').slice(0, 300)}`);
    }
    const ours = summary.find((s) => s.mode.id === 'spanwise');
    const theirs = summary.find((s) => s.mode.id === 'otel');
    // At a fixed load every mode serves the same requests: the throughput targets do not apply.
    if (ours && route.target && !cfg.rate) {
      const beats = theirs ? ` and ${verdict(ours.rpsRatio > theirs.rpsRatio, 'better than OpenTelemetry')}` : '';
      verdicts.push(`${route.label}: spanwise keeps ${pct(ours.rpsRatio)} of no-agent throughput` +
        `${theirs ? `, OpenTelemetry ${pct(theirs.rpsRatio)}` : ''}; ` +
        `${verdict(ours.rpsRatio >= route.target, `>= ${pct(route.target)}`)}${beats}`);
    }
  }
  console.log('');
  console.log(table(['route', 'mode', 'req/s', 'of no-agent', 'CPU µs/req', 'CPU x no-agent', 'spans recv', 'spans/req',
    'p99 ms', 'failed'], rows));
  console.log('');
  if (cfg.rate) console.log(`Fixed load of ${cfg.rate} req/s: throughput targets are not judged; read the CPU columns.`);
  for (const line of verdicts) console.log(line);
  for (const line of warnings) console.log(`WARNING ${line}`);
}

module.exports = { runSuite, startServices };
