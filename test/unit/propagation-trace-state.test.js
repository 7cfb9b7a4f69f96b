'use strict';
// W3C tracestate: the Level 2 key and value grammar, limits, OWS and empty members
// (cases from the spec and the W3C test suite), and the immutable list operations.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const {
  TraceState,
  parseTraceState,
  isValidTraceStateKey,
  isValidTraceStateValue,
  MAX_TRACE_STATE_MEMBERS,
} = require('../../dist/src/propagation/trace-state.js');

const SIMPLE_KEY_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789_-*/';
// Every allowed value char: 0x20-0x2B, 0x2D-0x3C, 0x3E-0x7E (a leading space is part of the value).
let ALL_VALUE_CHARS = '';
for (let c = 0x20; c <= 0x7e; c++) if (c !== 0x2c && c !== 0x3d) ALL_VALUE_CHARS += String.fromCharCode(c);

function members(count, prefix = 'k') {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}=${i}`);
}

describe('tracestate keys', () => {
  const valid = [
    ['single letter', 'a'],
    ['all simple-key chars', SIMPLE_KEY_CHARS],
    ['256 chars', 'z'.repeat(256)],
    ['multi-tenant', 'tenant@system'],
    ['multi-tenant with all chars (W3C suite)', SIMPLE_KEY_CHARS + '@a-z0-9_-*/'],
    ['tenant starting with a digit', '0tenant@sys'],
    ['tenant of 241 and system of 14', 't'.repeat(241) + '@' + 'v'.repeat(14)],
    ['one-char tenant and system', 't@v'],
  ];
  for (const [name, key] of valid) {
    it(`accepts ${name}`, () => assert.equal(isValidTraceStateKey(key), true, key));
  }
  const invalid = [
    ['empty', ''],
    ['upper case', 'FOO'],
    ['trailing space', 'foo '],
    ['dot', 'foo.bar'],
    ['257 chars', 'z'.repeat(257)],
    ['simple key starting with a digit', '0abc'],
    ['simple key starting with _', '_abc'],
    ['empty system', 'foo@'],
    ['empty tenant', '@foo'],
    ['two @', 'foo@@bar'],
    ['three parts', 'foo@bar@baz'],
    ['tenant of 242', 't'.repeat(242) + '@v'],
    ['system of 15', 't@' + 'v'.repeat(15)],
    ['system starting with a digit', 'tenant@1sys'],
    ['tenant starting with -', '-t@sys'],
    ['non-ASCII', 'fóo'],
  ];
  for (const [name, key] of invalid) {
    it(`rejects ${name}`, () => assert.equal(isValidTraceStateKey(key), false, key));
  }
});

describe('tracestate values', () => {
  const valid = [
    ['all allowed chars (W3C suite)', ALL_VALUE_CHARS],
    ['leading spaces', '  x'],
    ['256 chars', 'v'.repeat(256)],
    ['single char', '!'],
  ];
  for (const [name, value] of valid) {
    it(`accepts ${name}`, () => assert.equal(isValidTraceStateValue(value), true));
  }
  const invalid = [
    ['empty', ''],
    ['257 chars', 'v'.repeat(257)],
    ['trailing space', 'x '],
    ['only a space', ' '],
    ['=', 'bar=baz'],
    [',', 'a,b'],
    ['tab', 'a\tb'],
    ['newline', 'a\nb'],
    ['DEL', 'a\x7f'],
    ['non-ASCII', 'é'],
  ];
  for (const [name, value] of invalid) {
    it(`rejects ${name}`, () => assert.equal(isValidTraceStateValue(value), false));
  }
});

describe('parseTraceState', () => {
  const valid = [
    ['one member', 'foo=1', [['foo', '1']]],
    ['two members', 'foo=1,bar=2', [['foo', '1'], ['bar', '2']]],
    ['OWS around members', 'foo=1 \t , \t bar=2, \t baz=3', [['foo', '1'], ['bar', '2'], ['baz', '3']]],
    ['tabs around members', 'foo=1\t \t,\t \tbar=2,\t \tbaz=3', [['foo', '1'], ['bar', '2'], ['baz', '3']]],
    ['leading space', ' foo=1', [['foo', '1']]],
    ['leading tab', '\tfoo=1', [['foo', '1']]],
    ['trailing space', 'foo=1 ', [['foo', '1']]],
    ['trailing tab', 'foo=1\t', [['foo', '1']]],
    ['both', '\t foo=1 \t', [['foo', '1']]],
    ['empty members', ',foo=1,, ,\t,bar=2,', [['foo', '1'], ['bar', '2']]],
    ['value with leading space', 'foo= 1', [['foo', ' 1']]],
    ['all allowed chars', `${SIMPLE_KEY_CHARS}=${ALL_VALUE_CHARS}`, [[SIMPLE_KEY_CHARS, ALL_VALUE_CHARS]]],
    ['multi-tenant key', 'rojo@congo=x', [['rojo@congo', 'x']]],
    ['256-char key', `foo=1,${'z'.repeat(256)}=1`, [['foo', '1'], ['z'.repeat(256), '1']]],
    ['empty header', '', []],
    ['only separators and OWS', ' , ,\t', []],
  ];
  for (const [name, header, expected] of valid) {
    it(`accepts ${name}`, () => {
      const ts = parseTraceState(header);
      assert.ok(ts instanceof TraceState, header);
      assert.equal(ts.size, expected.length);
      for (const [k, v] of expected) assert.equal(ts.get(k), v);
      assert.equal(ts.serialize(), expected.map(([k, v]) => `${k}=${v}`).join(','));
    });
  }

  it('accepts exactly 32 members, empty members not counted', () => {
    const header = members(32).join(', ,');
    const ts = parseTraceState(header);
    assert.equal(ts.size, MAX_TRACE_STATE_MEMBERS);
    assert.equal(ts.get('k0'), '0');
    assert.equal(ts.get('k31'), '31');
  });

  const invalid = [
    ['33 members', members(33).join(',')],
    ['1,000 members', members(1000).join(',')],
    ['duplicate keys', 'foo=1,foo=1'],
    ['duplicate keys with other values', 'foo=1,foo=2'],
    ['duplicate keys in joined headers', 'foo=1,bar=2,foo=3'],
    ['key with space before =', 'foo =1'],
    ['upper-case key', 'FOO=1'],
    ['dot in key', 'foo.bar=1'],
    ['empty tenant', '@foo=1,bar=2'],
    ['empty system', 'foo@=1,bar=2'],
    ['two @', 'foo@@bar=1,bar=2'],
    ['three key parts', 'foo@bar@baz=1,bar=2'],
    ['257-char key', `foo=1,${'z'.repeat(257)}=1`],
    ['242-char tenant', `foo=1,${'t'.repeat(242)}@v=1`],
    ['15-char system', `foo=1,t@${'v'.repeat(15)}=1`],
    ['= in value', 'foo=bar=baz'],
    ['empty value', 'foo=,bar=3'],
    ['257-char value', `foo=${'v'.repeat(257)}`],
    ['no =', 'foo'],
    ['no key', '=1'],
    ['control char in value', 'foo=a\x01b'],
    ['tab inside value', 'foo=a\tb'],
    ['10 KB of garbage', 'x'.repeat(10240)],
  ];
  for (const [name, header] of invalid) {
    it(`discards the whole header with ${name}`, () => {
      assert.equal(parseTraceState(header), undefined);
    });
  }

  it('accepts a 10 KB header of OWS and empty members', () => {
    assert.equal(parseTraceState(' ,\t'.repeat(3500) + 'foo=1').get('foo'), '1');
  });

  it('returns undefined for non-strings', () => {
    for (const value of [undefined, null, 1, {}, ['foo=1']]) assert.equal(parseTraceState(value), undefined);
  });
});

describe('TraceState', () => {
  const base = parseTraceState('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');

  it('adds a new key at the front', () => {
    const next = base.set('new', 'v');
    assert.equal(next.serialize(), 'new=v,rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
  });

  it('moves an updated key to the front (spec example)', () => {
    const next = base.set('congo', 'ucfJifl5GOE');
    assert.equal(next.serialize(), 'congo=ucfJifl5GOE,rojo=00f067aa0ba902b7');
  });

  it('is immutable', () => {
    base.set('x', '1');
    base.unset('rojo');
    assert.equal(base.serialize(), 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
  });

  it('unsets keys', () => {
    assert.equal(base.unset('rojo').serialize(), 'congo=t61rcWkgMzE');
    assert.equal(base.unset('missing'), base);
    assert.equal(base.unset('rojo').unset('congo').size, 0);
  });

  it('gets values', () => {
    assert.equal(base.get('congo'), 't61rcWkgMzE');
    assert.equal(base.get('missing'), undefined);
  });

  const badSets = [
    ['invalid key', 'UPPER', 'v'],
    ['invalid value', 'k', 'a,b'],
    ['empty value', 'k', ''],
    ['non-string key', 5, 'v'],
    ['non-string value', 'k', 5],
  ];
  for (const [name, key, value] of badSets) {
    it(`ignores set with ${name}`, () => assert.equal(base.set(key, value), base));
  }

  it('drops the rightmost member when a 33rd is added', () => {
    const full = parseTraceState(members(32).join(','));
    const next = full.set('new', 'v');
    assert.equal(next.size, 32);
    assert.equal(next.get('new'), 'v');
    assert.equal(next.get('k31'), undefined);
    assert.equal(next.get('k30'), '30');
  });

  it('starts empty', () => {
    assert.equal(TraceState.empty().size, 0);
    assert.equal(TraceState.empty().serialize(), '');
    assert.equal(TraceState.empty().set('a', '1').serialize(), 'a=1');
  });
});
