'use strict';
// `npm run bench [-- suite ...]`: runs the benchmark suites micro, startup, http
// and express-pg, or the ones named (instructions only when named), one after another, each in its own
// process so no suite's JIT state, heap or leftover handles colour the next.
// micro runs with --expose-gc so it can collect garbage between samples.
// Exits non-zero when a suite crashed; a missed target is printed, not fatal.
const { spawn } = require('node:child_process');
const path = require('node:path');
const { ensureNode24 } = require('../scripts/node24.js');

// Both agents run on a Node they support: OpenTelemetry's current SDK packages
// need Node >= 22.15, so the suites run on Node 24 unless BENCH_NODE names another.
const NODE = process.env.BENCH_NODE || ensureNode24() || process.execPath;

const SUITES = {
  micro: { file: 'micro.js', flags: ['--expose-gc'] },
  startup: { file: 'startup.js', flags: [] },
  http: { file: 'http.js', flags: [] },
  'express-pg': { file: 'express-pg.js', flags: [] },
  // Under valgrind, about 15 minutes: only when named.
  instructions: { file: 'instructions.js', flags: [], byName: true },
};

function runSuite(name) {
  const suite = SUITES[name];
  return new Promise((resolve) => {
    const child = spawn(NODE, [...suite.flags, path.join(__dirname, suite.file)], { stdio: 'inherit' });
    child.once('close', (code, signal) => resolve(code === 0 ? 0 : code ?? signal));
  });
}

async function main() {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in SUITES));
  if (unknown.length > 0) {
    console.error(`unknown suite ${unknown.join(', ')}; the suites are ${Object.keys(SUITES).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const names = asked.length > 0 ? asked : Object.keys(SUITES).filter((name) => !SUITES[name].byName);
  const started = Date.now();
  const failed = [];
  for (const name of names) {
    const t0 = Date.now();
    console.log(`\n=== ${name} ===`);
    const result = await runSuite(name);
    if (result !== 0) failed.push(`${name} (${result})`);
    console.log(`=== ${name}: ${result === 0 ? 'done' : `FAILED (${result})`} in ${((Date.now() - t0) / 1000).toFixed(0)} s ===`);
  }
  console.log(`\nbench finished in ${((Date.now() - started) / 1000).toFixed(0)} s${failed.length ? `; failed: ${failed.join(', ')}` : ''}`);
  if (failed.length > 0) process.exitCode = 1;
}

main();
