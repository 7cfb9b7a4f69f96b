// What a query's span needs from its SQL text (name, operation, table, recorded
// text), computed once per distinct text. Apps run the same few statements over
// and over, so the SQL lexer (sql-scanner.ts) runs once for each, not once per query.
import type { Config } from '../../src/config';
import { parseOperation, spanName } from './sql-operation';
import { sanitizeSql } from './sql-sanitize';

/** How db.query.text is recorded (SPANWISE_PG_CAPTURE_QUERY_TEXT). */
export type QueryTextMode = Config['pg']['queryText'];

/** The span-facing description of one SQL text. */
export interface Statement {
  readonly spanName: string;
  readonly operation: string | undefined;
  readonly collection: string | undefined;
  /** db.query.text as configured; undefined when off. */
  readonly queryText: string | undefined;
}

/** Distinct texts remembered; past this the oldest is forgotten (apps that inline values make many). */
const MAX_ENTRIES = 500;
/** Longer texts are described every time rather than kept in memory. */
const MAX_CACHED_LENGTH = 8192;

const NO_TEXT: Statement = Object.freeze({
  spanName: 'postgresql', operation: undefined, collection: undefined, queryText: undefined,
});

/** Returns a describe(text) function for one query-text mode, with its own bounded cache. */
export function statementDescriber(mode: QueryTextMode): (text: string | undefined) => Statement {
  const cache = new Map<string, Statement>();
  return (text) => {
    if (text === undefined || text === '') return NO_TEXT;
    let statement = cache.get(text);
    if (statement !== undefined) return statement;
    statement = describe(text, mode);
    if (text.length <= MAX_CACHED_LENGTH) {
      if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
      cache.set(text, statement);
    }
    return statement;
  };
}

function describe(text: string, mode: QueryTextMode): Statement {
  const { operation, collection } = parseOperation(text);
  let queryText: string | undefined;
  if (mode === 'raw') queryText = text;
  else if (mode === 'sanitized') queryText = sanitizeSql(text) || undefined;
  return Object.freeze({ spanName: spanName(operation, collection), operation, collection, queryText });
}
