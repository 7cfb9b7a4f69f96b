'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { newTraceId, newSpanId } = require('../../dist/src/ids.js');

test('ids are lowercase hex of the right length, unique and never all zero', () => {
  const seen = new Set();
  for (let i = 0; i < 5000; i++) {
    const t = newTraceId();
    const s = newSpanId();
    assert.match(t, /^[0-9a-f]{32}$/);
    assert.match(s, /^[0-9a-f]{16}$/);
    assert.notEqual(t, '0'.repeat(32));
    assert.notEqual(s, '0'.repeat(16));
    assert.ok(!seen.has(t));
    seen.add(t);
  }
});

test('the bytes of the id returned last are readable beside its hex, and stay so after the pool is used up', () => {
  const { lastIdPool, lastIdAt } = require('../../dist/src/ids.js');
  const kept = [];
  for (let i = 0; i < 2000; i++) {
    const hex = i % 2 === 0 ? newTraceId() : newSpanId();
    kept.push([hex, lastIdPool(), lastIdAt()]);
  }
  for (const [hex, pool, at] of kept) assert.equal(pool.toString('hex', at, at + hex.length / 2), hex);
});
