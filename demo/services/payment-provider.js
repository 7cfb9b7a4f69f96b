'use strict';
// The "external payment API" that payment-service calls (the seed's Stripe
// charge). A plain node:http stub that the demo runs in its own process,
// without the agent, as a third party would be: its spans never appear, only
// payment-service's CLIENT span for the call. It behaves by card number.
const http = require('node:http');
const { randomBytes } = require('node:crypto');

/** Card numbers the stub knows; any other valid number succeeds. */
const CARDS = Object.freeze({
  ok: '4242424242424242',
  declined: '4000000000000002',
  slow: '4000000000000077',
});

/** How long the slow card takes by default; longer than order-service's payment timeout. */
const DEFAULT_SLOW_MS = 2000;

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function charge(res, request, slowMs, timers) {
  const succeed = () => reply(res, 200, { id: `ch_${randomBytes(6).toString('hex')}`, status: 'succeeded', amount: request.amount });
  if (request.card === CARDS.declined) {
    reply(res, 402, { error: { code: 'card_declined', message: 'Your card was declined.' } });
  } else if (request.card === CARDS.slow) {
    const timer = setTimeout(() => { timers.delete(timer); succeed(); }, slowMs);
    timers.add(timer);
  } else {
    succeed();
  }
}

/**
 * Starts the stub on 127.0.0.1 (a free port unless `port` is given).
 * Resolves with { url, pending(), close() }: pending() counts slow charges not
 * yet answered; close() drops them.
 */
function startPaymentProvider({ port = 0, slowMs = DEFAULT_SLOW_MS } = {}) {
  const timers = new Set();
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { text += chunk; });
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/charges') return reply(res, 404, { error: { message: 'not found' } });
      let request;
      try {
        request = JSON.parse(text);
      } catch {
        return reply(res, 400, { error: { message: 'body is not JSON' } });
      }
      charge(res, request, slowMs, timers);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const close = () => new Promise((done) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => done());
        server.closeAllConnections();
      });
      resolve({ url: `http://127.0.0.1:${server.address().port}`, pending: () => timers.size, close });
    });
  });
}

module.exports = { startPaymentProvider, CARDS, DEFAULT_SLOW_MS };
