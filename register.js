'use strict';
// The spanwise preload: `node --import spanwise/register app.js` (ESM or
// CommonJS apps) or `node --require spanwise/register app.js`. It only loads
// and starts dist/preload.bundle.js (src/preload.ts and all it loads, bundled by
// scripts/bundle.js), and it never throws into the app.
//
// The bundle is compiled with a V8 code cache kept beside it (one file per Node
// version and architecture). Compiling the bundle and the functions start-up
// runs costs about 20 ms; with the cache it is a few. The cache is written once,
// after the first start, into spanwise's own dist/ folder; if that folder is
// read-only, or V8 rejects the cache (another V8, changed source), the bundle
// is simply compiled as usual.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire, wrap } = require('node:module');

const BUNDLE = path.join(__dirname, 'dist', 'preload.bundle.js');

/**
 * The cache file for this bundle build and this Node. V8 checks a cache only
 * against the source's length, so the name also carries the bundle's size and
 * modification time: a rebuilt bundle never meets an old cache.
 */
function cachePath() {
  const { size, mtimeMs } = fs.statSync(BUNDLE);
  return path.join(__dirname, 'dist', `preload.bundle.${size}-${Math.floor(mtimeMs)}.${process.version}-${process.arch}.cache`);
}

function readCache(file) {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

function writeCache(file, script) {
  try {
    const temporary = `${file}.${process.pid}`;
    fs.writeFileSync(temporary, script.createCachedData());
    fs.renameSync(temporary, file);
  } catch {
    // A read-only install: no cache, and nothing else changes.
  }
}

function loadBundle() {
  const cacheFile = cachePath();
  const cachedData = readCache(cacheFile);
  const script = new vm.Script(wrap(fs.readFileSync(BUNDLE, 'utf8')), {
    filename: BUNDLE,
    cachedData,
    importModuleDynamically: vm.constants && vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {}, filename: BUNDLE, id: BUNDLE };
  script.runInThisContext().call(module.exports, module.exports, createRequire(BUNDLE), module, BUNDLE, path.dirname(BUNDLE));
  return { exports: module.exports, script, cacheFile, cached: cachedData !== undefined && !script.cachedDataRejected };
}

try {
  const bundle = loadBundle();
  bundle.exports.preload();
  // Written after start-up ran, so the functions it compiled are in the cache too.
  if (!bundle.cached) writeCache(bundle.cacheFile, bundle.script);
} catch (err) {
  try {
    process.stderr.write(`spanwise error: failed to load (${err && err.message}); the app runs without tracing\n`);
  } catch {
    // nothing left to do
  }
}
