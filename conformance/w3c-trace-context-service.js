'use strict';
// The service under test for the W3C Trace Context test suite
// (github.com/w3c/trace-context, test/): POST /test with a JSON array of
// { url, arguments } makes one POST to each url with `arguments` as its JSON
// body. There is no tracing code here: run it with the agent,
//
//   PORT=7777 node --import ./register.js conformance/w3c-trace-context-service.js
//   python test.py http://127.0.0.1:7777/test          (in the suite's test/ folder)
//
// and spanwise continues the incoming trace context on every outgoing call.
const http = require('node:http');

const port = Number(process.env.PORT || 7777);

async function readJson(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return JSON.parse(body || '[]');
}

const server = http.createServer(async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/test') {
    res.writeHead(404).end();
    return;
  }
  try {
    const calls = await readJson(req);
    for (const call of Array.isArray(calls) ? calls : []) {
      const reply = await fetch(call.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(call.arguments ?? []),
      });
      await reply.arrayBuffer();
    }
    res.writeHead(200).end();
  } catch (err) {
    res.writeHead(500).end(String(err && err.message));
  }
});

server.listen(port, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => server.close());
