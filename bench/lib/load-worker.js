'use strict';
// The load generator, run as its own process so it never shares an event loop
// with the server it measures: `node load-worker.js '<json options>'` runs
// autocannon once and prints one JSON line with the result.
const autocannon = require('autocannon');

const opts = JSON.parse(process.argv[2]);
autocannon({
  url: opts.url,
  connections: opts.connections,
  ...(opts.duration ? { duration: opts.duration } : {}),
  pipelining: 1,
  timeout: 10,
  ...(opts.rate ? { overallRate: opts.rate } : {}),
  // A number of requests instead of a duration (autocannon then ignores duration).
  ...(opts.amount ? { amount: opts.amount } : {}),
}, (error, result) => {
  if (error) {
    process.stdout.write(`${JSON.stringify({ error: String(error && error.message) })}\n`);
    process.exitCode = 1;
    return;
  }
  const ok = result['2xx'];
  process.stdout.write(`${JSON.stringify({
    completed: ok + result.non2xx,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    rps: (ok + result.non2xx) / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
  })}\n`);
});
