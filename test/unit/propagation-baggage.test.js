'use strict';
// W3C Baggage: parsing (cases from the W3C Baggage spec and its test suite),
// percent-decoding, properties, limits, and inject/extract through plain carriers.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const {
  ROOT_CONTEXT,
  baggageEntryMetadataFromString,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
} = require('@opentelemetry/api');
const {
  baggagePropagator,
  parseBaggage,
  serializeBaggage,
  MAX_BAGGAGE_MEMBERS,
  MAX_BAGGAGE_BYTES,
} = require('../../dist/src/propagation/baggage.js');
const { suppressTracing } = require('../../dist/src/suppress.js');

/** The baggage as [key, value, metadata string or undefined] rows. */
function rows(baggage) {
  if (baggage === undefined) return undefined;
  return baggage.getAllEntries().map(([k, e]) => [k, e.value, e.metadata === undefined ? undefined : e.metadata.toString()]);
}

function extract(headers) {
  const ctx = baggagePropagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  return rows(propagation.getBaggage(ctx));
}

function inject(entries, ctx = ROOT_CONTEXT) {
  const carrier = {};
  const baggage = propagation.createBaggage(entries);
  baggagePropagator.inject(propagation.setBaggage(ctx, baggage), carrier, defaultTextMapSetter);
  return carrier;
}

describe('baggage parsing', () => {
  const cases = [
    ['simple', 'SomeKey=SomeValue', [['SomeKey', 'SomeValue', undefined]]],
    [
      'multiple with properties',
      'SomeKey=SomeValue;SomeProp,SomeKey2=SomeValue2;ValueProp=PropVal',
      [['SomeKey', 'SomeValue', 'SomeProp'], ['SomeKey2', 'SomeValue2', 'ValueProp=PropVal']],
    ],
    [
      'OWS everywhere',
      'SomeKey \t = \t SomeValue \t ; \t SomeProp \t , \t SomeKey2 \t = \t SomeValue2 \t ; \t ValueProp \t = \t PropVal',
      [['SomeKey', 'SomeValue', 'SomeProp'], ['SomeKey2', 'SomeValue2', 'ValueProp=PropVal']],
    ],
    ['several properties', 'k=v;p1;p2=x;p3', [['k', 'v', 'p1;p2=x;p3']]],
    ['= inside the value', 'SomeKey=SomeValue=equals', [['SomeKey', 'SomeValue=equals', undefined]]],
    ['empty value', 'k=', [['k', '', undefined]]],
    ['spec example', 'key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue', [
      ['key1', 'value1', 'property1;property2'],
      ['key2', 'value2', undefined],
      ['key3', 'value3', 'propertyKey=propertyValue'],
    ]],
    ['percent-encoded space', 'serverNode=DF%2028', [['serverNode', 'DF 28', undefined]]],
    [
      'percent-encoded specials (W3C suite)',
      'SomeKey=%09%20%22%27%3B%3Dasdf%21%40%23%24%25%5E%26%2A%28%29',
      [['SomeKey', '\t "\';=asdf!@#$%^&*()', undefined]],
    ],
    ['lower-case percent hex', 'k=%c3%a9', [['k', 'é', undefined]]],
    ['UTF-8 sequences', 'k=%E2%9C%93%F0%9F%98%80', [['k', '✓😀', undefined]]],
    ['invalid UTF-8 becomes U+FFFD', 'k=a%FFb', [['k', 'a\uFFFDb', undefined]]],
    ['truncated UTF-8 becomes U+FFFD', 'k=%E2%9C', [['k', '\uFFFD', undefined]]],
    ['% without hex kept', 'k=100%,j=%zz%4', [['k', '100%', undefined], ['j', '%zz%4', undefined]]],
    ['token specials in key', "a!#$%&'*+-.^_`|~Z9=v", [["a!#$%&'*+-.^_`|~Z9", 'v', undefined]]],
    ['duplicate key keeps the last value', 'k=1,k=2', [['k', '2', undefined]]],
    ['__proto__ is an ordinary key', '__proto__=x', [['__proto__', 'x', undefined]]],
    ['empty members skipped', ',k=v,, ,', [['k', 'v', undefined]]],
    ['invalid property dropped, entry kept', 'k=v;bad prop;ok', [['k', 'v', 'ok']]],
  ];
  for (const [name, header, expected] of cases) {
    it(`parses ${name}`, () => assert.deepEqual(rows(parseBaggage(header)), expected));
  }

  const invalidMembers = [
    ['no =', 'novalue'],
    ['empty key', '=v'],
    ['space inside key', 'a b=v'],
    ['key with (', 'a(b=v'],
    ['space inside value', 'k=a b'],
    ['DQUOTE in value', 'k="v"'],
    ['backslash in value', 'k=a\\b'],
    ['non-ASCII in value', 'k=é'],
    ['control char', 'k=a\x01'],
    ['= only after ;', 'k;p=v'],
  ];
  for (const [name, member] of invalidMembers) {
    it(`skips a member with ${name} and keeps the others`, () => {
      assert.deepEqual(rows(parseBaggage(`a=1,${member},b=2`)), [['a', '1', undefined], ['b', '2', undefined]]);
      assert.equal(parseBaggage(member), undefined);
    });
  }

  it(`keeps at most ${MAX_BAGGAGE_MEMBERS} members`, () => {
    const header = Array.from({ length: 100 }, (_, i) => `k${i}=v`).join(',');
    const parsed = rows(parseBaggage(header));
    assert.equal(parsed.length, 64);
    assert.equal(parsed[63][0], 'k63');
  });

  it('keeps a member that brings the header to exactly 8192 bytes', () => {
    const header = `a=${'0123456789'.repeat(819)}`;
    assert.equal(header.length, MAX_BAGGAGE_BYTES);
    assert.equal(rows(parseBaggage(header))[0][1].length, 8190);
  });

  it('drops members past 8192 bytes', () => {
    const big = `a=${'x'.repeat(8000)}`;
    const parsed = rows(parseBaggage(`${big},b=${'y'.repeat(500)},c=1`));
    assert.deepEqual(parsed.map((r) => r[0]), ['a', 'c']);
  });

  it('returns undefined for non-strings and empty headers', () => {
    for (const value of [undefined, null, 5, {}, [], '', ' , ']) assert.equal(parseBaggage(value), undefined);
  });

  it('copes with 10 KB of garbage', () => {
    assert.equal(parseBaggage('\u0000'.repeat(10240)), undefined);
    assert.equal(parseBaggage(';='.repeat(5120)), undefined);
  });
});

