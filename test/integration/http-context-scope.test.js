'use strict';
// The server span's context ends with its request's dispatch: on Node 24 the
// agent enters it for the rest of node:http's parser callback instead of entering
// and leaving it (src/channels.ts scopeRestores), so nothing the socket runs
// after that callback may see it. CJS and ESM, real preload, no exporter.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { runApp } = require('../support/run-app.js');

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'http');

for (const [file, preload] of [['context-scope.cjs', 'require'], ['context-scope.mjs', 'import']]) {
  test(`${file}: the handler runs in the server span, the socket's own listeners after it do not`, async () => {
    const { code, stdout, stderr } = await runApp(path.join(FIXTURES, file), { preload, env: { OTEL_TRACES_EXPORTER: 'none' } });
    assert.equal(code, 0, stderr);
    assert.deepEqual(JSON.parse(stdout.trim().split('\n').pop()), { handler: 50, socketData: 0, socketDataLater: 0 });
  });
}
