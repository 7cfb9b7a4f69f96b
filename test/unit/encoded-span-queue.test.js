'use strict';
// The queue that encodes spans to OTLP protobuf as they end: its requests must be
// the very bytes the batch encoder writes for the same spans, split into batches
// of at most maxExportBatchSize, and the processor must count what it sends.
const test = require('node:test');
const assert = require('node:assert/strict');
const { EncodedSpanQueue } = require('../../dist/src/export/encoded-span-queue.js');
const { BatchSpanProcessor } = require('../../dist/src/export/batch-processor.js');
const { encodeTraceRequestProtobuf } = require('../../dist/src/export/otlp-protobuf.js');
const { decodeTraceRequestProtobuf } = require('../../dist/src/export/otlp-decode.js');
const { fixtureSpans, makeSpan } = require('../support/finished-spans.js');

function collectingQueue(batchSize) {
  const sent = [];
  const queue = new EncodedSpanQueue(async (batch) => {
    sent.push({ count: batch.count, body: Buffer.from(batch.body) }); // a copy: the body is reused once its send settles
    return { ok: true };
  }, batchSize);
  return { queue, sent };
}

test('a batch of interleaved resources and scopes encodes to the same bytes as the batch encoder', async () => {
  const spans = fixtureSpans();
  const { queue, sent } = collectingQueue(512);
  for (const span of spans) queue.push(span);
  assert.equal(queue.length, spans.length);
  const batch = queue.take();
  assert.equal(batch.count, spans.length);
  assert.equal(queue.length, 0);
  assert.equal(queue.take(), undefined);
  await batch.send();
  assert.deepEqual(sent[0].body, Buffer.from(encodeTraceRequestProtobuf(spans)));
});

test('spans are cut into segments of at most the batch size, in order, and buffers are reused without mixing', async () => {
  const { queue, sent: firstSent } = collectingQueue(3);
  const names = [];
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 7; i++) {
      const name = `span-${round}-${i}`;
      names.push(name);
      queue.push(makeSpan({ name, attributes: { i, long: 'x'.repeat(i * 3000) } }));
    }
    const got = [];
    for (let batch = queue.take(); batch !== undefined; batch = queue.take()) {
      assert.ok(batch.count <= 3);
      await batch.send();
      got.push(batch.count);
    }
    assert.deepEqual(got, [3, 3, 1]);
  }
  const firstNames = firstSent.flatMap((b) => decodeTraceRequestProtobuf(b.body)).map((s) => s.name);
  assert.deepEqual(firstNames, names);
  // Re-encode through a fresh queue and decode, to check content across grown and reused buffers.
  const { queue: q2, sent } = collectingQueue(4);
  for (let i = 0; i < 9; i++) q2.push(makeSpan({ name: `n${i}`, attributes: { big: 'y'.repeat(i * 5000), i } }));
  for (let batch = q2.take(); batch !== undefined; batch = q2.take()) await batch.send();
  const decoded = sent.flatMap((b) => decodeTraceRequestProtobuf(b.body));
  assert.deepEqual(decoded.map((s) => s.name), ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8']);
  decoded.forEach((s, i) => {
    assert.equal(s.attributes.i, i);
    assert.equal(s.attributes.big.length, i * 5000);
  });
});

test('the batch processor exports encoded batches and counts them; an encoding error is counted, not thrown', async () => {
  const { queue, sent } = collectingQueue(2);
  const exporter = { export: async () => ({ ok: true }), shutdown: async () => {} };
  const p = new BatchSpanProcessor(exporter, { scheduleDelayMs: 60_000, exportTimeoutMs: 1000, maxQueueSize: 10, maxExportBatchSize: 2 }, queue);
  for (let i = 0; i < 5; i++) p.onEnd(makeSpan({ name: `s${i}` }));
  // A span the encoder cannot read: the app's span.end() must not see our error.
  assert.doesNotThrow(() => p.onEnd({ name: 'broken' }));
  await p.shutdown();
  assert.deepEqual(sent.map((b) => b.count), [2, 2, 1]);
  assert.equal(p.stats.exported, 5);
  assert.equal(p.stats.failed, 1);
});

test('a queue that fails to build a batch loses only that batch, counted, and the processor goes on', async () => {
  let calls = 0;
  const queue = {
    items: 0,
    get length() { return this.items; },
    push() { this.items++; },
    take() {
      if (this.items === 0) return undefined;
      const n = Math.min(2, this.items);
      this.items -= n;
      if (++calls === 1) throw new Error('encoder bug');
      return { count: n, send: async () => ({ ok: true }) };
    },
  };
  const exporter = { export: async () => ({ ok: true }), shutdown: async () => {} };
  const p = new BatchSpanProcessor(exporter, { scheduleDelayMs: 60_000, exportTimeoutMs: 1000, maxQueueSize: 10, maxExportBatchSize: 2 }, queue);
  for (let i = 0; i < 5; i++) p.onEnd(makeSpan({ name: `s${i}` }));
  await p.shutdown();
  assert.equal(p.stats.failed, 2);
  assert.equal(p.stats.exported, 3);
});

test('spans wait to be encoded eight at a time: counted while they wait, all sent by take, nothing kept', async () => {
  const { queue, sent } = collectingQueue(512);
  for (let i = 0; i < 11; i++) {
    queue.push(makeSpan({ name: `w${i}` }));
    assert.equal(queue.length, i + 1);
  }
  const batch = queue.take();
  assert.equal(batch.count, 11);
  assert.equal(queue.length, 0);
  await batch.send();
  assert.deepEqual(decodeTraceRequestProtobuf(sent[0].body).map((s) => s.name), ['w0', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8', 'w9', 'w10']);
  assert.equal(queue.take(), undefined);
});

test('a span that fails to encode among others waiting is lost alone, counted by the processor, and the rest are sent', async () => {
  const { queue, sent } = collectingQueue(512);
  const exporter = { export: async () => ({ ok: true }), shutdown: async () => {} };
  const p = new BatchSpanProcessor(exporter, { scheduleDelayMs: 60_000, exportTimeoutMs: 1000, maxQueueSize: 100, maxExportBatchSize: 512 }, queue);
  // The eighth push encodes the eight: the broken third one fails there, on a later span's end.
  for (let i = 0; i < 8; i++) assert.doesNotThrow(() => p.onEnd(i === 2 ? { name: 'broken' } : makeSpan({ name: `ok${i}` })));
  assert.equal(p.stats.failed, 1);
  assert.equal(queue.length, 7);
  // Two more: one broken, found when shutdown's take encodes what still waits.
  p.onEnd(makeSpan({ name: 'ok8' }));
  p.onEnd({ name: 'broken' });
  await p.shutdown();
  assert.equal(p.stats.failed, 2);
  assert.equal(p.stats.exported, 8);
  const names = sent.flatMap((b) => decodeTraceRequestProtobuf(b.body)).map((s) => s.name);
  assert.deepEqual(names, ['ok0', 'ok1', 'ok3', 'ok4', 'ok5', 'ok6', 'ok7', 'ok8']);
});
