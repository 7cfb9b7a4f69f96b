'use strict';
// What every demo service shares, none of it tracing: listen on 127.0.0.1,
// tell the demo it is ready with one stdout line, fail with one stderr line,
// and go away when the demo does. Shutdown is SIGTERM's default action on
// purpose: a service that installed its own SIGTERM handler would keep the
// agent from exiting after its final flush (src/agent.ts, installShutdownHooks).
const http = require('node:http');

const PARENT_CHECK_MS = 500;

/** Announces readiness: the demo waits for the line `<name> ready[ <port>]`. */
function ready(name, port) {
  process.stdout.write(`${name} ready${port === undefined ? '' : ` ${port}`}\n`);
}

/** Prints one line saying why the service cannot run, then exits with code 1. */
function fail(name, message) {
  process.stderr.write(`${name}: ${message}\n`);
  process.exit(1);
}

/** The value of a required environment variable, or a one-line failure naming it. */
function requireEnv(name, variable) {
  const value = process.env[variable];
  if (value === undefined || value === '') fail(name, `${variable} is not set`);
  return value;
}

/**
 * Exits (through SIGTERM, so the agent flushes) once the process that started
 * us is gone: a demo killed with SIGKILL must not leave services behind.
 */
function exitWithParent() {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
  }, PARENT_CHECK_MS).unref();
}

/** Serves `app` (an express app) on 127.0.0.1:$PORT and prints the ready line. */
function serve(name, app) {
  const port = Number(requireEnv(name, 'PORT'));
  const server = http.createServer(app);
  server.once('error', (err) => {
    const reason = err.code === 'EADDRINUSE' ? `port ${port} is already in use` : err.message;
    fail(name, `cannot listen on 127.0.0.1:${port}: ${reason}`);
  });
  server.listen(port, '127.0.0.1', () => ready(name, server.address().port));
  exitWithParent();
  return server;
}

module.exports = { serve, ready, fail, requireEnv, exitWithParent };
