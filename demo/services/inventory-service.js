'use strict';
// inventory-service: GET /stock?sku=... answers how many items are left, from
// the `stock` table in PostgreSQL. No tracing code: the HTTP server span, the
// express route and the `SELECT stock` query span all come from the agent.
const express = require('express');
const { Pool } = require('pg');
const { serve, requireEnv } = require('./lifecycle');

const NAME = 'inventory-service';
const pool = new Pool({ connectionString: requireEnv(NAME, 'DATABASE_URL'), max: 4 });
// An idle connection cut by the database (a restart, the demo shutting down) must not crash the service.
pool.on('error', (err) => process.stderr.write(`${NAME}: idle database connection lost: ${err.message}\n`));

const app = express();

app.get('/stock', async (req, res) => {
  const sku = String(req.query.sku ?? '');
  const { rows } = await pool.query('SELECT quantity FROM stock WHERE sku = $1', [sku]);
  res.json({ sku, available: rows.length === 0 ? 0 : rows[0].quantity });
});

serve(NAME, app);
