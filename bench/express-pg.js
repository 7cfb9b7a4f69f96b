'use strict';
// End-to-end express benchmark (issue 5): an express hello-world route, and an
// express+pg endpoint making two queries through a pg Pool and one outgoing
// fetch per request, under autocannon, with no agent, spanwise and
// OpenTelemetry's auto-instrumentation. PostgreSQL is a throwaway server started
// here (test/support/postgres.js). See lib/e2e.js for the method.
const { Client } = require('pg');
const { startPostgres } = require('../test/support/postgres');
const { runSuite } = require('./lib/e2e');

const ROUTES = [
  { id: 'express-hello', label: 'express hello', app: 'express-server.js', path: '/hello', target: 0.85 },
  { id: 'express-pg', label: 'express+pg+fetch', app: 'express-server.js', path: '/orders/42', target: 0.9 },
];

/** Creates and fills the two tables the endpoint reads: 1,000 orders with three items each. */
async function seed(connectionString) {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    await client.query(`
      DROP TABLE IF EXISTS order_items;
      DROP TABLE IF EXISTS orders;
      CREATE TABLE orders (id int PRIMARY KEY, customer text NOT NULL, total numeric(10, 2) NOT NULL);
      CREATE TABLE order_items (order_id int NOT NULL REFERENCES orders (id), sku text NOT NULL,
        qty int NOT NULL, price numeric(10, 2) NOT NULL);
      CREATE INDEX order_items_order_id ON order_items (order_id);
      INSERT INTO orders SELECT g, 'customer-' || g, (g % 97) * 3.5 FROM generate_series(1, 1000) AS g;
      INSERT INTO order_items SELECT o, 'sku-' || o || '-' || i, 1 + (o + i) % 4, 2.5 * i
        FROM generate_series(1, 1000) AS o, generate_series(1, 3) AS i;
      ANALYZE;
    `);
  } finally {
    await client.end();
  }
}

/** Starts PostgreSQL, seeds it, runs the suite and prints its table. */
async function main() {
  const pg = await startPostgres();
  try {
    await seed(pg.connectionString);
    return await runSuite({ title: 'express-pg', routes: ROUTES, extraEnv: { DATABASE_URL: pg.connectionString } });
  } finally {
    await pg.stop();
  }
}

module.exports = { main };

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
