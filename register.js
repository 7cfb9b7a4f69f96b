'use strict';
// The spanwise preload: `node --import spanwise/register app.js` (ESM or
// CommonJS apps) or `node --require spanwise/register app.js`. It only wires;
// the work is in dist/preload.bundle.js (src/preload.ts and all it loads, bundled by scripts/bundle.js). It never throws into the app.
try {
  require('./dist/preload.bundle.js').preload();
} catch (err) {
  try {
    process.stderr.write(`spanwise error: failed to load (${err && err.message}); the app runs without tracing\n`);
  } catch {
    // nothing left to do
  }
}
