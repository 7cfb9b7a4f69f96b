'use strict';
// `npm test`: type-checks and builds (tsc, then the preload bundle), runs the
// unit and integration tests on this Node, then the integration tests again on
// Node 24 (fetched by scripts/node24.js), and prints one closing line with the totals.
const { spawnSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const { ensureNode24 } = require('../scripts/node24.js');

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
  const bundle = tsc.status === 0
    ? spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'bundle.js')], { cwd: ROOT, stdio: 'inherit' })
    : tsc;
  if (tsc.status !== 0 || bundle.status !== 0) {
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
