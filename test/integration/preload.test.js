'use strict';
// The preload as users start it: --import and --require, NODE_OPTIONS, both at
// once, ESM import forms, selection variables, version gating, late loading,
// and an instrumentation that fails on purpose without harming the app.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startOtlpReceiver } = require('../../dist/src/export/otlp-receiver.js');
const { runApp, otlpEnv, REGISTER } = require('../support/run-app.js');

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'preload');
const ESM_APP = path.join(FIXTURES, 'http-forms.mjs');
const CJS_APP = path.join(FIXTURES, 'http-app.cjs');

let receiver;
test.before(async () => { receiver = await startOtlpReceiver({}); });
test.after(() => receiver.close());

/** Runs `file` and returns the spans it exported (the app flushes before it exits). */
async function spansOf(file, options) {
  receiver.clear();
  const result = await runApp(file, { ...options, env: otlpEnv(receiver, options.env) });
  return { result, spans: receiver.spans.slice() };
}

function assertClientServerPair(spans, label) {
  const server = spans.filter((s) => s.kind === 1);
  const client = spans.filter((s) => s.kind === 2);
  assert.equal(server.length, 1, `${label}: one SERVER span (${spans.map((s) => s.name)})`);
  assert.equal(client.length, 1, `${label}: one CLIENT span`);
  assert.equal(server[0].spanContext.traceId, client[0].spanContext.traceId, `${label}: one trace`);
  assert.equal(server[0].parentSpanId, client[0].spanContext.spanId, `${label}: server is the client's child`);
}

async function waitForPair() {
  return receiver.waitForSpans((s) => s.filter((x) => x.kind === 1 || x.kind === 2).length >= 2, 10000);
}

for (const form of ['default', 'named', 'namespace', 'dynamic']) {
  test(`ESM app, ${form} import of node:http, with --import`, async () => {
    const { result } = await spansOf(ESM_APP, { env: { FORM: form } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'status 200\n');
    assertClientServerPair(await waitForPair(), form);
  });
}

for (const preload of ['import', 'require', 'both']) {
  test(`CommonJS app with --${preload === 'both' ? 'require and --import' : preload}: nothing is patched twice`, async () => {
    const { result } = await spansOf(CJS_APP, { preload });
    assert.equal(result.code, 0, result.stderr);
    assertClientServerPair(await waitForPair(), preload);
    assert.equal(result.stderr, '');
  });
}

test('NODE_OPTIONS carries the flag', async () => {
  const { result } = await spansOf(CJS_APP, { preload: 'none', env: { NODE_OPTIONS: `--import ${REGISTER}` } });
  assert.equal(result.code, 0, result.stderr);
  assertClientServerPair(await waitForPair(), 'NODE_OPTIONS');
});

test('the app\'s output and exit code are the same with and without the agent', async () => {
  for (const file of [CJS_APP, ESM_APP]) {
    const plain = await runApp(file, { preload: 'none', env: { EXIT_CODE: '3' } });
    const traced = await runApp(file, { preload: 'import', env: otlpEnv(receiver, { EXIT_CODE: '3' }) });
    assert.equal(traced.stdout, plain.stdout);
    assert.equal(traced.code, plain.code);
    assert.equal(traced.stderr, plain.stderr);
  }
});

test('OTEL_SDK_DISABLED=true patches nothing and exports nothing', async () => {
  const { result, spans } = await spansOf(CJS_APP, { env: { OTEL_SDK_DISABLED: 'true', OTEL_LOG_LEVEL: 'debug' } });
  assert.equal(result.code, 0);
  assert.equal(result.stdout, 'status 200\n');
  assert.doesNotMatch(result.stderr, /patched/);
  assert.equal(spans.length, 0);
});

test('OTEL_NODE_DISABLED_INSTRUMENTATIONS and _ENABLED_ select instrumentations; unknown names warn', async () => {
  const disabled = await spansOf(CJS_APP, { env: { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http' } });
  assert.equal(disabled.result.code, 0);
  assert.equal(disabled.spans.length, 0);
  const enabled = await spansOf(CJS_APP, { env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'pg,redis' } });
  assert.equal(enabled.spans.length, 0);
  assert.match(enabled.result.stderr, /"redis".*OTEL_NODE_ENABLED_INSTRUMENTATIONS.*http, fetch, pg, express/);
});

test('OTEL_LOG_LEVEL=debug prints the effective configuration and what was patched', async () => {
  const { result } = await spansOf(CJS_APP, { env: { OTEL_LOG_LEVEL: 'debug', OTEL_SERVICE_NAME: 'dbg' } });
  assert.match(result.stderr, /effective configuration: .*"serviceName":"dbg"/);
  assert.match(result.stderr, /instrumentations enabled: http, fetch, pg, express/);
  assert.match(result.stderr, /patched http/);
});

/** Writes a fake `pg` package (with index.js and lib/client.js) into a temp app folder. */
function fakePgApp(version, clientSource) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spanwise-fake-pg-'));
  const pkg = path.join(dir, 'node_modules', 'pg');
  fs.mkdirSync(path.join(pkg, 'lib'), { recursive: true });
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'pg', version, main: 'index.js' }));
  fs.writeFileSync(path.join(pkg, 'lib', 'client.js'), clientSource);
  fs.writeFileSync(path.join(pkg, 'index.js'), "const Client = require('./lib/client.js');\nmodule.exports = { Client, Pool: class Pool {} };\n");
  for (const name of ['fake-pg-app.cjs', 'late-pg.cjs', 'pg-forms.mjs']) fs.copyFileSync(path.join(FIXTURES, name), path.join(dir, name));
  return dir;
}

