'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { JoinedNames } = require('../../dist/src/joined-names.js');

test('joined names: the same flat string for the same parts, right for every part, bounded', () => {
  const names = new JoinedNames(' ');
  const first = names.join('GET', '/orders/:id');
  assert.equal(first, 'GET /orders/:id');
  // A tail built afresh (as a nested router's route is) still finds the kept name.
  assert.equal(names.join('GET', ['/orders', '/:id'].join('')), first);
  assert.equal(names.join('POST', '/orders/:id'), 'POST /orders/:id');
  assert.equal(names.join('GET', '/'), 'GET /');
  // Past the bounds the cache starts afresh and stays right.
  for (let i = 0; i < 3000; i++) assert.equal(names.join(`M${i % 100}`, `/r${i}`), `M${i % 100} /r${i}`);
  assert.equal(names.join('GET', '/orders/:id'), 'GET /orders/:id');
  assert.ok(names.byHead.size <= 64);
  for (const byTail of names.byHead.values()) assert.ok(byTail.size <= 1024);
});
