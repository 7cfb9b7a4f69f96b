'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { EventEmitter } = require('node:events');
const { context, createContextKey, ROOT_CONTEXT } = require('@opentelemetry/api');
const { AsyncLocalContextManager } = require('../../dist/src/context.js');

const KEY = createContextKey('test.request');
const cm = new AsyncLocalContextManager();
test.before(() => context.setGlobalContextManager(cm));
test.after(() => context.disable());

const inCtx = (value, fn) => context.with(ROOT_CONTEXT.setValue(KEY, value), fn);
const current = () => context.active().getValue(KEY);

test('the active context survives await, timers, callbacks, promise chains and nextTick', async () => {
  await inCtx('r1', async () => {
    await null;
    assert.equal(current(), 'r1');
    await new Promise((resolve) => setTimeout(() => { assert.equal(current(), 'r1'); resolve(); }, 1));
    await new Promise((resolve) => setImmediate(() => { assert.equal(current(), 'r1'); resolve(); }));
    await new Promise((resolve) => process.nextTick(() => { assert.equal(current(), 'r1'); resolve(); }));
    await Promise.resolve().then(() => assert.equal(current(), 'r1'));
    require('node:fs').stat(__filename, () => assert.equal(current(), 'r1'));
  });
  assert.equal(current(), undefined);
});

test('with() passes this and arguments, and restores the previous context', () => {
  const self = { n: 1 };
  const out = cm.with(ROOT_CONTEXT.setValue(KEY, 'x'), function (a, b) { return [this.n, a, b, current()]; }, self, 2, 3);
  assert.deepEqual(out, [1, 2, 3, 'x']);
  assert.equal(current(), undefined);
});

test('bind() ties functions and EventEmitter listeners to a context; removeListener still works', () => {
  const ctx = ROOT_CONTEXT.setValue(KEY, 'bound');
  const fn = cm.bind(ctx, function named(a, b) { return [a, b, current()]; });
  assert.deepEqual(fn(1, 2), [1, 2, 'bound']);
  assert.equal(fn.length, 2);
  const emitter = cm.bind(ctx, new EventEmitter());
  const seen = [];
  const listener = () => seen.push(current());
  emitter.on('x', listener);
  inCtx('other', () => emitter.emit('x'));
  emitter.removeListener('x', listener);
  emitter.emit('x');
  assert.deepEqual(seen, ['bound']);
  assert.equal(emitter.listenerCount('x'), 0);
});

test('1,000 concurrent tasks never see each other\'s context', async () => {
  const tasks = [];
  for (let i = 0; i < 1000; i++) {
    tasks.push(inCtx(i, async () => {
      for (let step = 0; step < 3; step++) {
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        assert.equal(current(), i);
      }
      return current();
    }));
  }
  const results = await Promise.all(tasks);
  results.forEach((v, i) => assert.equal(v, i));
});
