'use strict';
// Which failures the OTLP/HTTP exporter retries, and how long it waits.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const {
  isRetryableStatus,
  isRetryableNetworkError,
  parseRetryAfter,
  backoffDelayMs,
} = require('../../dist/src/export/retry-policy.js');

test('retryable statuses are exactly the OTLP/HTTP spec list', () => {
  for (let status = 100; status < 600; status++) {
    assert.equal(isRetryableStatus(status), [429, 502, 503, 504].includes(status), `${status}`);
  }
});

test('connection failures are retryable, other errors are not', () => {
  const cases = [
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), true],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), true],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    [new Error('socket hang up'), true],
    [Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }), true],
    [Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }), true],
    [Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), false],
    [Object.assign(new Error('cert'), { code: 'CERT_HAS_EXPIRED' }), false],
    [Object.assign(new Error('timed out'), { code: 'SPANWISE_EXPORT_TIMEOUT' }), false],
    [new Error('boom'), false],
    [undefined, false],
    ['ECONNREFUSED', false],
  ];
  for (const [error, expected] of cases) {
    assert.equal(isRetryableNetworkError(error), expected, `${error && error.message}`);
  }
});

test('Retry-After: seconds or an HTTP date (RFC 9110 10.2.3)', () => {
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
  const cases = [
    ['0', 0],
    ['3', 3000],
    [' 120 ', 120_000],
    [['2', '9'], 2000],
    ['Wed, 21 Oct 2015 07:28:05 GMT', 5000],
    ['Wed, 21 Oct 2015 07:27:00 GMT', 0],
    ['-1', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [header, expected] of cases) {
    assert.equal(parseRetryAfter(header, now), expected, JSON.stringify(header));
  }
});

test('backoff doubles from the base, is capped at 5 s, and is jittered within [half, full]', () => {
  const low = () => 0;
  const high = () => 1;
  const cases = [
    [0, 1000, 500, 1000],
    [1, 1000, 1000, 2000],
    [2, 1000, 2000, 4000],
    [3, 1000, 2500, 5000],
    [50, 1000, 2500, 5000],
    [0, 10, 5, 10],
  ];
  for (const [attempt, base, min, max] of cases) {
    assert.equal(backoffDelayMs(attempt, base, low), min, `attempt ${attempt} low`);
    assert.equal(backoffDelayMs(attempt, base, high), max, `attempt ${attempt} high`);
    const any = backoffDelayMs(attempt, base);
    assert.ok(any >= min && any <= max, `attempt ${attempt}: ${any}`);
  }
});
