'use strict';
// Startup cost (issue 3): how long `node <flags> -e 0` and an app that loads
// express and pg take from spawn to exit, with no agent, with spanwise and with
// OpenTelemetry's auto-instrumentation. Runs are interleaved (every round runs
// every mode and app, in a rotating order) and the figures are medians.
//
// Both agents are configured to export over OTLP/HTTP protobuf to a counting
// receiver in this process, so neither fails differently (no spans are made
// during startup, so it normally receives nothing).
//
// Knobs: BENCH_STARTUP_RUNS (runs per mode and app, default 15; at least 10 is the target's rule).
const { spawn } = require('node:child_process');
const path = require('node:path');
const { ROOT, MODES, agentEnv } = require('./lib/agents');
const { median, fmt, ratio, table, verdict } = require('./lib/stats');
const { startOtlpReceiver } = require('../dist/src/export/otlp-receiver.js');

const RUNS = Math.max(1, Number.parseInt(process.env.BENCH_STARTUP_RUNS ?? '', 10) || 15);
const APPS = [
  { id: 'e0', label: 'node -e 0', args: ['-e', '0'] },
  { id: 'express-pg', label: 'express+pg app', args: [path.join(__dirname, 'fixtures', 'startup-express-pg.js')] },
];
const TARGET_ADDED_MS = 30;
const TARGET_SHARE = 1 / 3;

/** Runs one process to its exit; resolves with wall milliseconds, exit code and output. */
function timeRun(flags, args, env) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [...flags, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      // stdio may still be draining; wait for close before reading the output.
      child.once('close', () => resolve({ ms, code: code ?? signal, stdout: out, stderr: err }));
    });
  });
}

/** Checks that each agent really was active in the express+pg app, and shows it. */
async function probe(env) {
  const app = APPS.find((a) => a.id === 'express-pg');
  const lines = [];
  for (const mode of MODES) {
    const run = await timeRun(mode.flags, app.args, { ...env, BENCH_PROBE: '1' });
    const found = run.stdout.trim().split('\n').pop();
    const warning = run.stderr.trim() ? ` (stderr: ${run.stderr.trim().split('\n')[0].slice(0, 160)})` : '';
    lines.push(`  ${mode.label.padEnd(14)} ${found}${warning}`);
  }
  return lines.join('\n');
}

async function main() {
  const receiver = await startOtlpReceiver();
  const env = agentEnv(receiver.url);
  let spans = 0;
  try {
    console.log(`# startup: spawn to exit, ${RUNS} interleaved runs per mode and app, medians; node ${process.version}\n`);
    console.log(`agent check (express+pg app with BENCH_PROBE=1):\n${await probe(env)}\n`);
    const times = new Map();
    const failures = new Map();
    for (const mode of MODES) for (const app of APPS) await timeRun(mode.flags, app.args, env); // warm the file cache
    for (let r = 0; r < RUNS; r++) {
      const order = MODES.map((_, i) => MODES[(i + r) % MODES.length]);
      for (const mode of order) {
        for (const app of APPS) {
          const key = `${mode.id}/${app.id}`;
          const run = await timeRun(mode.flags, app.args, env);
          if (run.code !== 0 || /error/i.test(run.stderr)) failures.set(key, `exit ${run.code}: ${run.stderr.trim().split('\n')[0]}`);
          if (!times.has(key)) times.set(key, []);
          times.get(key).push(run.ms);
        }
      }
    }
    spans = receiver.spans.length;
    report(times, failures, spans);
  } finally {
    await receiver.close();
  }
}

function report(times, failures, spans) {
  const rows = [];
  const added = {};
  for (const app of APPS) {
    const base = median(times.get(`none/${app.id}`));
    for (const mode of MODES) {
      const m = median(times.get(`${mode.id}/${app.id}`));
      added[`${mode.id}/${app.id}`] = m - base;
      rows.push([app.label, mode.label, fmt(m, 1), mode.id === 'none' ? '' : `+${fmt(m - base, 1)}`,
        mode.id === 'none' ? '' : ratio(m / base)]);
    }
  }
  console.log(table(['app', 'mode', 'median ms', 'added ms', 'x no-agent'], rows));
  console.log('');
  for (const app of APPS) {
    const ours = added[`spanwise/${app.id}`];
    const theirs = added[`otel/${app.id}`];
    const share = ours / theirs;
    const line = `${app.label}: spanwise adds ${fmt(ours, 1)} ms, OpenTelemetry adds ${fmt(theirs, 1)} ms; ` +
      `spanwise's cost is ${fmt(share * 100, 1)}% of OpenTelemetry's (${ratio(theirs / ours)} less)`;
    if (app.id !== 'express-pg') {
      console.log(line);
      continue;
    }
    console.log(`${line}\n  target: ${verdict(ours < TARGET_ADDED_MS, `< ${TARGET_ADDED_MS} ms added`)}, ` +
      `${verdict(share < TARGET_SHARE, '< 1/3 of what OpenTelemetry adds')}`);
  }
  console.log(`spans received during startup runs: ${spans}`);
  for (const [key, message] of failures) console.log(`WARNING ${key}: ${message}`);
}

module.exports = { main };

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
