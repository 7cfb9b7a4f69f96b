'use strict';
// The pure pieces of the http instrumentation, table-driven: method
// normalisation, status rules, error.type, URL redaction, request-target and
// Forwarded parsing, ignore-path globs, header capture and request call forms.
const test = require('node:test');
const assert = require('node:assert/strict');
const semconv = require('../../dist/instrumentations/http/semconv.js');
const url = require('../../dist/instrumentations/http/url.js');
const forwarded = require('../../dist/instrumentations/http/forwarded.js');
const { createPathMatcher } = require('../../dist/instrumentations/http/ignore-paths.js');
const headers = require('../../dist/instrumentations/http/headers.js');
const args = require('../../dist/instrumentations/http/request-args.js');

test('normalizeMethod: known methods as is, case variants canonical, others _OTHER named HTTP', () => {
  for (const [raw, method, original, spanName] of [
    ['GET', 'GET', undefined, 'GET'],
    ['PATCH', 'PATCH', undefined, 'PATCH'],
    ['get', 'GET', 'get', 'GET'],
    ['PROPFIND', '_OTHER', 'PROPFIND', 'HTTP'],
    ['foo', '_OTHER', 'foo', 'HTTP'],
    ['', 'GET', undefined, 'GET'],
    [undefined, 'GET', undefined, 'GET'],
  ]) {
    assert.deepEqual({ ...semconv.normalizeMethod(raw) }, { method, original, spanName }, String(raw));
  }
});

test('createMethodNormalizer: a full override of the known methods', () => {
  const normalize = semconv.createMethodNormalizer(['GET', 'PROPFIND']);
  assert.deepEqual({ ...normalize('PROPFIND') }, { method: 'PROPFIND', original: undefined, spanName: 'PROPFIND' });
  assert.deepEqual({ ...normalize('POST') }, { method: '_OTHER', original: 'POST', spanName: 'HTTP' });
  assert.deepEqual({ ...normalize(undefined) }, { method: 'GET', original: undefined, spanName: 'GET' });
});

test('status rules: 4xx is an error on CLIENT spans only, 5xx and codes outside 100-599 on both', () => {
  for (const [status, client, server] of [
    [100, false, false], [200, false, false], [302, false, false], [399, false, false],
    [400, true, false], [404, true, false], [499, true, false], [500, true, true], [503, true, true],
    [600, true, true], [99, true, true], [0, true, true],
  ]) {
    assert.equal(semconv.isClientErrorStatus(status), client, `client ${status}`);
    assert.equal(semconv.isServerErrorStatus(status), server, `server ${status}`);
  }
});

test('errorTypeOf: Node error code, else class name, else _OTHER', () => {
  class PaymentError extends Error {}
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  for (const [error, type] of [
    [refused, 'ECONNREFUSED'], [new TypeError('x'), 'TypeError'], [new PaymentError('x'), 'PaymentError'],
    [{ name: 'Custom' }, 'Custom'], [{ code: '' }, '_OTHER'], ['text', '_OTHER'], [null, '_OTHER'], [undefined, '_OTHER'],
  ]) {
    assert.equal(semconv.errorTypeOf(error), type);
  }
});

test('protocolVersion and defaultPort', () => {
  assert.equal(semconv.protocolVersion('1.1'), '1.1');
  assert.equal(semconv.protocolVersion('2.0'), '2');
  assert.equal(semconv.protocolVersion(''), undefined);
  assert.equal(semconv.defaultPort('https'), 443);
  assert.equal(semconv.defaultPort('https:'), 443);
  assert.equal(semconv.defaultPort('http:'), 80);
});

