'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { BatchSpanProcessor } = require('../../dist/src/export/batch-processor.js');

const span = (i) => ({ name: `s${i}` });
const options = (o = {}) => ({ scheduleDelayMs: 10, exportTimeoutMs: 1000, maxQueueSize: 8, maxExportBatchSize: 4, ...o });

function recordingExporter(result = { ok: true }) {
  const batches = [];
  return {
    batches,
    export: async (spans) => { batches.push(spans.map((s) => s.name)); return typeof result === 'function' ? result() : result; },
    shutdown: async () => { batches.push('shutdown'); },
  };
}

function muteStderr(t) {
  const original = process.stderr.write;
  process.stderr.write = () => true;
  t.after(() => { process.stderr.write = original; });
}

test('exports full batches at once and the rest after the schedule delay', async () => {
  const exporter = recordingExporter();
  const p = new BatchSpanProcessor(exporter, options());
  for (let i = 0; i < 6; i++) p.onEnd(span(i));
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(exporter.batches, [['s0', 's1', 's2', 's3'], ['s4', 's5']]);
  assert.equal(p.stats.exported, 6);
});

test('a full queue drops the newest spans, counts them, and warns once, not once per span', async (t) => {
  const original = process.stderr.write;
  const lines = [];
  process.stderr.write = (chunk) => { lines.push(String(chunk)); return true; };
  t.after(() => { process.stderr.write = original; });
  let release;
  const gate = new Promise((r) => { release = r; });
  const exporter = recordingExporter(() => gate.then(() => ({ ok: true })));
  const p = new BatchSpanProcessor(exporter, options({ maxQueueSize: 4, maxExportBatchSize: 4, scheduleDelayMs: 1000 }));
  for (let i = 0; i < 4; i++) p.onEnd(span(i));
  await new Promise((r) => setTimeout(r, 5));
  for (let i = 4; i < 16; i++) p.onEnd(span(i));
  assert.equal(p.stats.droppedQueueFull, 8);
  assert.equal(lines.filter((l) => l.includes('span queue full')).length, 1);
  release();
  await p.shutdown();
  assert.deepEqual(exporter.batches, [['s0', 's1', 's2', 's3'], ['s4', 's5', 's6', 's7'], 'shutdown']);
});

test('failed and timed-out exports are counted, never thrown', async (t) => {
  muteStderr(t);
  const failing = new BatchSpanProcessor(recordingExporter({ ok: false, error: new Error('503') }), options());
  failing.onEnd(span(1));
  await failing.forceFlush();
  assert.equal(failing.stats.failed, 1);
  const hanging = new BatchSpanProcessor({ export: () => new Promise(() => {}), shutdown: async () => {} },
    options({ exportTimeoutMs: 20 }));
  hanging.onEnd(span(1));
  const keepAlive = setTimeout(() => {}, 5000); // the processor's own timers are unref'd on purpose
  await hanging.forceFlush();
  clearTimeout(keepAlive);
  assert.equal(hanging.stats.failed, 1);
  const throwing = new BatchSpanProcessor({ export: () => { throw new Error('boom'); }, shutdown: async () => {} }, options());
  throwing.onEnd(span(1));
  await throwing.forceFlush();
  assert.equal(throwing.stats.failed, 1);
});

test('forceFlush drains everything; after shutdown spans are ignored', async () => {
  const exporter = recordingExporter();
  const p = new BatchSpanProcessor(exporter, options({ scheduleDelayMs: 60000, maxQueueSize: 100, maxExportBatchSize: 4 }));
  for (let i = 0; i < 10; i++) p.onEnd(span(i));
  await p.shutdown();
  p.onEnd(span(99));
  assert.deepEqual(exporter.batches.flat().length, 11);
  assert.equal(exporter.batches.at(-1), 'shutdown');
  assert.equal(p.stats.exported, 10);
});

test('timers never keep the process alive', async () => {
  const { spawnSync } = require('node:child_process');
  const script = `
    const { BatchSpanProcessor } = require(${JSON.stringify(require.resolve('../../dist/src/export/batch-processor.js'))});
    const p = new BatchSpanProcessor({ export: async () => ({ ok: true }), shutdown: async () => {} },
      { scheduleDelayMs: 600000, exportTimeoutMs: 1000, maxQueueSize: 10, maxExportBatchSize: 5 });
    p.onEnd({ name: 'x' });`;
  const r = spawnSync(process.execPath, ['-e', script], { timeout: 10000 });
  assert.equal(r.status, 0);
});
