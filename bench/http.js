'use strict';
// End-to-end HTTP benchmark (issue 4): a node:http hello-world route and a route
// making one outgoing fetch to a local upstream, under autocannon, with no agent,
// spanwise and OpenTelemetry's auto-instrumentation. See lib/e2e.js for the method.
const { runSuite } = require('./lib/e2e');

const ROUTES = [
  { id: 'hello', label: 'node:http hello', app: 'http-server.js', path: '/hello', target: 0.85 },
  { id: 'fetch', label: 'node:http + fetch', app: 'http-server.js', path: '/fetch', target: 0.92 },
];

/** Runs the suite and prints its table. */
function main() {
  return runSuite({ title: 'http', routes: ROUTES });
}

module.exports = { main };

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
