'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { readConfig, parseKeyValueList } = require('../../dist/src/config.js');
const { setLogLevel } = require('../../dist/src/log.js');

function withStderr(fn) {
  const original = process.stderr.write;
  let text = '';
  process.stderr.write = (chunk) => { text += chunk; return true; };
  try {
    return [fn(), text];
  } finally {
    process.stderr.write = original;
    setLogLevel('warn');
  }
}

test('defaults follow the OpenTelemetry specification', () => {
  const c = readConfig({});
  assert.equal(c.disabled, false);
  assert.equal(c.sampler, 'parentbased_always_on');
  assert.deepEqual(c.propagators, ['tracecontext', 'baggage']);
  assert.deepEqual(c.exporters, ['otlp']);
  assert.equal(c.otlp.url, 'http://localhost:4318/v1/traces');
  assert.equal(c.otlp.protocol, 'http/protobuf');
  assert.equal(c.otlp.timeoutMs, 10000);
  assert.deepEqual(c.bsp, { scheduleDelayMs: 5000, exportTimeoutMs: 30000, maxQueueSize: 2048, maxExportBatchSize: 512 });
  assert.equal(c.limits.attributeCountLimit, 128);
  assert.equal(c.limits.attributeValueLengthLimit, Infinity);
  assert.deepEqual(c.instrumentations, ['http', 'fetch', 'pg', 'express']);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.otlp));
});

test('endpoint path rules: /v1/traces is appended to the generic endpoint only', () => {
  const cases = [
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, 'http://c:4318/v1/traces'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }, 'http://c:4318/v1/traces'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c/base' }, 'https://c/base/v1/traces'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom' }, 'http://c:4318/custom'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b/x' }, 'http://b/x'],
  ];
  for (const [env, url] of cases) assert.equal(readConfig(env).otlp.url, url, JSON.stringify(env));
});

test('signal-specific OTLP settings win over generic ones', () => {
  const c = readConfig({
    OTEL_EXPORTER_OTLP_HEADERS: 'a=1,b=2',
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'api-key=s%20ecret',
    OTEL_EXPORTER_OTLP_TIMEOUT: '500',
    OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  });
  assert.deepEqual(c.otlp.headers, { 'api-key': 's ecret' });
  assert.equal(c.otlp.timeoutMs, 500);
  assert.equal(c.otlp.compression, 'gzip');
  assert.equal(c.otlp.protocol, 'http/json');
});

test('a bad value warns once naming the variable, the value and the default', () => {
  const cases = [
    ['OTEL_BSP_MAX_QUEUE_SIZE', 'lots', (c) => c.bsp.maxQueueSize, 2048],
    ['OTEL_TRACES_SAMPLER', 'sometimes', (c) => c.sampler, 'parentbased_always_on'],
    ['OTEL_SDK_DISABLED', 'yes', (c) => c.disabled, false],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'not a url', (c) => c.otlp.url, 'http://localhost:4318/v1/traces'],
    ['OTEL_TRACES_SAMPLER_ARG', '2', (c) => c.samplerRatio, 1],
    ['OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', '-1', (c) => c.limits.attributeCountLimit, 128],
  ];
  for (const [name, value, read, expected] of cases) {
    const env = { [name]: value };
    if (name === 'OTEL_TRACES_SAMPLER_ARG') env.OTEL_TRACES_SAMPLER = 'traceidratio';
    const [c, stderr] = withStderr(() => readConfig(env));
    assert.equal(read(c), expected, name);
    assert.match(stderr, new RegExp(name), name);
    assert.ok(stderr.includes(JSON.stringify(value)), `${name} names the bad value`);
    assert.match(stderr, /default/, name);
  }
});

test('general attribute limits are the fallback of the span-specific ones', () => {
  const c = readConfig({ OTEL_ATTRIBUTE_COUNT_LIMIT: '5', OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '10', OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '7' });
  assert.equal(c.limits.attributeCountLimit, 7);
  assert.equal(c.limits.attributeValueLengthLimit, 10);
  assert.equal(c.limits.attributePerEventCountLimit, 5);
  assert.equal(c.limits.attributePerLinkCountLimit, 5);
});

test('instrumentation selection lists warn about unknown names and list the valid ones', () => {
  const [c, stderr] = withStderr(() => readConfig({
    OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,pg,redis', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg',
  }));
  assert.deepEqual(c.instrumentations, ['http']);
  assert.match(stderr, /redis/);
  assert.match(stderr, /http, fetch, pg, express/);
});

test('OTEL_RESOURCE_ATTRIBUTES is percent-decoded, and discarded whole when invalid', () => {
  assert.deepEqual(parseKeyValueList('X', 'service.name=a%20b,team=x', true), { 'service.name': 'a b', team: 'x' });
  const [bad] = withStderr(() => parseKeyValueList('X', 'ok=1,broken', true));
  assert.deepEqual(bad, {});
  const [badPct] = withStderr(() => parseKeyValueList('X', 'a=%E0%A4%A', true));
  assert.deepEqual(badPct, {});
});

test('OTEL_TRACES_EXPORTER=none exports nothing; console is accepted', () => {
  assert.deepEqual(readConfig({ OTEL_TRACES_EXPORTER: 'none' }).exporters, []);
  assert.deepEqual(readConfig({ OTEL_TRACES_EXPORTER: 'console,otlp' }).exporters, ['console', 'otlp']);
});
