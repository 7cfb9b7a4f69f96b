'use strict';
// Express 4 and 5, CommonJS and ESM fixture apps under the real preload: the
// server span is named by the full route template, middleware, routers and
// request handlers get INTERNAL spans with the right parents, errors land on
// the handler span, and no MaxListenersExceededWarning appears.
//
// Express 4 is installed as the npm alias `express4`, but users require it as
// `express`, and that is the only name the instrumentation answers to. So the
// test builds what a user's project looks like: a temporary folder (under the
// git-ignored tmp/ of the repo, so express 4's own dependencies still resolve
// from the repo's node_modules) holding the fixture files and a copy of
// express 4 as node_modules/express. A symlink would not do: Node resolves it
// to the real path, node_modules/express4/..., and the hooks would see `express4`.
// To run the same checks on other versions (the lowest supported ones):
// SPANWISE_TEST_EXPRESS4_DIR is an express 4 package folder used instead of
// express4; SPANWISE_TEST_EXPRESS5_NODE_MODULES is a node_modules folder (say
// express 5.0.0 and router 2.0.0) copied into a temporary project for express 5.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { startOtlpReceiver } = require('../../dist/src/export/otlp-receiver.js');
const { ROOT, startApp, otlpEnv } = require('../support/run-app.js');

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'express');
const EXPRESS4 = process.env.SPANWISE_TEST_EXPRESS4_DIR || path.join(ROOT, 'node_modules', 'express4');
const EXPRESS5_MODULES = process.env.SPANWISE_TEST_EXPRESS5_NODE_MODULES;
const SERVER = 1;
const INTERNAL = 0;
const ERROR = 2;

/**
 * One row per request: the server span's route (undefined: no http.route), and
 * the layer spans expected as [name, parent name] (null parent: the server span).
 */
const CASES = [
  { path: '/api/orders/42', status: 200, route: '/api/orders/:id', layers: [
    ['router - /api', null], ['router - /api/orders', 'router - /api'],
    ['request handler - /api/orders/:id', 'router - /api/orders']] },
  { path: '/shops/s1/items/i9', status: 200, route: '/shops/:shopId/items/:itemId', layers: [
    ['router - /shops/:shopId', null], ['request handler - /shops/:shopId/items/:itemId', 'router - /shops/:shopId']] },
  { path: '/admin/users/u1', status: 200, route: '/admin/users/:uid', layers: [
    ['middleware - mounted_app', null], ['request handler - /admin/users/:uid', 'middleware - mounted_app']] },
  { path: '/reg/12', status: 200, route: '/^\\/reg(ex)?\\/\\d+$/', layers: [
    ['request handler - /^\\/reg(ex)?\\/\\d+$/', null]] },
  { path: '/alias-b', status: 200, route: '/alias-a,/alias-b', layers: [['request handler - /alias-a,/alias-b', null]] },
  { path: '/book', status: 200, route: '/book', layers: [['request handler - /book', null]] },
  { path: '/book', method: 'POST', status: 201, route: '/book', layers: [['request handler - /book', null]] },
  { path: '/old', status: 302, route: '/old', layers: [['request handler - /old', null]] },
  { path: '/static/hello.txt', status: 200, route: undefined, layers: [['middleware - serveStatic', null]] },
  { path: '/static/missing.txt', status: 404, route: undefined, layers: [['middleware - serveStatic', null]] },
  { path: '/nope', status: 404, route: undefined, layers: [] },
  { path: '/boom', status: 500, route: '/boom', error: 'sync boom', layers: [
    ['request handler - /boom', null], ['middleware - errorHandler', null]] },
  { path: '/async-fail', status: 500, route: '/async-fail', error: 'async boom', layers: [
    ['request handler - /async-fail', null], ['middleware - errorHandler', null]] },
  { path: '/api/orders/7/fail', status: 500, route: '/api/orders/:id/fail', error: 'order 7 failed', layers: [
    ['router - /api', null], ['router - /api/orders', 'router - /api'],
    ['request handler - /api/orders/:id/fail', 'router - /api/orders'], ['middleware - errorHandler', null]] },
  { path: '/many', status: 200, route: '/many', layers: [['request handler - /many', null]] },
];

/** The app-level middleware every request passes first, in order (express 4 adds two of its own). */
function commonMiddleware(major) {
  const own = ['middleware - requestLogger', 'middleware - slowAuth'];
  return major === 4 ? ['middleware - query', 'middleware - expressInit', ...own] : own;
}

const VARIANTS = [
  { label: 'express 5, CommonJS', major: 5, file: 'app.cjs', preload: 'require' },
  { label: 'express 5, ESM', major: 5, file: 'app.mjs', preload: 'import' },
  { label: 'express 4, CommonJS', major: 4, file: 'app.cjs', preload: 'require' },
  { label: 'express 4, ESM', major: 4, file: 'app.mjs', preload: 'import' },
];

let receiver;
/** Where the apps of each express major run from. */
const projects = { 4: undefined, 5: FIXTURES };
const temporary = [];

