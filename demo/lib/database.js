'use strict';
// The demo's tables, created by the demo process itself (which runs without
// the agent, so none of this is traced): the inventory, the queue that carries
// `order.created` from order-service to notification-service, and the log of
// sent notifications.
const { Client } = require('pg');

const SCHEMA = `
CREATE TABLE stock (
  sku text PRIMARY KEY,
  quantity integer NOT NULL
);
INSERT INTO stock (sku, quantity) VALUES ('BOOK-1984', 12), ('LAMP-42', 3), ('MUG-7', 40);

CREATE TABLE messages (
  id bigserial PRIMARY KEY,
  topic text NOT NULL,
  headers jsonb NOT NULL,
  body jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE notifications (
  id bigserial PRIMARY KEY,
  order_id text NOT NULL,
  channel text NOT NULL,
  sent_at timestamptz NOT NULL DEFAULT now()
);
`;

/** Opens a connection to `connectionString`; the caller ends it. */
async function connect(connectionString) {
  const client = new Client({ connectionString });
  // A connection cut by the database's shutdown must not crash the demo.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Creates and fills the demo's tables. */
async function createSchema(client) {
  await client.query(SCHEMA);
}

/** The ids of the orders a notification was sent for. */
async function notifiedOrders(client) {
  const { rows } = await client.query('SELECT order_id FROM notifications');
  return rows.map((row) => row.order_id);
}

module.exports = { connect, createSchema, notifiedOrders };
