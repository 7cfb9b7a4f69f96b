'use strict';
// The exporter's HTTP/1.1 response reader, fed whole, byte by byte, and in
// every two-piece split, so framing that straddles socket chunks is covered.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { ResponseParser } = require('../../dist/src/export/http-response-parser.js');

/** Feeds `pieces` (strings, latin1) and returns the parser. */
function parse(...pieces) {
  const parser = new ResponseParser();
  for (const piece of pieces) parser.feed(Buffer.from(piece, 'latin1'));
  return parser;
}

/** Parses `text` whole, byte by byte and split at every position; all must agree. */
function parseAllWays(text) {
  const results = [parse(text), parse(...text.split(''))];
  for (let i = 1; i < text.length; i++) results.push(parse(text.slice(0, i), text.slice(i)));
  const summary = (p) => ({
    status: p.status, headers: p.headers, complete: p.complete, keepAlive: p.keepAlive,
    error: p.error?.message, body: p.body().toString('latin1'),
  });
  const first = summary(results[0]);
  for (const r of results) assert.deepEqual(summary(r), first);
  return first;
}

test('Content-Length body, keep-alive by default in HTTP/1.1; names lower-cased, repeats joined', () => {
  const r = parseAllWays('HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 5\r\n\r\nhello');
  assert.deepEqual(r, {
    status: 200, complete: true, keepAlive: true, error: undefined, body: 'hello',
    headers: { 'content-type': 'application/x-protobuf', 'x-a': '1, 2', 'content-length': '5' },
  });
});

test('chunked body with extensions and trailers', () => {
  const r = parseAllWays('HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nbad \r\n7\r\nrequest\r\n0\r\nX-Trailer: t\r\n\r\n');
  assert.equal(r.status, 400);
  assert.equal(r.body, 'bad request');
  assert.equal(r.complete, true);
  assert.equal(r.keepAlive, true);
});

test('interim 1xx responses are skipped', () => {
  const r = parseAllWays('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n');
  assert.equal(r.status, 204);
  assert.equal(r.complete, true);
  assert.deepEqual(r.headers, {});
});

test('Connection: close and HTTP/1.0 end the connection after the response', () => {
  assert.equal(parseAllWays('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').keepAlive, false);
  assert.equal(parseAllWays('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').keepAlive, false);
  assert.equal(parseAllWays('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n').keepAlive, true);
});

test('a body without length is read until the connection ends', () => {
  const p = parse('HTTP/1.1 200 OK\r\n\r\nsome', ' bytes');
  assert.equal(p.complete, false);
  assert.equal(p.endOfInput(), true);
  assert.equal(p.body().toString(), 'some bytes');
  assert.equal(p.keepAlive, false);
});

test('a response cut short is incomplete at the end of input', () => {
  assert.equal(parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc').endOfInput(), false);
  assert.equal(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab').endOfInput(), false);
  assert.equal(parse('HTTP/1.1 200 O').endOfInput(), false);
});

test('bytes after the response stop keep-alive (no pipelining here)', () => {
  const p = parse('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n');
  assert.equal(p.complete, true);
  assert.equal(p.keepAlive, false);
});

test('garbage is an error, never a throw', () => {
  for (const text of [
    'SSH-2.0-OpenSSH\r\n\r\n',
    'HTTP/1.1 2000 OK\r\n\r\n',
    'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc\r\n',
  ]) {
    const p = parse(text);
    assert.ok(p.error instanceof Error, text);
    assert.equal(p.keepAlive, false, text);
  }
  const huge = parse(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70 * 1024)}`);
  assert.match(huge.error.message, /too large/);
});

test('a large body is read to the end but only its start is kept', () => {
  const p = parse('HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n', 'x'.repeat(100_000), 'y'.repeat(100_000));
  assert.equal(p.complete, true);
  assert.ok(p.body().length >= 64 * 1024 && p.body().length <= 200_000);
});