before(async () => {
  receiver = await startOtlpReceiver({});
  projects[4] = makeProject('express4-', (modules) => {
    fs.cpSync(EXPRESS4, path.join(modules, 'express'), { recursive: true });
  });
  if (EXPRESS5_MODULES) {
    projects[5] = makeProject('express5-', (modules) => fs.cpSync(EXPRESS5_MODULES, modules, { recursive: true }));
  }
});

after(async () => {
  if (receiver) await receiver.close();
  for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temporary project: the fixture files plus a node_modules filled by `install`. */
function makeProject(prefix, install) {
  const tmp = path.join(ROOT, 'tmp');
  fs.mkdirSync(tmp, { recursive: true });
  const dir = fs.mkdtempSync(path.join(tmp, prefix));
  temporary.push(dir);
  fs.cpSync(FIXTURES, dir, { recursive: true });
  fs.mkdirSync(path.join(dir, 'node_modules'));
  install(path.join(dir, 'node_modules'));
  return dir;
}

/** Starts a fixture app and resolves { app, port }. */
async function launch(variant, env = {}) {
  const dir = projects[variant.major];
  const app = startApp(path.join(dir, variant.file), {
    preload: variant.preload,
    env: otlpEnv(receiver, { OTEL_SERVICE_NAME: `express-test-${variant.major}`, ...env }),
  });
  const [, port] = await app.waitForLine(/listening (\d+)/);
  return { app, port: Number(port) };
}

/** Stops an app: SIGTERM, then SIGKILL if it has not exited within 5 s. Resolves its stderr. */
async function stop(app) {
  if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGTERM');
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 5000);
  const result = await app.exited;
  clearTimeout(timer);
  return result.stderr;
}

/** Sends one request in a trace of its own (our traceparent); resolves { status, traceId }. */
async function send(port, { method = 'GET', path: urlPath }) {
  const traceId = crypto.randomBytes(16).toString('hex');
  const traceparent = `00-${traceId}-${crypto.randomBytes(8).toString('hex')}-01`;
  const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, {
    method, headers: { traceparent }, redirect: 'manual', signal: AbortSignal.timeout(5000),
  });
  await res.arrayBuffer();
  return { status: res.status, traceId };
}

function inTrace(spans, traceId) {
  return spans.filter((s) => s.spanContext.traceId === traceId);
}

function serverSpan(spans) {
  return spans.find((s) => s.kind === SERVER);
}

/** True once the server span and every expected layer span of the request have arrived. */
function complete(spans, names) {
  if (serverSpan(spans) === undefined) return false;
  return names.every((name) => spans.some((s) => s.name === name));
}

/** Asserts that a span named `name` is a child of one named `parentName` (null: of the server span). */
function assertParent(spans, name, parentName) {
  const candidates = spans.filter((s) => s.name === name);
  assert.ok(candidates.length > 0, `no span named ${name}`);
  const parents = parentName === null ? [serverSpan(spans)] : spans.filter((s) => s.name === parentName);
  const parentIds = parents.map((p) => p.spanContext.spanId);
  assert.ok(candidates.some((c) => parentIds.includes(c.parentSpanId)),
    `${name} is not a child of ${parentName ?? 'the server span'}`);
}

for (const variant of VARIANTS) {
  describe(variant.label, () => {
    let running;
    const results = [];

    before(async () => {
      running = await launch(variant);
      // All requests at once: each must still get its own trace and the right parents.
      const sent = await Promise.all(CASES.map((c) => send(running.port, c)));
      const common = commonMiddleware(variant.major);
      const spans = await receiver.waitForSpans((all) => sent.every((r, i) => complete(
        inTrace(all, r.traceId), [...common, ...CASES[i].layers.map(([name]) => name)])), 10000);
      for (let i = 0; i < CASES.length; i++) results.push({ ...sent[i], spans: inTrace(spans, sent[i].traceId) });
    });

    after(async () => {
      if (running) await stop(running.app);
    });

    CASES.forEach((c, i) => {
      it(`${c.method ?? 'GET'} ${c.path} -> ${c.status}, ${c.route ?? 'no route'}`, () => {
        const { status, spans } = results[i];
        assert.equal(status, c.status);
        const server = serverSpan(spans);
        const method = c.method ?? 'GET';
        assert.equal(server.name, c.route === undefined ? method : `${method} ${c.route}`);
        assert.equal(server.attributes['http.route'], c.route);
        for (const [name, parent] of c.layers) assertParent(spans, name, parent);
        assertLayerAttributes(spans);
        assertSiblingChain(spans, commonMiddleware(variant.major));
        // Layer spans end at next() or with the response, never after the server span that holds them.
        for (const s of spans) assert.ok(s.endTime <= server.endTime, `${s.name} ends by the server span's end`);
        if (c.error !== undefined) assertHandlerError(spans, c);
        else assert.ok(spans.every((s) => s.status.code !== ERROR), 'no span is an error');
      });
    });

    it('prints no MaxListenersExceededWarning (15 middleware on one request)', async () => {
      const stderr = await stop(running.app);
      running = undefined;
      assert.doesNotMatch(stderr, /MaxListenersExceededWarning/);
      assert.doesNotMatch(stderr, /internal error in the express instrumentation/);
    });
  });
}

