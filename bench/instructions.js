'use strict';
// Instructions per request (`npm run bench -- instructions`): the agents' cost
// counted by valgrind's callgrind instead of timed. This machine's speed swings
// by up to 2x from minute to minute, so timings need many rounds and still
// wander; an instruction count of the same build moves by about 2%.
//
// For each route and mode: the server runs under `valgrind --tool=callgrind`
// with counting off, takes BENCH_CG_WARMUP requests, idles BENCH_CG_SETTLE
// seconds (5) so the JIT can settle, counts the next BENCH_CG_REQUESTS (callgrind_control -i on / -i off), and
// stops. Both agents export OTLP/HTTP protobuf to the counting receiver, so the
// count covers making, encoding and sending spans. Load: autocannon with
// BENCH_CG_CONNECTIONS (20) connections, a fixed number of requests.
//
// Two counts per request: all instructions, and those outside V8's optimizing
// compiler and garbage collector. Under valgrind the program runs about 50
// times slower, so V8 is still compiling and collecting on its background work
// long after the warm-up; that part moves by thousands of instructions from run
// to run, while the rest (the app, Node, the agent) is steady. Instructions are
// not time: the agent's code runs once per request from a cold cache, so its
// share of cycles is somewhat larger than its share of instructions (README).
//
// Needs valgrind (Debian: apt install valgrind); without it the suite says so
// and exits 0. Knobs: BENCH_CG_WARMUP (15000), BENCH_CG_REQUESTS (5000),
// BENCH_CG_CONNECTIONS (20), BENCH_MODES, BENCH_ROUTES (hello, fetch, express),
// BENCH_CG_KEEP (a folder to keep the callgrind files in, for callgrind_annotate,
// with V8's perf maps of the JIT-compiled functions beside them).
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ROOT, agentEnv, selectModes } = require('./lib/agents');
const { runLoad } = require('./lib/children');
const { startServices } = require('./lib/e2e');
const { fmt, ratio, table } = require('./lib/stats');

const FIXTURES = path.join(__dirname, 'fixtures');

const ROUTES = [
  { id: 'hello', label: 'node:http hello', app: 'http-server.js', path: '/hello' },
  { id: 'fetch', label: 'node:http + fetch', app: 'http-server.js', path: '/fetch' },
  // The pool is made but never used on /hello: no database needed.
  { id: 'express', label: 'express hello', app: 'express-server.js', path: '/hello', env: { DATABASE_URL: 'postgres://bench@127.0.0.1:9/none' } },
];

// V8's optimizing compiler, garbage collector and their C++ helpers, by symbol.
const V8_INTERNAL = /v8::internal::|heap::|cppgc|std::/;

function settings() {
  const int = (name, fallback) => Math.max(1, Number.parseInt(process.env[name] ?? '', 10) || fallback);
  return {
    warmup: int('BENCH_CG_WARMUP', 15000),
    requests: int('BENCH_CG_REQUESTS', 5000),
    connections: int('BENCH_CG_CONNECTIONS', 20),
    settle: int('BENCH_CG_SETTLE', 5),
    modes: selectModes(process.env.BENCH_MODES ? process.env.BENCH_MODES.split(',') : undefined),
    routes: process.env.BENCH_ROUTES ? ROUTES.filter((r) => process.env.BENCH_ROUTES.split(',').includes(r.id)) : ROUTES,
  };
}

function hasTools(...names) {
  return spawnSync('sh', ['-c', names.map((n) => `command -v ${n}`).join(' && ')], { stdio: 'ignore' }).status === 0;
}

