'use strict';
// SQL text handling for pg spans: literal sanitisation (db.query.text),
// operation and table extraction (db.operation.name, db.collection.name) and
// the span name, per the stable database semantic conventions.
const test = require('node:test');
const assert = require('node:assert/strict');
const { sanitizeSql } = require('../../dist/instrumentations/pg/sql-sanitize.js');
const { parseOperation, spanName } = require('../../dist/instrumentations/pg/sql-operation.js');

// [name, input, expected sanitised text]
const SANITIZE_CASES = [
  // plain literals
  ['string', "SELECT * FROM t WHERE name = 'alice'", 'SELECT * FROM t WHERE name = ?'],
  ['integer', 'SELECT * FROM t WHERE id = 42', 'SELECT * FROM t WHERE id = ?'],
  ['decimal and exponent', 'SELECT 3.14, .5, 5., 1e10, 1.5E-3, 2e+4', 'SELECT ?, ?, ?, ?, ?, ?'],
  ['underscored and radix numbers', 'SELECT 1_000_000, 0xFF, 0X1f, 0o17, 0b1010', 'SELECT ?, ?, ?, ?, ?'],
  ['booleans are literals, NULL stays', 'UPDATE t SET a = true, b = FALSE, c = NULL', 'UPDATE t SET a = ?, b = ?, c = NULL'],
  ['no literal: same text back', 'SELECT a, b FROM t WHERE c = $1', 'SELECT a, b FROM t WHERE c = $1'],
  ['empty', '', ''],

  // escaped quotes and string kinds
  ['doubled quote escape', "SELECT 'it''s', 'x' FROM t", 'SELECT ?, ? FROM t'],
  ['only doubled quotes', "SELECT '''' , ''", 'SELECT ? , ?'],
  ['backslash is plain in standard strings', "SELECT 'C:\\' , 'y'", 'SELECT ? , ?'],
  ['E string with backslash-escaped quote', "SELECT E'it\\'s' || 'x'", 'SELECT ? || ?'],
  ['E string with escaped backslash before quote', "SELECT e'a\\\\', 2", 'SELECT ?, ?'],
  ['E string with doubled quote', "SELECT E'a''b\\n'", 'SELECT ?'],
  ['bit strings', "SELECT B'1010', b'1', X'1F', x'ff'", 'SELECT ?, ?, ?, ?'],
  ['national string', "SELECT N'abc'", 'SELECT ?'],
  ['unicode string with UESCAPE', "SELECT U&'d\\0061t\\+000061', u&'!0061' UESCAPE '!'", 'SELECT ?, ? UESCAPE ?'],
  ['a word ending in e before a string is not a prefix', "SELECT name'x'", 'SELECT name?'],
  ['adjacent strings', "SELECT 'a'\n'b'", 'SELECT ?\n?'],

  // dollar quotes
  ['empty-tag dollar quote', "SELECT $$it's $1$$", 'SELECT ?'],
  ['tagged dollar quote', 'SELECT $fn$ a $$ b $x$ c $fn$, 1', 'SELECT ?, ?'],
  ['dollar quote body with underscored tag', 'DO $do_1$ BEGIN RAISE NOTICE \'x\'; END $do_1$', 'DO ?'],
  ['placeholders are not dollar quotes', 'SELECT $1, $2 FROM t WHERE a = $10', 'SELECT $1, $2 FROM t WHERE a = $10'],
  ['dollar inside identifiers', 'SELECT a$1, b$$ FROM t$x', 'SELECT a$1, b$$ FROM t$x'],

  // identifiers
  ['identifiers with digits', 'SELECT col2 FROM table1 t1 WHERE t1.col3 = 7', 'SELECT col2 FROM table1 t1 WHERE t1.col3 = ?'],
  ['quoted identifiers untouched', 'SELECT "Col 2", "a""b", "it\'s" FROM "Table 1" WHERE "x1" = 5', 'SELECT "Col 2", "a""b", "it\'s" FROM "Table 1" WHERE "x1" = ?'],
  ['unicode identifier', 'SELECT ünïcode1 FROM tablé WHERE x = 1', 'SELECT ünïcode1 FROM tablé WHERE x = ?'],
  ['U& quoted identifier', 'SELECT U&"d\\0061t" FROM t', 'SELECT U&"d\\0061t" FROM t'],

  // comments are removed
  ['line comment', 'SELECT 1 -- secret 42\nFROM t', 'SELECT ? \nFROM t'],
  ['trailing line comment', "SELECT 'a' -- it's a comment", 'SELECT ?'],
  ['block comment', "SELECT /* 'x' */ 1", 'SELECT  ?'],
  ['nested block comment', 'SELECT /* a /* b */ c */ 2', 'SELECT  ?'],
  ['leading comment', '/* app=web */ SELECT 1', 'SELECT ?'],
  ['sqlcommenter', "SELECT 1 /*traceparent='00-abc-def-01'*/", 'SELECT ?'],
  ['comment between tokens keeps them apart', 'SELECT/**/1/**/FROM t', 'SELECT ? FROM t'],
  ['comment markers inside strings are text', "SELECT '-- no', '/* no */' FROM t", 'SELECT ?, ? FROM t'],
  ['quote inside a comment starts nothing', "SELECT 1 /* don't */, 2", 'SELECT ? , ?'],
  ['double dash right after a number', 'SELECT 1--c\n', 'SELECT ?'],

  // negative numbers
  ['sign after =', 'SELECT * FROM t WHERE a = -1', 'SELECT * FROM t WHERE a = ?'],
  ['sign after comma and paren', 'SELECT f(-1, -2.5), -.5', 'SELECT f(?, ?), ?'],
  ['sign after keyword', 'SELECT -1 WHERE a BETWEEN -5 AND -1 LIMIT 3', 'SELECT ? WHERE a BETWEEN ? AND ?'.concat(' LIMIT ?')],
  ['sign after operator', 'SELECT a*-2, a>=-3, a - -4', 'SELECT a*?, a>=?, a - ?'],
  ['subtraction after identifier', 'SELECT a-1, a -1, a - 1 FROM t', 'SELECT a-?, a -?, a - ? FROM t'],
  ['subtraction after number, paren, bracket', 'SELECT 5-1, (a)-1, b[1]-1', 'SELECT ?-?, (a)-?, b[?]-?'],
  ['subtraction after placeholder and quoted name', 'SELECT $1-1, "x"-1', 'SELECT $1-?, "x"-?'],
  ['minus before space is an operator', 'SELECT a = - 1', 'SELECT a = - ?'],

  // casts and typed literals
  ['cast of a string', "SELECT '1'::int, 2::text", 'SELECT ?::int, ?::text'],
  ['cast of a negative number', 'SELECT -1::int', 'SELECT ?::int'],
  ['typed literals', "SELECT DATE '2024-01-02', INTERVAL '1 day', TIMESTAMP '2024-01-02 03:04'", 'SELECT DATE ?, INTERVAL ?, TIMESTAMP ?'],
  ['array literal', "SELECT ARRAY[1, 2], '{1,2}'::int[]", 'SELECT ARRAY[?, ?], ?::int[]'],
  ['json operators', "SELECT data->>'email', data#>'{a,b}' FROM t", 'SELECT data->>?, data#>? FROM t'],

  // IN lists
  ['IN list of numbers', 'SELECT * FROM t WHERE id IN (1, 2, 3)', 'SELECT * FROM t WHERE id IN (?)'],
  ['IN list of strings', "SELECT * FROM t WHERE s in ('a','b' , 'c')", 'SELECT * FROM t WHERE s in (?)'],
  ['NOT IN with negatives and booleans', 'SELECT * FROM t WHERE a NOT IN (-1, 2.5, true)', 'SELECT * FROM t WHERE a NOT IN (?)'],
  ['IN list with a comment', 'SELECT * FROM t WHERE a IN (1, /* two */ 2)', 'SELECT * FROM t WHERE a IN (?)'],
  ['IN list across lines', 'SELECT * FROM t WHERE a IN (\n  1,\n  2\n)', 'SELECT * FROM t WHERE a IN (?)'],
  ['single-item IN list', "SELECT * FROM t WHERE a IN ('x')", 'SELECT * FROM t WHERE a IN (?)'],
  ['IN list of placeholders stays', 'SELECT * FROM t WHERE a IN ($1, $2)', 'SELECT * FROM t WHERE a IN ($1, $2)'],
  ['mixed IN list is sanitised, not collapsed', 'SELECT * FROM t WHERE a IN (1, $1, 2)', 'SELECT * FROM t WHERE a IN (?, $1, ?)'],
  ['IN subquery', 'SELECT * FROM t WHERE a IN (SELECT b FROM u WHERE c = 1)', 'SELECT * FROM t WHERE a IN (SELECT b FROM u WHERE c = ?)'],
  ['IN with NULL is not only literals', 'SELECT * FROM t WHERE a IN (1, NULL)', 'SELECT * FROM t WHERE a IN (?, NULL)'],
  ['IN with casts', "SELECT * FROM t WHERE a IN ('x'::text, 'y'::text)", 'SELECT * FROM t WHERE a IN (?::text, ?::text)'],
  ['row IN list', 'SELECT * FROM t WHERE (a, b) IN ((1, 2), (3, 4))', 'SELECT * FROM t WHERE (a, b) IN ((?, ?), (?, ?))'],
  ['two IN lists', 'SELECT * FROM t WHERE a IN (1,2) AND b IN (3)', 'SELECT * FROM t WHERE a IN (?) AND b IN (?)'],
  ['empty IN list', 'SELECT * FROM t WHERE a IN ()', 'SELECT * FROM t WHERE a IN ()'],
  ['word ending in "in" is not IN', 'SELECT * FROM t WHERE origin (1, 2)', 'SELECT * FROM t WHERE origin (?, ?)'],
  ['VALUES lists are not collapsed', "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y')", 'INSERT INTO t (a, b) VALUES (?, ?), (?, ?)'],

  // unterminated input is replaced to the end
  ['unterminated string', "SELECT * FROM t WHERE a = 'secret", 'SELECT * FROM t WHERE a = ?'],
  ['unterminated string after doubled quote', "SELECT 'it''s secret", 'SELECT ?'],
  ['unterminated E string ending in backslash', "SELECT E'secret\\", 'SELECT ?'],
  ['unterminated dollar quote', 'SELECT $tag$ secret', 'SELECT ?'],
  ['unterminated block comment', 'SELECT 1 /* secret', 'SELECT ?'],
  ['unterminated quoted identifier', 'SELECT "abc', 'SELECT "abc'],
  ['unterminated IN list', 'SELECT * FROM t WHERE a IN (1, 2', 'SELECT * FROM t WHERE a IN (?, ?'],
  ['lone dollar', 'SELECT $ FROM t', 'SELECT $ FROM t'],

  // multiple statements
  ['multiple statements', "INSERT INTO t VALUES (1); SELECT 'a'; DELETE FROM t WHERE id = 2;", 'INSERT INTO t VALUES (?); SELECT ?; DELETE FROM t WHERE id = ?;'],
];