test('query redaction: default and extra keys, by whole key or word, values only', () => {
  const redact = url.createQueryRedactor(['my_private']);
  for (const [query, expected] of [
    ['q=OpenTelemetry&sig=abc', 'q=OpenTelemetry&sig=REDACTED'],
    ['AWSAccessKeyId=a&Signature=b&Expires=1', 'AWSAccessKeyId=REDACTED&Signature=REDACTED&Expires=1'],
    ['X-Amz-Signature=a&X-Goog-Signature=b&X-Amz-Date=1', 'X-Amz-Signature=REDACTED&X-Goog-Signature=REDACTED&X-Amz-Date=1'],
    ['access_token=t&apiKey=k&sessionId=s&my_private=p', 'access_token=REDACTED&apiKey=REDACTED&sessionId=REDACTED&my_private=REDACTED'],
    ['password=p&passwd=p&client_secret=s&auth=a', 'password=REDACTED&passwd=REDACTED&client_secret=REDACTED&auth=REDACTED'],
    ['author=a&monkey=m&design=d&keyword=k', 'author=a&monkey=m&design=d&keyword=k'],
    ['TOKEN=a&%74oken=b&page+token=c', 'TOKEN=REDACTED&%74oken=REDACTED&page+token=REDACTED'],
    ['token&token=&a=1&', 'token&token=REDACTED&a=1&'],
    ['sig=a=b', 'sig=REDACTED'],
    ['%zz=1&key=2', '%zz=1&key=REDACTED'],
    ['', ''],
  ]) {
    assert.equal(redact(query), expected, query);
  }
  const clean = 'a=1&b=2';
  assert.equal(redact(clean), clean);
  // Linear on hostile input.
  const hostile = 'a&'.repeat(50000) + 'token=x';
  assert.equal(redact(hostile), 'a&'.repeat(50000) + 'token=REDACTED');
});

test('redactUrl: credentials become REDACTED:REDACTED, query values redacted, the rest kept', () => {
  const redact = url.createQueryRedactor();
  for (const [input, expected] of [
    ['https://user:pw@example.com/p?sig=1&q=2#frag', 'https://REDACTED:REDACTED@example.com/p?sig=REDACTED&q=2#frag'],
    ['http://user@example.com/', 'http://REDACTED:REDACTED@example.com/'],
    ['http://example.com/a@b?x=1', 'http://example.com/a@b?x=1'],
    ['http://[::1]:8080/p?token=t', 'http://[::1]:8080/p?token=REDACTED'],
    ['http://example.com', 'http://example.com'],
    ['http://example.com?key=1', 'http://example.com?key=REDACTED'],
  ]) {
    assert.equal(url.redactUrl(input, redact), expected, input);
  }
});

test('splitTarget: origin-form, absolute-form, asterisk-form', () => {
  for (const [target, path, query] of [
    ['/a/b?c=1&d', '/a/b', 'c=1&d'],
    ['/a', '/a', undefined],
    ['/a?', '/a', ''],
    ['/a?b#c', '/a', 'b'],
    ['*', '*', undefined],
    ['http://h:1/p?q=1', '/p', 'q=1'],
    ['http://h?q=1', '/', 'q=1'],
    ['http://h', '/', undefined],
  ]) {
    assert.deepEqual({ ...url.splitTarget(target) }, { path, query }, target);
  }
});

test('Forwarded, X-Forwarded-* and Host parsing', () => {
  assert.deepEqual({ ...forwarded.parseForwarded('for="[2001:db8::17]:4711";proto=https;host=example.com:8443, for=10.0.0.1') },
    { for: '[2001:db8::17]:4711', proto: 'https', host: 'example.com:8443' });
  assert.deepEqual({ ...forwarded.parseForwarded('For=192.0.2.60;by=203.0.113.43') }, { for: '192.0.2.60' });
  assert.equal(forwarded.parseForwarded(undefined), undefined);
  assert.equal(forwarded.forwardedForAddress('[2001:db8::17]:4711'), '2001:db8::17');
  assert.equal(forwarded.forwardedForAddress('192.0.2.60:80'), '192.0.2.60');
  assert.equal(forwarded.forwardedForAddress('_hidden'), undefined);
  assert.equal(forwarded.forwardedForAddress('unknown'), undefined);
  assert.equal(forwarded.firstListItem(' 203.0.113.1 , 10.0.0.1'), '203.0.113.1');
  assert.equal(forwarded.firstListItem(['a, b', 'c']), 'a');
  assert.equal(forwarded.forwardedScheme('HTTPS'), 'https');
  assert.equal(forwarded.forwardedScheme('ftp'), undefined);
  for (const [value, expected] of [
    ['example.com', { address: 'example.com', port: undefined }],
    ['example.com:8080', { address: 'example.com', port: 8080 }],
    ['[::1]:3000', { address: '::1', port: 3000 }],
    ['[::1]', { address: '::1', port: undefined }],
    ['::1', { address: '::1', port: undefined }],
    ['example.com:99999', { address: 'example.com', port: undefined }],
    ['example.com:abc', { address: 'example.com', port: undefined }],
    [':80', undefined],
    ['[]', undefined],
    ['', undefined],
  ]) {
    const parsed = forwarded.parseHostPort(value);
    assert.deepEqual(parsed === undefined ? undefined : { ...parsed }, expected, value);
  }
});

