'use strict';
// payment-service: POST /charge charges a card through the external payment
// API with fetch. No tracing code: the server span, the express route and the
// outgoing fetch span come from the agent. The external API itself runs
// without the agent (demo/services/payment-provider.js), like a third party.
const express = require('express');
const { serve, requireEnv } = require('./lifecycle');

const NAME = 'payment-service';
const PAYMENT_API_URL = requireEnv(NAME, 'PAYMENT_API_URL');

const app = express();
app.use(express.json());

app.post('/charge', async (req, res) => {
  const reply = await fetch(new URL('/v1/charges', PAYMENT_API_URL), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ amount: req.body.amount, currency: req.body.currency, card: req.body.card }),
  });
  const body = await reply.json();
  if (reply.status === 402) {
    res.status(402).json({ status: 'declined', reason: body.error?.message ?? 'card declined' });
  } else if (!reply.ok) {
    res.status(502).json({ status: 'failed', reason: `payment API answered ${reply.status}` });
  } else {
    res.json({ status: 'succeeded', transactionId: body.id });
  }
});

serve(NAME, app);