test('sanitizeSql', async (t) => {
  for (const [name, input, expected] of SANITIZE_CASES) {
    await t.test(name, () => {
      assert.equal(sanitizeSql(input), expected);
    });
  }
});

test('sanitizeSql is idempotent on every case', () => {
  for (const [name, input] of SANITIZE_CASES) {
    const once = sanitizeSql(input);
    assert.equal(sanitizeSql(once), once, name);
  }
});

test('sanitizeSql never throws and returns a string for bad input', () => {
  for (const bad of [undefined, null, 42, {}, [], Symbol('x')]) {
    assert.equal(sanitizeSql(bad), '');
  }
});

// A deterministic generator, so a failure names a reproducible seed.
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('sanitizeSql lets no literal value through (generated queries)', () => {
  const SECRET = 'S3cr3t';
  const literalMakers = [
    () => `'${SECRET} it''s'`,
    () => `E'${SECRET}\\'s'`,
    () => `$$${SECRET}$$`,
    () => `$q$${SECRET}$q$`,
    () => `U&'${SECRET}'`,
    () => `X'${SECRET.length}F'`,
    () => `'${SECRET}'::text`,
    () => `-31337`,
    () => `31337.25e3`,
  ];
  const glue = [' = ', ', ', ' || ', ' IN (', ' AND x = ', '(', ' /* c */ ', '\n', ' -- c\n'];
  const random = prng(7);
  const pick = (list) => list[Math.floor(random() * list.length)];
  for (let i = 0; i < 2000; i++) {
    let sql = 'SELECT a1 FROM t2 WHERE b3';
    const parts = 1 + Math.floor(random() * 6);
    for (let p = 0; p < parts; p++) sql += pick(glue) + pick(literalMakers)();
    const out = sanitizeSql(sql);
    assert.ok(!out.includes(SECRET) && !out.includes('31337'), `seed 7, query ${i}: ${sql} -> ${out}`);
    assert.ok(out.startsWith('SELECT a1 FROM t2 WHERE b3'), `query ${i}: ${out}`);
  }
});

