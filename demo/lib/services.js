'use strict';
// Starts each demo service as its own Node process with the real preload
// (`node --import <repo>/register.js services/<name>.js`), waits for its ready
// line, and stops it again: SIGTERM first (the agent flushes its spans and
// exits), SIGKILL after a grace period. A synchronous 'exit' hook SIGKILLs any
// service still running, so the demo never leaves orphans behind, even when
// it is ended by process.exit() halfway through.
const { spawn } = require('node:child_process');
const path = require('node:path');
const { DemoError, ROOT } = require('./preflight');

/** The preload every service starts with, exactly as a user would. */
const REGISTER = path.join(ROOT, 'register.js');
const SERVICES_DIR = path.join(__dirname, '..', 'services');
/** The Node binary for the services; the test suite's Node 24 run sets SPANWISE_TEST_NODE. */
const NODE = process.env.SPANWISE_TEST_NODE || process.execPath;
const STOP_GRACE_MS = 3000;
const KILL_WAIT_MS = 1000;

const live = new Set();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });
}

/** Splits a stream into lines and hands each to `onLine`. */
function eachLine(stream, onLine) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    rest += chunk;
    let newline;
    while ((newline = rest.indexOf('\n')) !== -1) {
      onLine(rest.slice(0, newline));
      rest = rest.slice(newline + 1);
    }
  });
  stream.on('end', () => {
    if (rest !== '') onLine(rest);
  });
}

function waitForExit(child, exited, ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    exited.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts services/<name>.js with `env` (plus PATH and HOME). `onLine(name, line)`
 * receives its stderr lines. Resolves once it prints `<name> ready[ <port>]`
 * with { name, port, stop(), stderr() }; rejects with a DemoError when it exits
 * or stays silent for `readyTimeoutMs`, after stopping it.
 */
function startService(name, env, { onLine = () => {}, readyTimeoutMs = 15000 } = {}) {
  installExitHook();
  const child = spawn(NODE, ['--import', REGISTER, path.join(SERVICES_DIR, `${name}.js`)], {
    cwd: SERVICES_DIR,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const errors = [];
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
    // A spawn failure (no such Node binary) emits 'error' and no 'exit'.
    child.on('error', (err) => {
      live.delete(child);
      errors.push(`cannot run ${NODE}: ${err.message}`);
      resolve({ code: null, signal: null });
    });
  });
  eachLine(child.stderr, (line) => {
    errors.push(line);
    onLine(name, line);
  });
  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      if (!live.has(child)) return;
      child.kill('SIGTERM');
      if (await waitForExit(child, exited, STOP_GRACE_MS)) return;
      child.kill('SIGKILL');
      await waitForExit(child, exited, KILL_WAIT_MS);
    })();
    return stopping;
  };
  const service = { name, child, stop, stderr: () => errors.join('\n') };
  return new Promise((resolve, reject) => {
    let settled = false;
    const failed = async (why) => {
      if (settled) return;
      settled = true;
      await stop();
      // The only start-up failure a user can fix; the others name what is wrong.
      const advice = /already in use/.test(why) ? ': stop whatever holds it and run again' : '';
      reject(new DemoError(`${name} failed to start: ${why}${advice}`));
    };
    const timer = setTimeout(() => failed(`no ready line within ${readyTimeoutMs} ms${lastWords(errors)}`), readyTimeoutMs);
    const readyLine = new RegExp(`^${name} ready(?: (\\d+))?$`);
    eachLine(child.stdout, (line) => {
      const match = readyLine.exec(line);
      if (match === null || settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...service, port: match[1] === undefined ? undefined : Number(match[1]) });
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      failed(lastWords(errors, `it exited (${signal ?? `code ${code}`})`));
    });
  });
}

// The service's own last stderr line is its one-line reason (see services/lifecycle.js).
function lastWords(errors, fallback = '') {
  const last = errors.filter((line) => line.trim() !== '').at(-1);
  if (last === undefined) return fallback;
  return fallback === '' ? `; it said: ${last.trim()}` : last.trim().replace(/^[\w-]+: /, '');
}

module.exports = { startService, NODE, REGISTER };
