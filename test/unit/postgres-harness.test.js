'use strict';
// The real-PostgreSQL test harness itself: it starts, answers queries over TCP
// with the settings it hands out, and leaves nothing behind when stopped.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { startPostgres } = require('../support/postgres.js');

test('startPostgres serves queries and stop() removes its data folder', async (t) => {
  const started = Date.now();
  const db = await startPostgres();
  const up = Date.now();
  t.after(() => db.stop());

  assert.equal(db.host, '127.0.0.1');
  assert.ok(Number.isInteger(db.port) && db.port > 0);
  assert.equal(db.database, 'spanwise_test');
  assert.ok(fs.existsSync(db.dataDir));

  const { Client } = require('pg');
  const viaFields = new Client({
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password,
    database: db.database,
  });
  await viaFields.connect();
  const one = await viaFields.query('SELECT 1 AS one, current_database() AS name');
  assert.deepEqual(one.rows, [{ one: 1, name: 'spanwise_test' }]);
  await viaFields.end();

  const viaUrl = new Client({ connectionString: db.connectionString });
  await viaUrl.connect();
  const two = await viaUrl.query('SELECT $1::int + 1 AS two', [1]);
  assert.equal(two.rows[0].two, 2);
  await viaUrl.end();

  const stopping = Date.now();
  await db.stop();
  await db.stop(); // idempotent
  const down = Date.now();
  assert.equal(fs.existsSync(db.dataDir), false);
  t.diagnostic(`start ${up - started} ms, stop ${down - stopping} ms`);
});

test('settings reach the server, and it is unreachable after stop()', async () => {
  const db = await startPostgres({ settings: { max_connections: 25, application_name: 'harness' } });
  const { Client } = require('pg');
  const client = new Client({ connectionString: db.connectionString });
  await client.connect();
  const { rows } = await client.query('SHOW max_connections');
  assert.equal(rows[0].max_connections, '25');
  await client.end();
  await db.stop();
  assert.equal(fs.existsSync(db.dataDir), false);

  const late = new Client({ connectionString: db.connectionString, connectionTimeoutMillis: 2000 });
  await assert.rejects(late.connect(), (err) => err.code === 'ECONNREFUSED' || /connect/i.test(err.message));
});