const WORKING_CLIENT = `
class Client {
  query(text, cb) { setImmediate(() => cb(null, { rows: [{ n: 1 }] })); }
  connect(cb) { if (cb) setImmediate(cb); }
}
module.exports = Client;
`;

test('a module version outside the supported range runs unpatched, with one debug line', async (t) => {
  const dir = fakePgApp('7.0.0', WORKING_CLIENT);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const { result, spans } = await spansOf(path.join(dir, 'fake-pg-app.cjs'), { env: { OTEL_LOG_LEVEL: 'debug' } });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'rows [{"n":1}]\n');
  assert.match(result.stderr, /pg.* 7\.0\.0 is outside the supported range/);
  assert.equal(spans.length, 0);
});

test('an instrumented module loaded before the agent gets one warning with the fix', async (t) => {
  const dir = fakePgApp('8.11.0', WORKING_CLIENT);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const result = await runApp(path.join(dir, 'late-pg.cjs'), { preload: 'none', env: { REGISTER_PATH: REGISTER } });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'ok\n');
  const warnings = result.stderr.match(/pg loaded before spanwise.*--import spanwise\/register/g) || [];
  assert.equal(warnings.length, 1, result.stderr);
});

test('an error thrown while patching is caught, logged once, and the app runs exactly as without the agent', async (t) => {
  // With the agent loaded, the first read of Client.prototype.query (the patch's) throws;
  // every other read, and every read without the agent, returns the method.
  const trapped = `
class Client { connect(cb) { if (cb) setImmediate(cb); } }
const query = function query(text, cb) { setImmediate(() => cb(null, { rows: [{ n: 1 }] })); };
let reads = 0;
Object.defineProperty(Client.prototype, 'query', {
  configurable: true,
  get() {
    const agentLoaded = globalThis[Symbol.for('spanwise.agent')] !== undefined;
    if (agentLoaded && reads++ === 0) throw new Error('trap: patch failed on purpose');
    return query;
  },
});
module.exports = Client;
`;
  const dir = fakePgApp('8.11.0', trapped);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const app = path.join(dir, 'fake-pg-app.cjs');
  const plain = await runApp(app, { preload: 'none' });
  const { result } = await spansOf(app, {});
  assert.equal(result.code, plain.code);
  assert.equal(result.stdout, plain.stdout);
  const errors = result.stderr.match(/internal error in the pg instrumentation/g) || [];
  assert.equal(errors.length, 1, result.stderr);
  assert.match(result.stderr, /trap: patch failed on purpose/);
});

test('an error thrown inside a span handler is caught, logged once, and the app goes on unchanged', async (t) => {
  // The pg span builder reads client.database; here that read throws when the agent is loaded.
  const trapped = `
class Client {
  get database() {
    if (globalThis[Symbol.for('spanwise.agent')] !== undefined) throw new Error('trap: handler failed on purpose');
    return 'db';
  }
  query(text, cb) { setImmediate(() => cb(null, { rows: [{ n: 1 }] })); }
  connect(cb) { if (cb) setImmediate(cb); }
}
module.exports = Client;
`;
  const dir = fakePgApp('8.11.0', trapped);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const app = path.join(dir, 'fake-pg-app.cjs');
  const plain = await runApp(app, { preload: 'none', env: { QUERIES: '3' } });
  const { result } = await spansOf(app, { env: { QUERIES: '3' } });
  assert.equal(plain.stdout, 'rows [{"n":1}]\n'.repeat(3));
  assert.equal(result.code, plain.code);
  assert.equal(result.stdout, plain.stdout);
  const errors = result.stderr.match(/internal error in the pg instrumentation/g) || [];
  assert.equal(errors.length, 1, result.stderr);
  assert.match(result.stderr, /trap: handler failed on purpose/);
});

test('ESM default, named, namespace and dynamic imports of a CommonJS package all reach the patched code', async (t) => {
  const dir = fakePgApp('8.11.0', WORKING_CLIENT);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const form of ['default', 'named', 'namespace', 'dynamic']) {
    const { result, spans } = await spansOf(path.join(dir, 'pg-forms.mjs'), { env: { FORM: form } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'rows 1\n');
    const queries = spans.filter((s) => s.attributes['db.system.name'] === 'postgresql' && s.kind === 2);
    assert.equal(queries.length, 1, `${form}: one query span (${spans.map((s) => s.name)})`);
    assert.equal(queries[0].name, 'SELECT');
  }
});

test('on a Node older than the supported range: one warning, and the app runs untraced', async () => {
  const pretend = path.join(FIXTURES, 'pretend-node-18.cjs');
  const { result, spans } = await spansOf(CJS_APP, { preload: 'require', nodeArgs: ['--require', pretend] });
  assert.equal(result.code, 0);
  assert.equal(result.stdout, 'status 200\n');
  const warnings = result.stderr.match(/Node 18\.19\.0 is not supported \(needs >=20\.6\.0\)/g) || [];
  assert.equal(warnings.length, 1, result.stderr);
  assert.equal(spans.length, 0);
});
