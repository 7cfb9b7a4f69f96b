'use strict';
// Child processes of the end-to-end suites: servers, the upstream, the OTLP
// receiver and the load generator. Each server-like child talks to the runner
// over IPC (see fixtures/serve.js and lib/receiver-worker.js).
const { spawn } = require('node:child_process');
const path = require('node:path');
const { ROOT } = require('./agents');

const READY_TIMEOUT_MS = 60_000;
const EXIT_TIMEOUT_MS = 20_000;
const REPLY_TIMEOUT_MS = 10_000;

/**
 * Starts `file` with `node <flags> file` and an IPC channel. Returns
 * { child, ready, exited, request(type), stop(), stdout(), stderr() }:
 * `ready` resolves with the child's { type: 'ready', ... } message.
 */
function startChild(file, { flags = [], env = process.env } = {}) {
  const child = spawn(process.execPath, [...flags, file], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { err += d.length > 20_000 ? d.slice(0, 20_000) : d; });
  const waiting = new Map();
  child.on('message', (message) => {
    const resolve = waiting.get(message.type);
    if (resolve !== undefined) {
      waiting.delete(message.type);
      resolve(message);
    }
  });
  const exited = new Promise((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const describe = () => `${path.basename(file)} (${flags.join(' ') || 'no flags'})`;
  const failure = (what) => new Error(`${describe()} ${what}\nstdout: ${out.slice(-2000)}\nstderr: ${err.slice(-2000)}`);
  const waitFor = (type, ms) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => { waiting.delete(type); reject(failure(`sent no ${type} within ${ms} ms`)); }, ms);
    waiting.set(type, (message) => { clearTimeout(timer); resolve(message); });
    exited.then(({ code, signal }) => { clearTimeout(timer); reject(failure(`exited (${code ?? signal}) before ${type}`)); });
  });
  const ready = waitFor('ready', READY_TIMEOUT_MS);
  ready.catch(() => child.kill('SIGKILL'));
  return {
    child,
    ready,
    exited,
    stdout: () => out,
    stderr: () => err,
    /** Sends { type } and resolves with the child's reply of the same type. */
    request(type) {
      const reply = waitFor(type, REPLY_TIMEOUT_MS);
      child.send({ type });
      return reply;
    },
    /** Asks the child to stop, waits for it to exit (killing it after a time-out); resolves { code, signal, killed }. */
    async stop() {
      if (child.connected) child.send({ type: 'stop' });
      let timer;
      const late = new Promise((resolve) => { timer = setTimeout(() => resolve('late'), EXIT_TIMEOUT_MS); });
      const first = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (first !== 'late') return { ...first, killed: false };
      child.kill('SIGKILL');
      return { ...(await exited), killed: true };
    },
  };
}

/** The CPU time (µs) the child printed as its `bench-cpu {json}` line at exit, if any. */
function exitCpu(stdout) {
  const m = /^bench-cpu (\{.*\})$/m.exec(stdout);
  if (m === null) return undefined;
  const cpu = JSON.parse(m[1]);
  return cpu.user + cpu.system;
}

/**
 * Runs autocannon in its own process against `url` (at `rate` req/s when given;
 * `amount` requests instead of `duration` seconds when given); resolves with its JSON result.
 */
function runLoad(url, { connections, duration, rate, amount }) {
  return new Promise((resolve, reject) => {
    const worker = path.join(__dirname, 'load-worker.js');
    const child = spawn(process.execPath, [worker, JSON.stringify({ url, connections, duration, rate, amount })],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
    child.once('error', reject);
    child.once('close', (code) => {
      try {
        const result = JSON.parse(out.trim().split('\n').pop());
        if (result.error) throw new Error(result.error);
        resolve(result);
      } catch (error) {
        reject(new Error(`load generator failed (exit ${code}): ${error.message}\n${err}`));
      }
    });
  });
}

module.exports = { startChild, exitCpu, runLoad };
