'use strict';
// The chained Context: immutable, newest value wins, deletions hide older
// entries, long chains are flattened without losing anything, and the API's
// helpers (trace.setSpan, baggage) work on it as on BaseContext.
const test = require('node:test');
const assert = require('node:assert/strict');
const { createContextKey, propagation, trace, ROOT_CONTEXT } = require('@opentelemetry/api');
const { CHAIN_ROOT, ChainContext } = require('../../dist/src/context-chain.js');

const A = createContextKey('a');
const B = createContextKey('b');

test('setValue returns a new context and leaves its parent untouched', () => {
  const one = CHAIN_ROOT.setValue(A, 1);
  const two = one.setValue(A, 2).setValue(B, 'b');
  assert.equal(CHAIN_ROOT.getValue(A), undefined);
  assert.equal(one.getValue(A), 1);
  assert.equal(one.getValue(B), undefined);
  assert.equal(two.getValue(A), 2);
  assert.equal(two.getValue(B), 'b');
  assert.ok(one instanceof ChainContext && two instanceof ChainContext);
});

test('deleteValue hides the key from that context on, not from its parents', () => {
  const set = CHAIN_ROOT.setValue(A, 1).setValue(B, 2);
  const deleted = set.deleteValue(A);
  assert.equal(deleted.getValue(A), undefined);
  assert.equal(deleted.getValue(B), 2);
  assert.equal(set.getValue(A), 1);
  assert.equal(deleted.setValue(A, 3).getValue(A), 3);
  // Deleting what is not there changes nothing.
  assert.equal(CHAIN_ROOT.deleteValue(A), CHAIN_ROOT);
});

test('a chain longer than the flattening depth keeps every value, and deletions stay deleted', () => {
  const keys = Array.from({ length: 60 }, (_, i) => createContextKey(`k${i}`));
  let ctx = CHAIN_ROOT;
  const parents = [];
  for (let i = 0; i < keys.length; i++) {
    ctx = ctx.setValue(keys[i], i);
    if (i === 10) ctx = ctx.deleteValue(keys[3]);
    if (i === 40) ctx = ctx.setValue(keys[5], 'again');
    parents.push(ctx);
  }
  for (let i = 0; i < keys.length; i++) {
    const expected = i === 3 ? undefined : i === 5 ? 'again' : i;
    assert.equal(ctx.getValue(keys[i]), expected, `key ${i}`);
  }
  // Older contexts in the chain still read as they did.
  assert.equal(parents[20].getValue(keys[5]), 5);
  assert.equal(parents[20].getValue(keys[21]), undefined);
  assert.equal(parents[2].getValue(keys[3]), undefined);
  assert.equal(parents[5].getValue(keys[3]), 3);
});

test('the API helpers work on it like on BaseContext', () => {
  const spanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 };
  const withSpan = trace.setSpanContext(CHAIN_ROOT, spanContext);
  assert.deepEqual(trace.getSpanContext(withSpan), spanContext);
  assert.equal(trace.getSpan(trace.deleteSpan(withSpan)), undefined);
  const bag = propagation.createBaggage({ user: { value: 'alice' } });
  assert.equal(propagation.getBaggage(propagation.setBaggage(withSpan, bag)).getEntry('user').value, 'alice');
  // Both kinds read the same values through the same interface.
  assert.equal(ROOT_CONTEXT.setValue(A, 1).getValue(A), CHAIN_ROOT.setValue(A, 1).getValue(A));
});