function callgrindControl(pid, onOff) {
  const r = spawnSync('callgrind_control', ['-i', onOff, String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`callgrind_control -i ${onOff} ${pid} failed: ${r.stderr || r.stdout}`);
}

/** [all, outside V8's compiler and collector] instructions in a callgrind output file. */
function countInstructions(file) {
  const r = spawnSync('callgrind_annotate', ['--threshold=100', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`callgrind_annotate failed: ${r.stderr}`);
  let total = NaN;
  let v8 = 0;
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$/.exec(line);
    if (m === null) continue;
    const n = Number(m[1].replace(/,/g, ''));
    if (m[2].includes('PROGRAM TOTALS')) total = n;
    else if (V8_INTERNAL.test(m[2])) v8 += n;
  }
  return [total, total - v8];
}

/**
 * Starts a fixture as a user would start it: no IPC channel to the runner (with
 * one, Node itself spent about 17,000 more instructions on every request of the
 * no-agent hello route here, and the agents' counts moved less, which would skew
 * the ratios). It listens on a free port and prints where (fixtures/serve.js).
 */
function startPlain(file, { flags, env, wrapper }) {
  const [command, ...args] = [...wrapper, process.execPath, ...flags, file];
  const child = spawn(command, args, { cwd: ROOT, env: { ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { err = (err + d).slice(-4000); });
  const exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    // Start-up under valgrind takes up to minutes (OpenTelemetry loads hundreds of modules).
    const timer = setTimeout(() => reject(new Error(`${file} did not listen within 10 minutes\n${err}`)), 600_000);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited (${code ?? signal}) before listening\n${err}`));
    });
  });
  ready.catch(() => child.kill('SIGKILL'));
  return {
    child,
    ready,
    /** SIGINT, as a user stops a server by hand (the agents flush on it); SIGKILL after 60 s. */
    async stop() {
      child.kill('SIGINT');
      let timer;
      const late = new Promise((resolve) => { timer = setTimeout(() => resolve('late'), 60_000); });
      const first = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (first !== 'late') return { killed: false };
      child.kill('SIGKILL');
      await exited;
      return { killed: true };
    },
  };
}

async function measure(cfg, services, route, mode, dir) {
  const out = path.join(dir, `${route.id}-${mode.id}.callgrind`);
  const env = agentEnv(services.receiverUrl, { UPSTREAM_URL: services.upstreamUrl, ...route.env, ...mode.env });
  const wrapper = ['valgrind', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${out}`];
  // Kept files get V8's map of JIT code too (/tmp/perf-<pid>.map), to name the JIT-compiled functions.
  const keep = process.env.BENCH_CG_KEEP;
  const flags = keep ? ['--perf-basic-prof', ...mode.flags] : mode.flags;
  const server = startPlain(path.join(FIXTURES, route.app), { flags, env, wrapper });
  try {
    const url = `${await server.ready}${route.path}`;
    const before = await services.receiver.request('count');
    const warm = await runLoad(url, { connections: cfg.connections, amount: cfg.warmup });
    // Valgrind runs one thread at a time: an idle moment lets V8's background compiler
    // finish the optimized code the warm-up asked for, which otherwise lands mid-count.
    await new Promise((resolve) => setTimeout(resolve, cfg.settle * 1000));
    callgrindControl(server.child.pid, 'on');
    const load = await runLoad(url, { connections: cfg.connections, amount: cfg.requests });
    callgrindControl(server.child.pid, 'off');
    const stopped = await server.stop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = await services.receiver.request('count');
    const [all, rest] = countInstructions(out);
    if (keep) {
      fs.copyFileSync(out, path.join(keep, path.basename(out)));
      const map = `/tmp/perf-${server.child.pid}.map`;
      if (fs.existsSync(map)) fs.renameSync(map, path.join(keep, `${route.id}-${mode.id}.map`));
    }
    return {
      all: all / load.completed,
      rest: rest / load.completed,
      // Over all requests: the spans of the counted ones may leave in the export at stop.
      spans: (after.spans - before.spans) / (warm.completed + load.completed),
      failed: warm.non2xx + warm.errors + load.non2xx + load.errors + load.timeouts,
      killed: stopped.killed,
    };
  } catch (error) {
    server.child.kill('SIGKILL');
    throw error;
  }
}

async function main() {
  if (!hasTools('valgrind', 'callgrind_control', 'callgrind_annotate')) {
    console.log('instructions: valgrind not found (Debian: apt install valgrind); skipped');
    return;
  }
  const cfg = settings();
  console.log(`# instructions: callgrind, autocannon -c ${cfg.connections}, ${fmt(cfg.warmup)} requests of warm-up, ` +
    `${fmt(cfg.requests)} counted; agents export OTLP/HTTP protobuf to a counting receiver; node ${process.version}\n`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spanwise-cg-'));
  const services = await startServices();
  const rows = [];
  try {
    for (const route of cfg.routes) {
      let base;
      for (const mode of cfg.modes) {
        const m = await measure(cfg, services, route, mode, dir);
        if (mode.id === 'none') base = m;
        console.log(`  ${route.label} / ${mode.label}: ${fmt(m.all)} instructions/req (${fmt(m.rest)} outside V8's compiler and GC), ` +
          `${fmt(m.spans, 2)} spans/req${m.failed ? `, ${m.failed} failed` : ''}${m.killed ? ', killed at stop' : ''}`);
        rows.push([route.label, mode.label, fmt(m.all), base ? ratio(m.all / base.all) : '', fmt(m.rest),
          base ? ratio(m.rest / base.rest) : '', base ? fmt(m.rest - base.rest) : '', fmt(m.spans, 2)]);
      }
    }
  } finally {
    await services.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n${table(['route', 'mode', 'instr/req', 'x no-agent', 'outside V8 compiler+GC', 'x no-agent', 'added', 'spans/req'], rows)}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
