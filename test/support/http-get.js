'use strict';
// A plain GET from the test process (no agent here), with a bounded wait.
const http = require('node:http');

/** GETs `url` with `headers` on a fresh connection; resolves { status, body }. */
function get(url, headers) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.setTimeout(10000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

module.exports = { get };
