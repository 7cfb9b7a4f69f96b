'use strict';
// api-gateway: the entry point of the seed's order flow. POST /api/orders is
// forwarded to order-service with node:http. No tracing code: the agent
// (node --import spanwise/register) makes the spans and carries the context.
const http = require('node:http');
const express = require('express');
const { serve, requireEnv } = require('./lifecycle');

const NAME = 'api-gateway';
const ORDER_SERVICE_URL = requireEnv(NAME, 'ORDER_SERVICE_URL');

/** POSTs `body` as JSON; resolves with { status, body } once the whole reply is in. */
function postJson(url, body) {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode, body: text === '' ? {} : JSON.parse(text) });
        } catch (err) {
          reject(err);
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const app = express();
app.use(express.json());

app.post('/api/orders', async (req, res) => {
  const reply = await postJson(new URL('/orders', ORDER_SERVICE_URL), req.body);
  res.status(reply.status).json(reply.body);
});

// Express 5 routes a rejected handler promise here.
app.use((err, req, res, next) => {
  res.status(502).json({ status: 'failed', error: `order-service unavailable: ${err.message}` });
});

serve(NAME, app);
