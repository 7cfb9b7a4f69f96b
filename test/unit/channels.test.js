'use strict';
// runInChosenContext's emitter binding (src/channels.ts): a close hook reaches
// every chosen emitter, bound or not. The agent runs in this process, exporting nothing.
process.env.OTEL_TRACES_EXPORTER = 'none';
const test = require('node:test');
const assert = require('node:assert/strict');
const dc = require('node:diagnostics_channel');
const { EventEmitter } = require('node:events');
const { context, createContextKey } = require('@opentelemetry/api');
const { startAgent } = require('../../dist/src/agent.js');
const { publishAndRun, subscribeContextChoice } = require('../../dist/src/channels.js');

const agent = startAgent();
const KEY = createContextKey('test.choice');
const channel = dc.channel('spanwise:test:choice');
subscribeContextChoice(channel.name, 'test', (message, active) => {
  message.bindEmitters = message.emitters;
  message.onClose = (e) => message.closed.push(e.name);
  return active.setValue(KEY, 'chosen');
});

function run(emitters) {
  const message = { emitters, closed: [] };
  const seen = publishAndRun(channel, message, () => context.active().getValue(KEY), undefined, []);
  return { message, seen };
}

function named(name) {
  const e = new EventEmitter();
  e.name = name;
  return e;
}

test('the close hook runs for bound emitters, for emitters bound before, and for those that cannot be bound', () => {
  const fresh = named('fresh');
  const boundBefore = named('boundBefore');
  agent.contextManager.bind(agent.rootContext, boundBefore);
  const frozenEmit = named('frozenEmit');
  Object.defineProperty(frozenEmit, 'emit', { value: EventEmitter.prototype.emit, writable: false });
  const after = named('after');
  const { message, seen } = run([fresh, boundBefore, frozenEmit, after]);
  assert.equal(seen, 'chosen');
  for (const e of [fresh, boundBefore, frozenEmit, after]) {
    e.emit('close');
    e.emit('close');
  }
  assert.deepEqual(message.closed, ['fresh', 'boundBefore', 'frozenEmit', 'after']);
  // The listener a hook needed is gone after it ran.
  assert.equal(boundBefore.listenerCount('close'), 0);
});
