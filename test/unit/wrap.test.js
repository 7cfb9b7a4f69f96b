'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { wrapMethod, unwrapMethod, isWrapped } = require('../../dist/src/hooks/wrap.js');

test('a wrapper keeps the name, length and own properties of the original, and is applied once', () => {
  function query(text, values, callback) { return [this, text, values, callback]; }
  query.custom = 'kept';
  const target = { query };
  let calls = 0;
  const make = (original) => function (...args) { calls++; return original.apply(this, args); };
  assert.equal(wrapMethod(target, 'query', make), true);
  assert.equal(wrapMethod(target, 'query', make), false, 'never wrapped twice');
  assert.equal(target.query.name, 'query');
  assert.equal(target.query.length, 3);
  assert.equal(target.query.custom, 'kept');
  assert.ok(isWrapped(target.query));
  const out = target.query('SELECT 1', [1], undefined);
  assert.equal(out[0], target);
  assert.deepEqual(out.slice(1), ['SELECT 1', [1], undefined]);
  assert.equal(calls, 1);
  unwrapMethod(target, 'query');
  assert.equal(target.query, query);
});

test('a missing or non-function member is left alone', () => {
  const target = { notFn: 1 };
  assert.equal(wrapMethod(target, 'notFn', () => () => {}), false);
  assert.equal(wrapMethod(target, 'missing', () => () => {}), false);
  assert.equal(target.notFn, 1);
});

test('a wrapped constructor-like function keeps its prototype', () => {
  function Client() {}
  Client.prototype.hello = () => 'hi';
  const mod = { Client };
  wrapMethod(mod, 'Client', (original) => function (...args) { return original.apply(this, args); });
  assert.equal(mod.Client.prototype, Client.prototype);
});
