// What the database semantic conventions want from a statement's text, without
// a SQL parser: the text with its literals replaced (db.query.text), and the
// operation and single table it names (db.operation.name, db.collection.name,
// span name). Both run on one lexer that knows PostgreSQL's comments, quoting,
// dollar quoting, numbers and placeholders, so neither can mistake a literal for
// a table name or let a literal through. Pure functions: no pg import, linear
// time, never throw. One file because both halves share that lexer.

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const FF = 0x0c;
const VT = 0x0b;
const DQUOTE = 0x22;
const DOLLAR = 0x24;
const AMP = 0x26;
const QUOTE = 0x27;
const LPAREN = 0x28;
const RPAREN = 0x29;
const STAR = 0x2a;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const SLASH = 0x2f;
const SEMICOLON = 0x3b;
const RBRACKET = 0x5d;
const BACKSLASH = 0x5c;
const UNDERSCORE = 0x5f;

const enum Tok {
  End,
  Word,
  QuotedIdent,
  /** Any string literal: '…', E'…', B'…', X'…', N'…', U&'…', $tag$…$tag$. */
  String,
  Number,
  /** A bind placeholder: $1, $2, … */
  Param,
  Comment,
  /** Any other single character: ( ) , ; . operators. */
  Punct,
}

// Words after which a '-' directly before a number is a sign, not a
// subtraction (`WHERE x = -1`, `SELECT -1`, `BETWEEN -5 AND -1`).
const SIGN_KEYWORDS = new Set([
  'ALL', 'AND', 'ANY', 'BETWEEN', 'BY', 'CASE', 'DEFAULT', 'DISTINCT', 'ELSE', 'FETCH', 'FIRST',
  'HAVING', 'ILIKE', 'IN', 'IS', 'LIKE', 'LIMIT', 'NEXT', 'NOT', 'OFFSET', 'ON', 'OR', 'RETURN',
  'SELECT', 'SET', 'SIMILAR', 'SOME', 'THEN', 'TO', 'VALUES', 'WHEN', 'WHERE',
]);

function isSpace(c: number): boolean {
  return c === SPACE || c === LF || c === TAB || c === CR || c === FF || c === VT;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function isWordStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === UNDERSCORE || c >= 0x80;
}

// PostgreSQL identifiers may contain digits and '$' after the first character.
function isWordChar(c: number): boolean {
  return isWordStart(c) || isDigit(c) || c === DOLLAR;
}

/** End of a '…' or "…" run opening at `i`; a doubled quote is an escaped one. Unterminated: the end of `s`. */
function quotedEnd(s: string, i: number, quote: number, backslashEscapes: boolean): number {
  const n = s.length;
  let j = i + 1;
  if (!backslashEscapes) {
    const q = quote === QUOTE ? "'" : '"';
    for (;;) {
      const k = s.indexOf(q, j);
      if (k < 0) return n;
      if (s.charCodeAt(k + 1) !== quote) return k + 1;
      j = k + 2;
    }
  }
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c === BACKSLASH) j += 2;
    else if (c !== quote) j++;
    else if (s.charCodeAt(j + 1) === quote) j += 2;
    else return j + 1;
  }
  return n;
}

/** End of a block comment opening at `i`. PostgreSQL block comments nest. */
function blockCommentEnd(s: string, i: number): number {
  const n = s.length;
  let depth = 1;
  let j = i + 2;
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c === STAR && s.charCodeAt(j + 1) === SLASH) {
      j += 2;
      if (--depth === 0) return j;
    } else if (c === SLASH && s.charCodeAt(j + 1) === STAR) {
      depth++;
      j += 2;
    } else {
      j++;
    }
  }
  return n;
}

/** End of a $tag$…$tag$ string opening at `i`, or -1 when `i` does not open one. */
function dollarQuoteEnd(s: string, i: number): number {
  const n = s.length;
  let j = i + 1; // the tag: identifier characters except '$', not starting with a digit
  while (j < n && (isWordStart(s.charCodeAt(j)) || (j > i + 1 && isDigit(s.charCodeAt(j))))) j++;
  if (j >= n || s.charCodeAt(j) !== DOLLAR) return -1;
  const tag = s.slice(i, j + 1);
  const close = s.indexOf(tag, j + 1);
  return close < 0 ? n : close + tag.length;
}