test('ignore paths: exact paths and * globs', () => {
  assert.equal(createPathMatcher([]), undefined);
  assert.equal(createPathMatcher(['']), undefined);
  const ignored = createPathMatcher(['/health', '/internal/*', '*.ico', '/a*b', '/v1.0/(x)']);
  for (const [path, expected] of [
    ['/health', true], ['/health/', false], ['/healthz', false], ['/internal/', true], ['/internal/deep/er', true],
    ['/internal', false], ['/favicon.ico', true], ['/ab', true], ['/a/x/b', true], ['/v1.0/(x)', true], ['/v1x0/(x)', false],
  ]) {
    assert.equal(ignored(path), expected, path);
  }
  assert.equal(createPathMatcher(['*'])('/anything'), true);
});

test('header capture: string arrays, credentials always REDACTED, nothing when unconfigured', () => {
  assert.equal(headers.createHeaderCapture('http.request.header.', []), undefined);
  const capture = headers.createHeaderCapture('http.request.header.', ['X-Custom', 'authorization', 'cookie', 'x-missing', 'x-num']);
  const set = {};
  const span = { setAttribute: (k, v) => { set[k] = v; } };
  const raw = { 'x-custom': ['a', 'b'], authorization: 'Bearer t', cookie: 'c=1', 'x-num': 5 };
  capture(span, (name) => raw[name]);
  assert.deepEqual(set, {
    'http.request.header.x-custom': ['a', 'b'],
    'http.request.header.authorization': ['REDACTED'],
    'http.request.header.cookie': ['REDACTED'],
    'http.request.header.x-num': ['5'],
  });
  assert.deepEqual(headers.headerValues(['a', 1, {}]), ['a', '1']);
  assert.equal(headers.headerValues([]), undefined);
  assert.equal(headers.headerValues({}), undefined);
});

test('outgoingHeader reads headers node:http rendered without storing them', () => {
  const rendered = {
    getHeader: () => undefined,
    _header: 'HTTP/1.1 200 OK\r\nX-Res: r\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\r\n',
  };
  assert.deepEqual(headers.outgoingHeader(rendered, 'set-cookie'), ['a=1', 'b=2']);
  assert.deepEqual(headers.outgoingHeader(rendered, 'x-res'), ['r']);
  assert.equal(headers.outgoingHeader(rendered, 'x-none'), undefined);
  assert.equal(headers.outgoingHeader({ getHeader: () => 'v' }, 'x'), 'v');
  assert.equal(headers.outgoingHeader({ getHeader: () => undefined, _header: null }, 'x'), undefined);
});

test('request call forms: headers injected into copies, existing fields replaced in any case', () => {
  const inject = { traceparent: 'tp', tracestate: 'ts' };
  const cb = () => {};
  const u = new URL('http://h/p');
  const callerHeaders = Object.freeze({ Traceparent: 'old', 'x-a': '1' });
  const callerOptions = Object.freeze({ host: 'h', path: '/p', headers: callerHeaders });
  for (const [name, input, expected] of [
    ['url string', ['http://h/p'], ['http://h/p', { headers: inject }]],
    ['url + cb', ['http://h/p', cb], ['http://h/p', { headers: inject }, cb]],
    ['URL + options + cb', [u, { method: 'POST' }, cb], [u, { method: 'POST', headers: inject }, cb]],
    ['url + undefined + cb', ['http://h/p', undefined, cb], ['http://h/p', { headers: inject }, cb]],
    ['options + cb', [callerOptions, cb], [{ host: 'h', path: '/p', headers: { 'x-a': '1', ...inject } }, cb]],
    ['nothing', [], [{ headers: inject }]],
    ['cb only', [cb], [{ headers: inject }, cb]],
    ['raw headers', [{ headers: ['Host', 'h', 'TRACESTATE', 'x'] }], [{ headers: ['Host', 'h', 'traceparent', 'tp', 'tracestate', 'ts'] }]],
  ]) {
    assert.deepEqual(args.argsWithHeaders(input, inject), expected, name);
  }
  assert.equal(args.argsWithHeaders([{ headers: ['odd'] }], inject), undefined);
  assert.equal(args.argsWithHeaders([123, cb], inject), undefined);
  assert.deepEqual(callerHeaders, { Traceparent: 'old', 'x-a': '1' });
});

