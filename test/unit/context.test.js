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

test('a bound emitter runs listeners in its context whether bound inside or outside it, and keeps emit\'s contract', () => {
  const ctx = ROOT_CONTEXT.setValue(KEY, 'req');
  const outside = cm.bind(ctx, new EventEmitter());
  const inside = cm.with(ctx, () => cm.bind(ctx, new EventEmitter()));
  for (const emitter of [outside, inside]) {
    const seen = [];
    emitter.on('data', function (a, b) { seen.push([this === emitter, a, b, current()]); });
    const returned = inCtx('other', () => emitter.emit('data', 1, 2));
    assert.equal(returned, true);
    assert.equal(emitter.emit('nobody-listens'), false);
    emitter.emit('data', 3, 4);
    assert.deepEqual(seen, [[true, 1, 2, 'req'], [true, 3, 4, 'req']]);
    // Binding again keeps the first context.
    cm.bind(ROOT_CONTEXT.setValue(KEY, 'later'), emitter);
    emitter.emit('data', 5, 6);
    assert.equal(seen[2][3], 'req');
  }
  // An 'error' without listeners still throws to the emitter's caller, as without the agent.
  assert.throws(() => outside.emit('error', new Error('boom')), /boom/);
  // The replaced emit, borrowed by an unbound emitter, is a plain emit there.
  const other = new EventEmitter();
  let got;
  other.on('x', (v) => { got = [v, current()]; });
  inCtx('mine', () => outside.emit.call(other, 'x', 7));
  assert.deepEqual(got, [7, 'mine']);
});

test('active() outside any context is the agent\'s empty chained context', () => {
  const { CHAIN_ROOT } = require('../../dist/src/context-chain.js');
  assert.equal(new AsyncLocalContextManager().active(), CHAIN_ROOT);
});

test('a close hook runs once, before the listeners, with the emitter; an emitter bound already does not take one', () => {
  const ctx = ROOT_CONTEXT.setValue(KEY, 'closing');
  const emitter = new EventEmitter();
  const seen = [];
  const hook = (e) => seen.push(['hook', e === emitter, current()]);
  assert.equal(cm.bindEmitterIn(ctx, emitter, undefined, hook), true);
  emitter.on('close', () => seen.push(['listener', current()]));
  emitter.emit('close');
  emitter.emit('close');
  assert.deepEqual(seen, [['hook', true, undefined], ['listener', 'closing'], ['listener', 'closing']]);
  // With no 'close' listener at all, the hook still runs.
  const bare = new EventEmitter();
  let calls = 0;
  cm.bindEmitterIn(ctx, bare, undefined, () => calls++);
  assert.equal(bare.emit('close'), false);
  assert.equal(calls, 1);
  // A throwing hook never reaches the emitter's caller.
  const rough = new EventEmitter();
  cm.bindEmitterIn(ctx, rough, undefined, () => { throw new Error('ours'); });
  assert.doesNotThrow(() => rough.emit('close'));
  assert.equal(cm.bindEmitterIn(ctx, emitter, undefined, hook), false);
});
