// What a statement does and to which table, for db.operation.name,
// db.collection.name and the span name, read from its text on the shared lexer
// of sql-scanner.ts (so a literal is never taken for a table name). Not a SQL
// parser: pure functions, no pg import, linear time, never throw.
import { Char, isWord, Lexer, Tok } from './sql-scanner';

/** The operation and, when the statement names exactly one table, that table. */
export interface SqlOperation {
  /** First keyword, upper-cased: SELECT, INSERT, WITH, CREATE, … */
  operation?: string;
  /** The single table, as written, schema-qualified if it was, quotes removed. */
  collection?: string;
}

/**
 * Extracts db.operation.name and db.collection.name from a statement. The
 * operation is the first keyword (leading comments and parentheses skipped);
 * the collection is set only for SELECT … FROM t, INSERT INTO t, UPDATE t,
 * DELETE FROM t and TRUNCATE t naming one table and nothing else: joins, lists
 * of tables, subqueries and set operations leave it undefined, because
 * db.collection.name is for "a database call performed on a single collection".
 * Several statements in one text give neither. Never throws.
 */
export function parseOperation(text: string): SqlOperation {
  if (typeof text !== 'string' || text.length === 0) return {};
  try {
    return parse(text);
  } catch {
    return {};
  }
}

function nextSignificant(lx: Lexer): Tok {
  let kind = lx.next();
  while (kind === Tok.Comment) kind = lx.next();
  return kind;
}

function identifierText(text: string, kind: Tok, start: number, end: number): string {
  if (kind === Tok.Word) return text.slice(start, end);
  const closed = end - start >= 2 && text.charCodeAt(end - 1) === Char.DoubleQuote;
  return text.slice(start + 1, closed ? end - 1 : end).replaceAll('""', '"');
}

// The keywords parse() reacts to, recognised by keywordAt() without allocating.
const PARSE_KEYWORDS = [
  'SELECT', 'FROM', 'JOIN', 'USING', 'INTO', 'ONLY', 'TABLE', 'LATERAL', 'UNION', 'INTERSECT', 'EXCEPT',
  'WHERE', 'GROUP', 'HAVING', 'WINDOW', 'ORDER', 'LIMIT', 'OFFSET', 'FETCH', 'FOR',
];

/** The PARSE_KEYWORDS entry that the word at start..end spells in any case, else ''. */
function keywordAt(text: string, start: number, end: number): string {
  const length = end - start;
  if (length < 3 || length > 9) return '';
  const first = text.charCodeAt(start) & ~0x20;
  for (const keyword of PARSE_KEYWORDS) {
    if (keyword.length === length && keyword.charCodeAt(0) === first && isWord(text, start, end, keyword)) return keyword;
  }
  return '';
}

// Keywords that end the FROM list of a SELECT; a comma after them is not a second table.
const FROM_LIST_END = new Set([
  'WHERE', 'GROUP', 'HAVING', 'WINDOW', 'ORDER', 'LIMIT', 'OFFSET', 'FETCH', 'FOR', 'UNION', 'INTERSECT', 'EXCEPT',
]);

function parse(text: string): SqlOperation {
  const lx = new Lexer(text);
  let kind = nextSignificant(lx);
  let top = 0; // parentheses around the whole statement do not nest it
  while (kind === Tok.Punct && text.charCodeAt(lx.start) === Char.LParen) {
    top++;
    kind = nextSignificant(lx);
  }
  if (kind !== Tok.Word) return {};
  const operation = text.slice(lx.start, lx.end).toUpperCase();
  return new TableScan(lx, operation, top).run();
}

/** Walks a statement after its first keyword to find the one table it names, if any. */
class TableScan {
  private readonly text: string;
  private depth: number;
  // The keyword that must come next before the table name, '' when the name
  // itself comes next, undefined when no table is expected.
  private expect: string | undefined;
  private collection: string | undefined;
  private several = false;
  private inFromList = false;
  private ended = false;