describe('baggage serializing', () => {
  it('percent-encodes what is not a baggage-octet, and %', () => {
    // ' ! @ # $ ^ & * ( ) = are baggage-octets and stay as they are.
    const baggage = propagation.createBaggage({ k: { value: '\t "\';=asdf!@#$%^&*()' } });
    assert.equal(serializeBaggage(baggage), "k=%09%20%22'%3B=asdf!@#$%25^&*()");
  });

  it('encodes UTF-8 and survives lone surrogates', () => {
    const baggage = propagation.createBaggage({ a: { value: 'é✓' }, b: { value: 'x\uD800y' } });
    assert.equal(serializeBaggage(baggage), 'a=%C3%A9%E2%9C%93,b=x%EF%BF%BDy');
  });

  it('round-trips values through parse', () => {
    const value = 'DF 28, ünïcode; 100% "quoted" \\ \t=';
    const header = serializeBaggage(propagation.createBaggage({ k: { value } }));
    assert.equal(parseBaggage(header).getEntry('k').value, value);
  });

  it('writes metadata as properties', () => {
    const baggage = propagation.createBaggage({
      k: { value: 'v', metadata: baggageEntryMetadataFromString(' p1 ; p2 = x ') },
      j: { value: 'w', metadata: baggageEntryMetadataFromString('bad prop') },
    });
    assert.equal(serializeBaggage(baggage), 'k=v;p1;p2=x,j=w');
  });

  it('skips keys that are not tokens and non-string values', () => {
    const baggage = propagation.createBaggage({ 'bad key': { value: '1' }, ok: { value: '2' }, num: { value: 3 } });
    assert.equal(serializeBaggage(baggage), 'ok=2');
  });

  it(`writes at most ${MAX_BAGGAGE_MEMBERS} members`, () => {
    const entries = {};
    for (let i = 0; i < 100; i++) entries[`key${i}`] = { value: 'value' };
    const header = serializeBaggage(propagation.createBaggage(entries));
    assert.equal(header.split(',').length, 64);
  });

  it('writes exactly 8192 bytes but not one more', () => {
    const fits = serializeBaggage(propagation.createBaggage({ a: { value: '0123456789'.repeat(819) } }));
    assert.equal(fits.length, 8192);
    const tooBig = serializeBaggage(propagation.createBaggage({ a: { value: '0123456789'.repeat(819) + 'x' } }));
    assert.equal(tooBig, '');
  });

  it('drops entries past 8192 bytes and keeps later ones that fit', () => {
    const header = serializeBaggage(propagation.createBaggage({
      a: { value: 'x'.repeat(8000) },
      b: { value: 'y'.repeat(500) },
      c: { value: '1' },
    }));
    assert.deepEqual(header.split(',').map((m) => m.split('=')[0]), ['a', 'c']);
    assert.ok(header.length <= MAX_BAGGAGE_BYTES);
  });
});

