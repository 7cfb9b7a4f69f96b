'use strict';
// The fetch instrumentation's readers of undici's data, on the shapes the
// undici versions publish, including undici 5's header string (early Node 20)
// that no installed Node exercises.
const test = require('node:test');
const assert = require('node:assert/strict');
const { hasHeader, headerValues } = require('../../dist/instrumentations/fetch/undici-headers.js');
const { parseOrigin } = require('../../dist/instrumentations/fetch/origin.js');
const { fetchErrorType } = require('../../dist/instrumentations/fetch/attributes.js');

const b = (s) => Buffer.from(s, 'latin1');

const HEADER_CASES = [
  // [description, headers, name, expected values]
  ['undici >= 6 array', ['X-A', '1', 'accept', '*/*'], 'x-a', ['1']],
  ['array, repeated name', ['x-a', '1', 'X-A', '2'], 'x-a', ['1', '2']],
  ['array, value as string[]', ['x-a', ['1', '2']], 'x-a', ['1', '2']],
  ['array, Buffer names and values', [b('Set-Cookie'), b('a=1'), b('Date'), b('now')], 'set-cookie', ['a=1']],
  ['array, absent', ['accept', '*/*'], 'x-a', undefined],
  ['array, odd length is read up to the last pair', ['x-a', '1', 'x-b'], 'x-b', undefined],
  ['undici 5 string', 'accept: */*\r\nX-A: 1\r\nx-a:2\r\n', 'x-a', ['1', '2']],
  ['string, absent', 'accept: */*\r\n', 'x-a', undefined],
  ['string, empty', '', 'x-a', undefined],
  ['object (HTTP/2)', { 'x-a': ['1', '2'], accept: '*/*' }, 'x-a', ['1', '2']],
  ['number value', { 'content-length': 12 }, 'content-length', ['12']],
  ['null', null, 'x-a', undefined],
  ['undefined', undefined, 'x-a', undefined],
  ['a number', 42, 'x-a', undefined],
];

for (const [description, headers, name, expected] of HEADER_CASES) {
  test(`headerValues / hasHeader: ${description}`, () => {
    assert.deepEqual(headerValues(headers, name), expected);
    assert.equal(hasHeader(headers, name), expected !== undefined);
  });
}

const ORIGIN_CASES = [
  ['http://127.0.0.1:8080', { prefix: 'http://127.0.0.1:8080', scheme: 'http', address: '127.0.0.1', port: 8080 }],
  ['https://example.com', { prefix: 'https://example.com', scheme: 'https', address: 'example.com', port: 443 }],
  ['http://example.com', { prefix: 'http://example.com', scheme: 'http', address: 'example.com', port: 80 }],
  ['http://[::1]:3000', { prefix: 'http://[::1]:3000', scheme: 'http', address: '::1', port: 3000 }],
  ['http://user:pw@example.com:81', { prefix: 'http://example.com:81', scheme: 'http', address: 'example.com', port: 81 }],
  [new URL('http://example.com:82/path'), { prefix: 'http://example.com:82', scheme: 'http', address: 'example.com', port: 82 }],
  ['not a url', null],
  [undefined, null],
  [7, null],
];

for (const [origin, expected] of ORIGIN_CASES) {
  test(`parseOrigin(${String(origin)})`, () => {
    assert.deepEqual(parseOrigin(origin), expected);
    // A second call comes from the cache and agrees.
    assert.deepEqual(parseOrigin(origin), expected);
  });
}

const ERROR_CASES = [
  ['AbortSignal.timeout()', new DOMException('timed out', 'TimeoutError'), 'timeout'],
  ['undici headers timeout', Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), 'timeout'],
  ['undici body timeout', Object.assign(new Error('x'), { code: 'UND_ERR_BODY_TIMEOUT' }), 'timeout'],
  ['undici connect timeout', Object.assign(new Error('x'), { code: 'UND_ERR_CONNECT_TIMEOUT' }), 'timeout'],
  ['undici socket error', Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }), 'UND_ERR_SOCKET'],
  ['connection refused', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), 'ECONNREFUSED'],
  ['a TypeError', new TypeError('bad'), 'TypeError'],
  ['a string', 'because', '_OTHER'],
  ['null', null, '_OTHER'],
];

for (const [description, error, expected] of ERROR_CASES) {
  test(`fetchErrorType: ${description}`, () => {
    assert.equal(fetchErrorType(error), expected);
  });
}

const { isPlainHeaderValue, directHeaderNames } = require('../../dist/instrumentations/fetch/spans.js');

test('isPlainHeaderValue: tab and printable ASCII only, so a value pushed past addHeader is one undici accepts', () => {
  for (const ok of ['00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'a=1,b=2', 'k=v;p', '\tx y', '']) {
    assert.equal(isPlainHeaderValue(ok), true, JSON.stringify(ok));
  }
  for (const bad of ['a\r\nx-evil: 1', 'a\nb', 'a\0b', 'caf\u00e9', 'a\u007fb', '\u2028', 7, undefined, null, ['a']]) {
    assert.equal(isPlainHeaderValue(bad), false, JSON.stringify(bad));
  }
});

test('directHeaderNames: only lower-case tokens that undici does not handle itself', () => {
  const names = directHeaderNames(['traceparent', 'tracestate', 'baggage', 'b3', 'x-b3-traceid', 'host', 'content-length',
    'connection', 'expect', 'Traceparent', 'bad name', 'x\r\ny', '']);
  assert.deepEqual([...names], ['traceparent', 'tracestate', 'baggage', 'b3', 'x-b3-traceid']);
});

const { createAttributeOptions, setRequestAttributes } = require('../../dist/instrumentations/fetch/attributes.js');

test('url.full: redacted, kept for a path without a query, never kept (nor its secret) for one with a query', () => {
  const options = createAttributeOptions({ redactQueryKeys: [], clientRequestHeaders: [], clientResponseHeaders: [] });
  const method = { spanName: 'GET', method: 'GET', original: undefined };
  const urlFull = (path) => {
    let got;
    setRequestAttributes({ setAttributes: (a) => { got = a; } }, { origin: 'http://127.0.0.1:8080', path, method: 'GET' }, method, options);
    return got['url.full'];
  };
  const first = urlFull('/stock/42');
  assert.equal(first, 'http://127.0.0.1:8080/stock/42');
  assert.equal(urlFull(['/stock', '/42'].join('')), first);
  assert.equal(urlFull('/login?user=a&token=s3cret'), 'http://127.0.0.1:8080/login?user=a&token=REDACTED');
  assert.deepEqual([...options.fullUrls.byHead.get('http://127.0.0.1:8080').joined.keys()], ['/stock/42']);
  assert.equal(urlFull('host:443'), 'http://127.0.0.1:8080');
});