/** End of a numeric literal starting at `i`: 42, 1_000, 3.14, .5, 1e-3, 0xFF, 0o17, 0b101. */
function numberEnd(s: string, i: number): number {
  const n = s.length;
  let j = i;
  const radix = s.charCodeAt(i + 1) | 0x20;
  if (s.charCodeAt(i) === 0x30 && (radix === 0x78 || radix === 0x6f || radix === 0x62) && isHexDigit(s.charCodeAt(i + 2))) {
    j = i + 2;
    while (j < n && (isHexDigit(s.charCodeAt(j)) || s.charCodeAt(j) === UNDERSCORE)) j++;
    return j;
  }
  while (j < n && (isDigit(s.charCodeAt(j)) || s.charCodeAt(j) === UNDERSCORE)) j++;
  if (s.charCodeAt(j) === DOT && s.charCodeAt(j + 1) !== DOT) {
    j++;
    while (j < n && (isDigit(s.charCodeAt(j)) || s.charCodeAt(j) === UNDERSCORE)) j++;
  }
  if ((s.charCodeAt(j) | 0x20) === 0x65) {
    let k = j + 1;
    const sign = s.charCodeAt(k);
    if (sign === MINUS || sign === 0x2b) k++;
    if (isDigit(s.charCodeAt(k))) {
      j = k;
      while (j < n && isDigit(s.charCodeAt(j))) j++;
    }
  }
  return j;
}

/** One-token-at-a-time PostgreSQL lexer; `start`/`end` delimit the current token. */
class Lexer {
  start = 0;
  end = 0;
  private prevKind = Tok.End;
  private prevChar = 0;
  private prevWordStart = 0;
  private prevWordEnd = 0;

  constructor(readonly text: string) {}

  /** Advances to the next token, comments included, and returns its kind. */
  next(): Tok {
    const s = this.text;
    const n = s.length;
    let i = this.end;
    while (i < n && isSpace(s.charCodeAt(i))) i++;
    this.start = i;
    if (i >= n) {
      this.end = n;
      return Tok.End;
    }
    const c = s.charCodeAt(i);
    const d = s.charCodeAt(i + 1);
    let kind = Tok.Punct;
    let end = i + 1;
    let quoted: number; // end of a dollar-quoted or prefixed string, set inside the conditions below
    if (c === MINUS && d === MINUS) {
      kind = Tok.Comment;
      end = s.indexOf('\n', i);
      if (end < 0) end = n;
    } else if (c === SLASH && d === STAR) {
      kind = Tok.Comment;
      end = blockCommentEnd(s, i);
    } else if (c === QUOTE) {
      kind = Tok.String;
      end = quotedEnd(s, i, QUOTE, false);
    } else if (c === DQUOTE) {
      kind = Tok.QuotedIdent;
      end = quotedEnd(s, i, DQUOTE, false);
    } else if (c === DOLLAR && isDigit(d)) {
      kind = Tok.Param;
      end = i + 1;
      while (end < n && isDigit(s.charCodeAt(end))) end++;
    } else if (c === DOLLAR && (quoted = dollarQuoteEnd(s, i)) > 0) {
      kind = Tok.String;
      end = quoted;
    } else if (isDigit(c) || (c === DOT && isDigit(d))) {
      kind = Tok.Number;
      end = numberEnd(s, i);
    } else if (c === MINUS && (isDigit(d) || (d === DOT && isDigit(s.charCodeAt(i + 2)))) && this.signAllowed()) {
      kind = Tok.Number;
      end = numberEnd(s, i + 1);
    } else if (isWordStart(c) && (quoted = prefixedStringEnd(s, i, c, d)) > 0) {
      kind = Tok.String;
      end = quoted;
    } else if (isWordStart(c)) {
      kind = Tok.Word;
      while (end < n && isWordChar(s.charCodeAt(end))) end++;
    }
    this.end = end;
    if (kind !== Tok.Comment) this.remember(kind, c, i, end);
    return kind;
  }

  private remember(kind: Tok, c: number, start: number, end: number): void {
    this.prevKind = kind;
    this.prevChar = c;
    if (kind === Tok.Word) {
      this.prevWordStart = start;
      this.prevWordEnd = end;
    }
  }

  // A '-' is a sign unless what precedes it is an operand: a value, a name
  // (other than a keyword that starts an expression), or a closing bracket.
  private signAllowed(): boolean {
    switch (this.prevKind) {
      case Tok.End:
        return true;
      case Tok.Punct:
        return this.prevChar !== RPAREN && this.prevChar !== RBRACKET;
      case Tok.Word:
        return SIGN_KEYWORDS.has(this.text.slice(this.prevWordStart, this.prevWordEnd).toUpperCase());
      default:
        return false;
    }
  }
}

/** End of E'…', B'…', X'…', N'…' or U&'…' when the one-letter word at `i` prefixes one, else -1. */
function prefixedStringEnd(s: string, i: number, c: number, d: number): number {
  const letter = c | 0x20;
  if (d === QUOTE) {
    if (letter === 0x65) return quotedEnd(s, i + 1, QUOTE, true); // E'…': backslash escapes
    if (letter === 0x62 || letter === 0x78 || letter === 0x6e) return quotedEnd(s, i + 1, QUOTE, false);
  } else if (letter === 0x75 && d === AMP && s.charCodeAt(i + 2) === QUOTE) {
    return quotedEnd(s, i + 2, QUOTE, false);
  }
  return -1;
}

