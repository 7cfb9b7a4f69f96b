'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { JoinedNames } = require('../../dist/src/joined-names.js');

const keptTails = (names) => [...names.byHead.values()].map((tails) => tails.joined.size);

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
  for (const size of keptTails(names)) assert.ok(size <= 1024);
});

test('joined names: finish runs once per kept string; long tails and churning heads are joined afresh, never kept', () => {
  let finished = 0;
  const names = new JoinedNames('', {
    finish: (s) => { finished++; return s.toUpperCase(); }, maxHeads: 4, maxTails: 8, maxTailLength: 10,
  });
  const first = names.join('http://a', '/x');
  assert.equal(first, 'HTTP://A/X');
  assert.equal(names.join('http://a', ['/', 'x'].join('')), first);
  assert.equal(finished, 1);
  // A tail over maxTailLength: right, finished, and not kept.
  assert.equal(names.join('http://a', '/0123456789'), 'HTTP://A/0123456789');
  assert.equal(names.join('http://a', '/0123456789'), 'HTTP://A/0123456789');
  assert.equal(finished, 3);
  assert.deepEqual(keptTails(names), [1]);
  // Paths that never repeat (ids) fill the head's tails twice, then it keeps none.
  for (let i = 0; i < 40; i++) assert.equal(names.join('http://ids', `/u/${i}`), `HTTP://IDS/U/${i}`);
  assert.equal(names.byHead.get('http://ids').fills, 2);
  assert.equal(names.byHead.get('http://ids').joined.size, 0);
  assert.equal(names.join('http://ids', '/u/1'), 'HTTP://IDS/U/1');
  assert.equal(names.byHead.get('http://ids').joined.size, 0);
  // Other heads keep theirs.
  assert.equal(names.join('http://a', '/x'), first);
  assert.equal(names.byHead.get('http://a').joined.size, 1);
});