/** Every layer span is INTERNAL and named `{type} - {express.name}`. */
function assertLayerAttributes(spans) {
  const prefixes = { middleware: 'middleware', router: 'router', request_handler: 'request handler' };
  for (const span of spans.filter((s) => s.kind !== SERVER)) {
    assert.equal(span.kind, INTERNAL);
    const type = span.attributes['express.type'];
    assert.ok(type in prefixes, `${span.name}: express.type ${type}`);
    assert.equal(span.name, `${prefixes[type]} - ${span.attributes['express.name']}`);
  }
}

/**
 * The app-level middleware are children of the server span and siblings of
 * one another: each starts only after the previous one called next() and
 * ended, including slowAuth, which calls next() from a timer.
 */
function assertSiblingChain(spans, names) {
  const server = serverSpan(spans);
  let previous;
  for (const name of names) {
    const span = spans.find((s) => s.name === name && s.parentSpanId === server.spanContext.spanId);
    assert.ok(span, `${name} is a child of the server span`);
    if (previous !== undefined) assert.ok(span.startTime >= previous.endTime, `${name} starts after ${previous.name} ended`);
    previous = span;
  }
  // Whatever runs after the chain is a sibling too, never a child of the last middleware.
  assert.ok(spans.every((s) => s.parentSpanId !== previous.spanContext.spanId), `nothing is a child of ${previous.name}`);
}

/** The error is recorded once, on the request handler; the error middleware ran; the 500 makes the server span an error. */
function assertHandlerError(spans, c) {
  const handler = spans.find((s) => s.name === `request handler - ${c.route}`);
  assert.equal(handler.status.code, ERROR);
  assert.equal(handler.status.message, c.error);
  const exception = handler.events.find((e) => e.name === 'exception');
  assert.equal(exception.attributes['exception.message'], c.error);
  assert.equal(exception.attributes['exception.type'], 'Error');
  const recorded = spans.filter((s) => s.kind !== SERVER && s.events.some((e) => e.name === 'exception'));
  assert.deepEqual(recorded.map((s) => s.name), [handler.name], 'the error is recorded on the handler span only');
  const errorHandler = spans.find((s) => s.name === 'middleware - errorHandler');
  assert.notEqual(errorHandler.status.code, ERROR);
  assert.equal(serverSpan(spans).status.code, ERROR);
}

describe('SPANWISE_EXPRESS_LAYERS', () => {
  const variant = VARIANTS[0];
  for (const [layers, expected] of [
    ['handlers', ['request handler - /api/orders/:id']],
    ['none', []],
  ]) {
    it(`=${layers}: ${expected.length === 0 ? 'no layer spans' : 'request handler spans only'}, the route still names the server span`, async () => {
      const running = await launch(variant, { SPANWISE_EXPRESS_LAYERS: layers });
      try {
        const { status, traceId } = await send(running.port, { path: '/api/orders/42' });
        assert.equal(status, 200);
        const spans = inTrace(await receiver.waitForSpans((all) => complete(inTrace(all, traceId), expected), 10000), traceId);
        const server = serverSpan(spans);
        assert.equal(server.name, 'GET /api/orders/:id');
        assert.equal(server.attributes['http.route'], '/api/orders/:id');
        assert.deepEqual(spans.filter((s) => s.kind === INTERNAL).map((s) => s.name), expected);
        for (const name of expected) assertParent(spans, name, null);
      } finally {
        await stop(running.app);
      }
    });
  }
});

describe('without a spanwise server span (http instrumentation off, the app\'s own span around each request)', () => {
  it('layer spans still end with the response, before the app\'s span, and are its descendants', async () => {
    const variant = { label: 'express 5, CommonJS', major: 5, file: 'app-manual-span.cjs', preload: 'require' };
    const running = await launch(variant, { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http' });
    try {
      const { status } = await send(running.port, { path: '/book' });
      assert.equal(status, 200);
      // The handler never calls next(): only the response's end can end its span.
      const names = ['manual request', 'middleware - requestLogger', 'middleware - slowAuth', 'request handler - /book'];
      const spans = await receiver.waitForSpans((all) => names.every((n) => all.some((s) => s.name === n && s.resource.attributes['service.name'] === 'express-test-5')), 10000);
      const manual = spans.find((s) => s.name === 'manual request');
      const mine = spans.filter((s) => s.spanContext.traceId === manual.spanContext.traceId);
      const handler = mine.find((s) => s.name === 'request handler - /book');
      assert.ok(handler, 'the request handler span was exported');
      assert.equal(handler.parentSpanId, manual.spanContext.spanId);
      assert.ok(handler.endTime <= manual.endTime, 'the handler span ends by the end of the app\'s span');
      assert.equal(mine.filter((s) => s.kind === SERVER).length, 1, 'no spanwise server span');
    } finally {
      await stop(running.app);
    }
  });
});
