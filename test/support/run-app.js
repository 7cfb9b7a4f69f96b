'use strict';
// Runs a fixture app in a child process exactly as a user would, with the real
// preload flag, and an in-test OTLP receiver collecting what it exports.
const { spawn } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const REGISTER = path.join(ROOT, 'register.js');

/** The node binary to test with: TEST_NODE overrides (the Node 24 run uses it). */
const NODE = process.env.SPANWISE_TEST_NODE || process.execPath;

/**
 * Starts `file` with `node <flags> file`. `preload` is 'import' (default),
 * 'require', 'both' or 'none'. Returns { child, stdout(), stderr(), exited, waitForLine(re) }.
 */
function startApp(file, { preload = 'import', env = {}, args = [], nodeArgs = [], cwd } = {}) {
  const flags = [];
  if (preload === 'import' || preload === 'both') flags.push('--import', REGISTER);
  if (preload === 'require' || preload === 'both') flags.push('--require', REGISTER);
  const child = spawn(NODE, [...nodeArgs, ...flags, file, ...args], {
    cwd: cwd || path.dirname(file),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      OTEL_BSP_SCHEDULE_DELAY: '20',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const lineWaiters = [];
  child.stdout.setEncoding('utf8').on('data', (d) => {
    out += d;
    for (const w of lineWaiters.slice()) {
      const m = out.match(w.re);
      if (m) {
        lineWaiters.splice(lineWaiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => {
    child.on('close', (code, signal) => {
      for (const w of lineWaiters) w.reject(new Error(`app exited (${code ?? signal}) before printing ${w.re}\nstdout:\n${out}\nstderr:\n${err}`));
      resolve({ code, signal, stdout: out, stderr: err });
    });
  });
  return {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    /** Resolves with the match once stdout matches `re` (e.g. /listening on (\d+)/). */
    waitForLine(re, timeoutMs = 15000) {
      const m = out.match(re);
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        const w = { re, resolve, reject };
        lineWaiters.push(w);
        setTimeout(() => reject(new Error(`timed out waiting for ${re}\nstdout:\n${out}\nstderr:\n${err}`)), timeoutMs).unref();
      });
    },
  };
}

/** Runs an app to completion; resolves { code, signal, stdout, stderr }. */
function runApp(file, options = {}) {
  const app = startApp(file, options);
  const timeoutMs = options.timeoutMs || 20000;
  const timer = setTimeout(() => app.child.kill('SIGKILL'), timeoutMs);
  return app.exited.finally(() => clearTimeout(timer));
}

/** Env that points an app's exporter at `receiver` (from startOtlpReceiver). */
function otlpEnv(receiver, extra = {}) {
  return { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...extra };
}

module.exports = { ROOT, REGISTER, NODE, startApp, runApp, otlpEnv };