function isWord(s: string, start: number, end: number, upper: string): boolean {
  if (end - start !== upper.length) return false;
  for (let k = 0; k < upper.length; k++) {
    if ((s.charCodeAt(start + k) & ~0x20) !== upper.charCodeAt(k)) return false;
  }
  return true;
}

function isBooleanLiteral(s: string, start: number, end: number): boolean {
  return isWord(s, start, end, 'TRUE') || isWord(s, start, end, 'FALSE');
}

/**
 * Returns `text` with every literal replaced by `?`: strings of every kind
 * (with their escapes), dollar-quoted strings, numbers (a directly preceding
 * sign included), TRUE/FALSE; an IN list of literals only becomes `IN (?)`.
 * Comments are removed (they can hold anything, sqlcommenter tags included);
 * placeholders ($1), identifiers, quoted identifiers, casts and NULL stay.
 * An unterminated literal is replaced up to the end. Never throws.
 *
 * Semantic conventions, database spans, "Sanitization of db.query.text":
 * replace all literals (string, numeric, date and time, boolean, interval,
 * binary, hexadecimal) with `?`; IN-clauses MAY be collapsed to `IN (?)`.
 */
export function sanitizeSql(text: string): string {
  if (typeof text !== 'string') return '';
  try {
    return sanitize(text);
  } catch {
    return ''; // Unreachable by design; if not, record nothing rather than raw text.
  }
}

function sanitize(text: string): string {
  const lx = new Lexer(text);
  let out = '';
  let list = ''; // output held back while inside a possible IN list
  let copied = 0; // text before this index is already in `out` or `list`
  let state = 0; // 0: normal, 1: just after IN, 2: inside IN ( … )
  let literals = 0;
  let stripped = false;
  for (let kind = lx.next(); kind !== Tok.End; kind = lx.next()) {
    const { start, end } = lx;
    if (kind === Tok.Comment) {
      const glue = start > 0 && end < text.length && !isSpace(text.charCodeAt(start - 1)) && !isSpace(text.charCodeAt(end));
      const piece = text.slice(copied, start) + (glue ? ' ' : '');
      if (state === 2) list += piece;
      else out += piece;
      copied = end;
      stripped = true;
      continue;
    }
    if (kind === Tok.String || kind === Tok.Number || (kind === Tok.Word && isBooleanLiteral(text, start, end))) {
      const piece = text.slice(copied, start) + '?';
      copied = end;
      if (state === 2) {
        list += piece;
        literals++;
      } else {
        out += piece;
        state = 0;
      }
      continue;
    }
    const c = text.charCodeAt(start);
    if (kind === Tok.Punct && state === 1 && c === LPAREN) {
      out += text.slice(copied, end);
      copied = end;
      state = 2;
      literals = 0;
      continue;
    }
    if (kind === Tok.Punct && state === 2 && c === COMMA) continue;
    if (kind === Tok.Punct && state === 2 && c === RPAREN && literals > 0) {
      out += '?'; // only literals, commas and space were held back
      list = '';
      copied = start;
      state = 0;
      continue;
    }
    if (state === 2) {
      out += list;
      list = '';
    }
    state = kind === Tok.Word && isWord(text, start, end, 'IN') ? 1 : 0;
  }
  if (state === 2) out += list;
  if (copied === 0) return text;
  out += text.slice(copied);
  return stripped ? out.trim() : out;
}

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
  const closed = end - start >= 2 && text.charCodeAt(end - 1) === DQUOTE;
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
  while (kind === Tok.Punct && text.charCodeAt(lx.start) === LPAREN) {
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
      const isSemicolon = kind === Tok.Punct && this.text.charCodeAt(lx.start) === SEMICOLON;
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
    while (kind === Tok.Punct && text.charCodeAt(lx.start) === DOT) {
      kind = nextSignificant(lx);
      if (kind !== Tok.Word && kind !== Tok.QuotedIdent) break;
      name += '.' + identifierText(text, kind, lx.start, lx.end);
      kind = nextSignificant(lx);
    }
    if (this.collection !== undefined) this.several = true;
    this.collection = name;
    this.inFromList = this.operation === 'SELECT' || this.operation === 'TRUNCATE';
    // `FROM f(…)` calls a set-returning function; it is not a table.
    if (this.operation === 'SELECT' && kind === Tok.Punct && text.charCodeAt(lx.start) === LPAREN) this.several = true;
    return kind;
  }

  /** Applies one token outside a table name to the depth and the "several tables" verdict. */
  private observe(kind: Tok, word: string): void {
    const atTop = this.depth <= this.top;
    if (kind === Tok.Punct) {
      const c = this.text.charCodeAt(this.lx.start);
      if (c === LPAREN) this.depth++;
      else if (c === RPAREN) this.depth--;
      else if (c === COMMA && this.inFromList && atTop) this.several = true;
      else if (c === SEMICOLON && atTop) this.ended = true;
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