test('sanitizeSql never throws on random SQL-ish noise', () => {
  const alphabet = ["'", '"', '$', '$1', '$a$', '-', '--', '/*', '*/', '\\', 'E', 'U&', 'IN', '(', ')', ',', '1', '.5', 'e', ' ', '\n', 'x', ';'];
  const random = prng(11);
  for (let i = 0; i < 3000; i++) {
    let sql = '';
    const len = Math.floor(random() * 40);
    for (let k = 0; k < len; k++) sql += alphabet[Math.floor(random() * alphabet.length)];
    const out = sanitizeSql(sql);
    assert.equal(typeof out, 'string', sql);
    assert.ok(out.length <= sql.length + 1, sql);
    parseOperation(sql);
  }
});

// Large inputs must be handled in linear time. This is not a timing assertion:
// the per-test timeout is there only so a quadratic regression (hours on these
// inputs) fails instead of hanging; linear code takes milliseconds.
test('very long input (100 KB and pathological 1 MB) is handled', { timeout: 20_000 }, () => {
  const row = "(1, 'name''s', E'x\\'y', $$z$$, -2.5, true),";
  let big = 'INSERT INTO big_table (a, b, c, d, e, f) VALUES ';
  while (big.length < 100 * 1024) big += row;
  big += "(0, '', E'', $$$$, 0, false)";
  const out = sanitizeSql(big);
  assert.ok(out.startsWith('INSERT INTO big_table (a, b, c, d, e, f) VALUES (?, ?, ?, ?, ?, ?),'));
  assert.ok(!/[0-9']/.test(out.slice('INSERT INTO big_table (a, b, c, d, e, f) VALUES '.length)));
  assert.deepEqual(parseOperation(big), { operation: 'INSERT', collection: 'big_table' });

  const longIn = 'SELECT * FROM t WHERE id IN (' + Array.from({ length: 20000 }, (_, i) => i).join(', ') + ')';
  assert.equal(sanitizeSql(longIn), 'SELECT * FROM t WHERE id IN (?)');

  const MB = 1024 * 1024;
  const pathological = [
    "'".repeat(MB), // doubled quotes, never closed for odd counts
    "E'" + '\\'.repeat(MB),
    '$a'.repeat(MB / 2),
    '$a$'.repeat(MB / 3),
    '/*'.repeat(MB / 2),
    'IN ('.repeat(MB / 4),
    'IN (1,'.repeat(MB / 6),
    '-1'.repeat(MB / 2),
    'x'.repeat(MB) + ' -1',
    '"'.repeat(MB),
    '('.repeat(MB),
    'a.'.repeat(MB / 2),
  ];
  for (const input of pathological) {
    assert.equal(typeof sanitizeSql(input), 'string');
    parseOperation(input);
  }
});

// [input, expected { operation, collection }]
const OPERATION_CASES = [
  ['SELECT * FROM stock WHERE id = $1', { operation: 'SELECT', collection: 'stock' }],
  ['select qty from stock', { operation: 'SELECT', collection: 'stock' }],
  ['SELECT * FROM public.stock', { operation: 'SELECT', collection: 'public.stock' }],
  ['SELECT * FROM "Stock Items" s WHERE s.qty > 0', { operation: 'SELECT', collection: 'Stock Items' }],
  ['SELECT * FROM "my schema"."we""ird"', { operation: 'SELECT', collection: 'my schema.we"ird' }],
  ['SELECT * FROM ONLY stock', { operation: 'SELECT', collection: 'stock' }],
  ['SELECT * FROM table1 AS t1 ORDER BY a, b LIMIT 10', { operation: 'SELECT', collection: 'table1' }],
  ['SELECT a, b, EXTRACT(YEAR FROM d) FROM t GROUP BY a, b', { operation: 'SELECT', collection: 't' }],
  ['SELECT * FROM t WHERE name = \'x FROM y JOIN z\'', { operation: 'SELECT', collection: 't' }],
  ['SELECT * FROM t FOR UPDATE OF t, u', { operation: 'SELECT', collection: 't' }],
  ['  -- leading comment\n/* block */ SELECT * FROM t', { operation: 'SELECT', collection: 't' }],
  ['((SELECT * FROM t))', { operation: 'SELECT', collection: 't' }],
  ['SELECT * FROM t;', { operation: 'SELECT', collection: 't' }],
  ['SELECT 1', { operation: 'SELECT' }],
  ['SELECT now()', { operation: 'SELECT' }],
  ['SELECT * FROM a, b', { operation: 'SELECT' }],
  ['SELECT * FROM a JOIN b ON a.id = b.id', { operation: 'SELECT' }],
  ['SELECT * FROM a LEFT OUTER JOIN b USING (id)', { operation: 'SELECT' }],
  ['SELECT * FROM a CROSS JOIN b', { operation: 'SELECT' }],
  ['SELECT * FROM (SELECT * FROM t) sub', { operation: 'SELECT' }],
  ['SELECT * FROM t WHERE id IN (SELECT id FROM u)', { operation: 'SELECT' }],
  ['SELECT (SELECT count(*) FROM u) FROM t', { operation: 'SELECT' }],
  ['SELECT * FROM a UNION SELECT * FROM b', { operation: 'SELECT' }],
  ['(SELECT a FROM t) UNION ALL (SELECT a FROM t)', { operation: 'SELECT' }],
  ['SELECT * FROM generate_series(1, 10)', { operation: 'SELECT' }],
  ['SELECT * FROM a, LATERAL f(a.x)', { operation: 'SELECT' }],
  ['SELECT * INTO new_t FROM t', { operation: 'SELECT' }],
  ['INSERT INTO stock (sku, qty) VALUES ($1, $2) RETURNING id', { operation: 'INSERT', collection: 'stock' }],
  ['insert into public."Stock" as s values (1) on conflict (sku) do update set qty = s.qty + 1', { operation: 'INSERT', collection: 'public.Stock' }],
  ['INSERT INTO stock SELECT * FROM incoming', { operation: 'INSERT' }],
  ['UPDATE stock SET qty = qty - 1 WHERE sku = $1', { operation: 'UPDATE', collection: 'stock' }],
  ['UPDATE ONLY stock AS s SET qty = 0, note = \'x\'', { operation: 'UPDATE', collection: 'stock' }],
  ['UPDATE stock SET qty = i.qty FROM incoming i WHERE i.sku = stock.sku', { operation: 'UPDATE' }],
  ['UPDATE stock SET qty = (SELECT 1)', { operation: 'UPDATE' }],
  ['DELETE FROM stock WHERE qty = 0', { operation: 'DELETE', collection: 'stock' }],
  ['DELETE FROM ONLY stock', { operation: 'DELETE', collection: 'stock' }],
  ['DELETE FROM stock USING incoming WHERE stock.sku = incoming.sku', { operation: 'DELETE' }],
  ['TRUNCATE TABLE stock RESTART IDENTITY', { operation: 'TRUNCATE', collection: 'stock' }],
  ['TRUNCATE a, b', { operation: 'TRUNCATE' }],
  ['WITH x AS (SELECT 1) SELECT * FROM x', { operation: 'WITH' }],
  ['CREATE TABLE stock (id int)', { operation: 'CREATE' }],
  ['BEGIN', { operation: 'BEGIN' }],
  ['explain analyze SELECT * FROM t', { operation: 'EXPLAIN' }],
  ['MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN DELETE', { operation: 'MERGE' }],
  ['SELECT 1; SELECT 2', {}],
  ['BEGIN; INSERT INTO t VALUES (1); COMMIT', {}],
  ['', {}],
  ['   ', {}],
  ['-- only a comment', {}],
  ["'not sql'", {}],
  ['"quoted"', {}],
  ['SELECT * FROM', { operation: 'SELECT' }],
  ['INSERT INTO', { operation: 'INSERT' }],
  ['SELECT * FROM "unterminated', { operation: 'SELECT', collection: 'unterminated' }],
];

test('parseOperation', async (t) => {
  for (const [input, expected] of OPERATION_CASES) {
    await t.test(JSON.stringify(input), () => {
      assert.deepEqual(parseOperation(input), expected);
    });
  }
});

test('parseOperation never throws on bad input', () => {
  for (const bad of [undefined, null, 42, {}, []]) assert.deepEqual(parseOperation(bad), {});
});

test('spanName', () => {
  const cases = [
    [['SELECT', 'stock'], 'SELECT stock'],
    [['SELECT', undefined], 'SELECT'],
    [[undefined, 'stock'], 'stock'],
    [[undefined, undefined], 'postgresql'],
    [['', ''], 'postgresql'],
    [[undefined, undefined, 'shop'], 'shop'],
  ];
  for (const [args, expected] of cases) assert.equal(spanName(...args), expected, JSON.stringify(args));
});

test('parseOperation and spanName together', () => {
  const name = (sql) => {
    const { operation, collection } = parseOperation(sql);
    return spanName(operation, collection);
  };
  assert.equal(name('SELECT * FROM stock WHERE id = $1'), 'SELECT stock');
  assert.equal(name('SELECT * FROM a JOIN b ON true'), 'SELECT');
  assert.equal(name('SELECT 1; SELECT 2'), 'postgresql');
});