describe('baggage propagator', () => {
  it('extracts into the context', () => {
    assert.deepEqual(extract({ baggage: 'userId=alice,serverNode=DF%2028,isProduction=false' }), [
      ['userId', 'alice', undefined],
      ['serverNode', 'DF 28', undefined],
      ['isProduction', 'false', undefined],
    ]);
  });

  it('joins repeated headers', () => {
    assert.deepEqual(extract({ baggage: ['userId =   alice', 'serverNode = DF%2028, isProduction = false'] }), [
      ['userId', 'alice', undefined],
      ['serverNode', 'DF 28', undefined],
      ['isProduction', 'false', undefined],
    ]);
  });

  it('leaves the context unchanged when there is nothing valid', () => {
    for (const headers of [{}, { baggage: '' }, { baggage: 'garbage' }, { baggage: 7 }, { baggage: ['a=1', 7] }]) {
      assert.equal(baggagePropagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter), ROOT_CONTEXT);
    }
  });

  it('injects the header', () => {
    assert.deepEqual(inject({ userId: { value: 'alice' }, serverNode: { value: 'DF 28' } }), {
      baggage: 'userId=alice,serverNode=DF%2028',
    });
  });

  it('injects nothing without baggage, with empty baggage, or when suppressed', () => {
    const carrier = {};
    baggagePropagator.inject(ROOT_CONTEXT, carrier, defaultTextMapSetter);
    assert.deepEqual(carrier, {});
    assert.deepEqual(inject({}), {});
    assert.deepEqual(inject({ a: { value: '1' } }, suppressTracing(ROOT_CONTEXT)), {});
  });

  it('round-trips extract then inject', () => {
    const ctx = baggagePropagator.extract(ROOT_CONTEXT, { baggage: ' k1 = v%201 ; p ; q = 1 ,k2=v2' }, defaultTextMapGetter);
    const carrier = {};
    baggagePropagator.inject(ctx, carrier, defaultTextMapSetter);
    assert.equal(carrier.baggage, 'k1=v%201;p;q=1,k2=v2');
  });

  it('never throws on hostile input', () => {
    const throwing = { get() { throw new Error('boom'); }, set() { throw new Error('boom'); }, keys: () => [] };
    const withBaggage = propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage({ a: { value: '1' } }));
    for (const carrier of [undefined, null, 42, 'str', Object.freeze({}), { baggage: 'x'.repeat(10240) }]) {
      baggagePropagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
      baggagePropagator.inject(withBaggage, carrier, defaultTextMapSetter);
    }
    assert.equal(baggagePropagator.extract(ROOT_CONTEXT, { baggage: 'a=1' }, throwing), ROOT_CONTEXT);
    baggagePropagator.inject(withBaggage, {}, throwing);
    baggagePropagator.inject(propagation.setBaggage(ROOT_CONTEXT, { getAllEntries: () => null }), {}, defaultTextMapSetter);
    baggagePropagator.extract(ROOT_CONTEXT, {}, undefined);
  });

  it('lists its field', () => {
    assert.deepEqual(baggagePropagator.fields(), ['baggage']);
  });
});
