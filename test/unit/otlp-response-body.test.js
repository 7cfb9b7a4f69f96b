'use strict';
// Reading partial success and error messages from collector responses.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { readPartialSuccess, readErrorMessage } = require('../../dist/src/export/otlp-response-body.js');
const protoRoot = require('otlp-proto-defs/build/src/generated/root.js');

const ExportResponse = protoRoot.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
const PROTO = 'application/x-protobuf';
const JSON_TYPE = 'application/json; charset=utf-8';

function protoResponse(partialSuccess) {
  return ExportResponse.encode(ExportResponse.create({ partialSuccess })).finish();
}

/** google.rpc.Status { code = 1; message = 2 } encoded by hand. */
function protoStatus(code, message) {
  const text = Buffer.from(message, 'utf8');
  return Buffer.from([0x08, code, 0x12, text.length, ...text]);
}

test('partial success in protobuf responses', () => {
  assert.deepEqual(readPartialSuccess(protoResponse({ rejectedSpans: 3, errorMessage: 'too old' }), PROTO), {
    rejectedSpans: 3,
    errorMessage: 'too old',
  });
  assert.deepEqual(readPartialSuccess(protoResponse({ rejectedSpans: 300_000 }), PROTO), {
    rejectedSpans: 300_000,
    errorMessage: '',
  });
  assert.equal(readPartialSuccess(protoResponse({}), PROTO), undefined, 'empty partial success means full success');
  assert.equal(readPartialSuccess(protoResponse(undefined), PROTO), undefined);
  assert.equal(readPartialSuccess(Buffer.alloc(0), PROTO), undefined);
  assert.equal(readPartialSuccess(Buffer.from([0x0a, 0x20, 0x08]), PROTO), undefined, 'truncated');
  assert.equal(readPartialSuccess(Buffer.from([0xff, 0xff, 0xff]), PROTO), undefined, 'garbage');
});

test('partial success in JSON responses (camelCase and snake_case, int64 as string)', () => {
  const cases = [
    ['{"partialSuccess":{"rejectedSpans":"2","errorMessage":"bad"}}', { rejectedSpans: 2, errorMessage: 'bad' }],
    ['{"partial_success":{"rejected_spans":1}}', { rejectedSpans: 1, errorMessage: '' }],
    ['{"partialSuccess":{"errorMessage":"warning only"}}', { rejectedSpans: 0, errorMessage: 'warning only' }],
    ['{"partialSuccess":{}}', undefined],
    ['{}', undefined],
    ['not json', undefined],
    ['null', undefined],
  ];
  for (const [body, expected] of cases) {
    assert.deepEqual(readPartialSuccess(Buffer.from(body), JSON_TYPE), expected, body);
  }
});

test('error messages from google.rpc.Status, JSON or plain text', () => {
  assert.equal(readErrorMessage(protoStatus(3, 'invalid span id'), PROTO), 'invalid span id');
  assert.equal(readErrorMessage(Buffer.from('{"code":3,"message":"bad span"}'), JSON_TYPE), 'bad span');
  assert.equal(readErrorMessage(Buffer.from('<html>\n  Bad   Gateway\n</html>'), 'text/html'), '<html> Bad Gateway </html>');
  assert.equal(readErrorMessage(Buffer.alloc(0), PROTO), '');
  assert.equal(readErrorMessage(Buffer.from('x'.repeat(1000)), undefined).length, 303);
});