test('request method and endpoint as Node resolves them', () => {
  assert.equal(args.requestMethod([{ method: 'post' }]), 'POST');
  assert.equal(args.requestMethod(['http://h/', { method: 'PUT' }]), 'PUT');
  assert.equal(args.requestMethod(['http://h/']), 'GET');
  for (const [input, protocol, agentPort, expected] of [
    [['http://h/'], 'http:', 80, { port: 80, hasCredentials: false, socketPath: undefined }],
    [['http://u:p@h:8080/'], 'http:', 80, { port: 8080, hasCredentials: true, socketPath: undefined }],
    [[new URL('https://h/')], 'https:', 443, { port: 443, hasCredentials: false, socketPath: undefined }],
    [['http://h:8080/', { port: 9090 }], 'http:', 80, { port: 9090, hasCredentials: false, socketPath: undefined }],
    [[{ host: 'h', auth: 'u:p', defaultPort: 8443 }], 'https:', 443, { port: 8443, hasCredentials: true, socketPath: undefined }],
    [[{ socketPath: '/tmp/s.sock' }], 'http:', undefined, { port: 80, hasCredentials: false, socketPath: '/tmp/s.sock' }],
    [['not a url'], 'https:', undefined, { port: 443, hasCredentials: false, socketPath: undefined }],
  ]) {
    assert.deepEqual({ ...args.requestEndpoint(input, protocol, agentPort) }, expected, JSON.stringify(input));
  }
});

test('the attribute builders give only strings, numbers and booleans under non-empty keys, at most MAX_BUILT_KEYS (span.ts giveAttributes)', () => {
  const { MAX_BUILT_KEYS } = require('../../dist/src/attributes.js');
  const { serverRequestAttributes } = require('../../dist/instrumentations/http/server-attributes.js');
  const { clientRequestAttributes, clientResponseAttributes } = require('../../dist/instrumentations/http/client-attributes.js');
  const redact = url.createQueryRedactor();
  const check = (attributes, label) => {
    const keys = Object.keys(attributes);
    assert.ok(keys.length > 0 && keys.length <= MAX_BUILT_KEYS, `${label}: ${keys.length} keys`);
    for (const key of keys) {
      assert.ok(key.length > 0, label);
      assert.ok(['string', 'number', 'boolean'].includes(typeof attributes[key]), `${label}: ${key} = ${attributes[key]}`);
    }
  };
  const everyHeader = {
    host: 'shop.example:8443', forwarded: 'for="[2001:db8::1]:4711";proto=https;host=api.example', 'x-forwarded-for': '203.0.113.9, 10.0.0.1',
    'x-forwarded-host': 'edge.example', 'x-forwarded-proto': 'https', 'user-agent': 'curl/8.5.0',
  };
  const requests = [
    { headers: everyHeader, socket: { remoteAddress: '10.0.0.2', remotePort: 51000, encrypted: true }, httpVersion: '2.0', method: 'PURGE', url: '/a?token=x&b=2' },
    { headers: {}, socket: null, httpVersion: undefined, method: undefined, url: '' },
    { headers: { host: '' }, socket: { remoteAddress: undefined }, httpVersion: '1.1', method: 'get', url: '/' },
  ];
  for (const [i, request] of requests.entries()) {
    check(serverRequestAttributes(request, url.splitTarget(request.url || '/'), semconv.normalizeMethod(request.method), redact), `server ${i}`);
  }
  const clientRequest = { protocol: 'https:', host: '::1', path: '/x?sig=1', agent: { defaultPort: 443 } };
  check(clientRequestAttributes(clientRequest, { args: ['https://u:p@[::1]:8443/x?sig=1'], protocol: 'https:' }, semconv.normalizeMethod('POST'), redact), 'client');
  check(clientRequestAttributes({}, { args: [{ socketPath: '/tmp/s.sock' }], protocol: 'http:' }, semconv.normalizeMethod('FOO'), redact), 'client socket');
  check(clientResponseAttributes(clientRequest, { statusCode: 503, httpVersion: '1.1', socket: { remoteAddress: '::1', remotePort: 8443 } }), 'client response');
});
