'use strict';
// The counting OTLP receiver, run as its own process so its decoding never
// blocks the bench runner: it starts spanwise's OTLP/HTTP receiver, forgets
// each span once counted (memory stays flat over a long run), and answers
// { type: 'count' } messages with the totals and its own CPU time.
const { startOtlpReceiver } = require('../../dist/src/export/otlp-receiver.js');

let spans = 0;
let requests = 0;

startOtlpReceiver({
  onSpans: (received) => {
    spans += received.length;
    requests++;
  },
}).then((receiver) => {
  // onSpans runs after the spans were stored; drop them right away.
  const clear = setInterval(() => receiver.clear(), 200);
  process.send({ type: 'ready', url: receiver.url });
  process.on('message', (message) => {
    if (message.type === 'count') process.send({ type: 'count', spans, requests, cpu: process.cpuUsage() });
    if (message.type === 'stop') {
      clearInterval(clear);
      receiver.close().finally(() => process.disconnect());
    }
  });
}, (error) => {
  console.error(error);
  process.exit(1);
});
