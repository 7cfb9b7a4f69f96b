'use strict';
// Bundles the preload (dist/src/preload.js and everything it loads, including
// @opentelemetry/api) into one file. Node pays a fixed cost per module file it
// resolves and compiles; one file instead of ~120 takes tens of milliseconds
// off every start of an instrumented app. Lazy require()s stay lazy.
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
// Code caches of an earlier build (register.js writes them) are useless now.
for (const file of fs.readdirSync(path.join(root, 'dist'))) {
  if (/^preload\.bundle\..*\.cache$/.test(file)) fs.rmSync(path.join(root, 'dist', file), { force: true });
}
esbuild.buildSync({
  entryPoints: [path.join(root, 'dist', 'src', 'preload.js')],
  outfile: path.join(root, 'dist', 'preload.bundle.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Loaded by path from the ESM loader thread, so it must stay a real package.
  external: ['import-in-the-middle', 'import-in-the-middle/*'],
  logLevel: 'warning',
});