  constructor(
    private readonly lx: Lexer,
    private readonly operation: string,
    private readonly top: number,
  ) {
    this.text = lx.text;
    this.depth = top;
    this.expect = operation === 'INSERT' ? 'INTO' : operation === 'DELETE' ? 'FROM' : operation === 'UPDATE' || operation === 'TRUNCATE' ? '' : undefined;
  }

  run(): SqlOperation {
    const { lx, operation } = this;
    let kind = nextSignificant(lx);
    while (kind !== Tok.End) {
      const isSemicolon = kind === Tok.Punct && this.text.charCodeAt(lx.start) === Char.Semicolon;
      if (this.ended && !isSemicolon) return {}; // a second statement
      const word = kind === Tok.Word ? keywordAt(this.text, lx.start, lx.end) : '';
      if (this.expect === '' && (word === 'ONLY' || (word === 'TABLE' && operation === 'TRUNCATE'))) {
        kind = nextSignificant(lx);
      } else if (this.expect === '') {
        kind = this.readTable(kind, word);
      } else if (this.expect !== undefined) {
        this.expect = word === this.expect ? '' : undefined;
        kind = nextSignificant(lx);
      } else {
        this.observe(kind, word);
        kind = nextSignificant(lx);
      }
    }
    return this.several || this.collection === undefined ? { operation } : { operation, collection: this.collection };
  }

  /** Reads the (qualified) table name at the current token; returns the token after it. */
  private readTable(kind: Tok, word: string): Tok {
    const { lx, text } = this;
    this.expect = undefined;
    if ((kind !== Tok.Word && kind !== Tok.QuotedIdent) || word === 'LATERAL') {
      this.several = true; // a subquery or LATERAL instead of a table
      return kind; // still to be observed: it may be a '('
    }
    let name = identifierText(text, kind, lx.start, lx.end);
    kind = nextSignificant(lx);
    while (kind === Tok.Punct && text.charCodeAt(lx.start) === Char.Dot) {
      kind = nextSignificant(lx);
      if (kind !== Tok.Word && kind !== Tok.QuotedIdent) break;
      name += '.' + identifierText(text, kind, lx.start, lx.end);
      kind = nextSignificant(lx);
    }
    if (this.collection !== undefined) this.several = true;
    this.collection = name;
    this.inFromList = this.operation === 'SELECT' || this.operation === 'TRUNCATE';
    // `FROM f(…)` calls a set-returning function; it is not a table.
    if (this.operation === 'SELECT' && kind === Tok.Punct && text.charCodeAt(lx.start) === Char.LParen) this.several = true;
    return kind;
  }

  /** Applies one token outside a table name to the depth and the "several tables" verdict. */
  private observe(kind: Tok, word: string): void {
    const atTop = this.depth <= this.top;
    if (kind === Tok.Punct) {
      const c = this.text.charCodeAt(this.lx.start);
      if (c === Char.LParen) this.depth++;
      else if (c === Char.RParen) this.depth--;
      else if (c === Char.Comma && this.inFromList && atTop) this.several = true;
      else if (c === Char.Semicolon && atTop) this.ended = true;
    } else if (word === 'SELECT') {
      this.several = true; // a subquery, INSERT … SELECT, or the next SELECT of a set operation
    } else if (word !== '' && atTop) {
      if (word === 'FROM' && this.operation === 'SELECT' && this.collection === undefined && !this.several) this.expect = '';
      else if (word === 'FROM' || word === 'JOIN' || word === 'USING' || word === 'INTO') this.several = true;
      else if (word === 'UNION' || word === 'INTERSECT' || word === 'EXCEPT') this.several = true;
      else if (this.inFromList && FROM_LIST_END.has(word)) this.inFromList = false;
    }
  }
}

/**
 * The span name per the database conventions ("Name"): `{operation} {collection}`,
 * else `{operation}`, else the target alone, else `fallback` (db.system.name).
 */
export function spanName(operation: string | undefined, collection: string | undefined, fallback = 'postgresql'): string {
  if (operation) return collection ? `${operation} ${collection}` : operation;
  return collection || fallback;
}
