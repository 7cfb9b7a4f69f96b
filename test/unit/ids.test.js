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
