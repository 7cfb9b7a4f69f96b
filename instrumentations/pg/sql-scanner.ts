// The PostgreSQL lexer that sql-sanitize.ts and sql-operation.ts share, so
// neither can mistake a literal for a table name or let a literal through. It
// knows comments (nested block comments included), every kind of string
// quoting, dollar quoting, numbers, placeholders and identifiers; it is not a
// SQL parser. Linear time, allocation-free per token, never throws on any text.

/** Character codes the SQL scanners compare against (a const enum: inlined, no lookups). */
export const enum Char {
  Space = 0x20,
  Tab = 0x09,
  Lf = 0x0a,
  Cr = 0x0d,
  Ff = 0x0c,
  Vt = 0x0b,
  DoubleQuote = 0x22,
  Dollar = 0x24,
  Amp = 0x26,
  Quote = 0x27,
  LParen = 0x28,
  RParen = 0x29,
  Star = 0x2a,
  Comma = 0x2c,
  Minus = 0x2d,
  Dot = 0x2e,
  Slash = 0x2f,
  Semicolon = 0x3b,
  RBracket = 0x5d,
  Backslash = 0x5c,
  Underscore = 0x5f,
}

/** The kind of token Lexer.next() found. */
export const enum Tok {
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

/** True for the whitespace characters PostgreSQL's scanner skips between tokens. */
export function isSpace(c: number): boolean {
  return c === Char.Space || c === Char.Lf || c === Char.Tab || c === Char.Cr || c === Char.Ff || c === Char.Vt;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function isWordStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === Char.Underscore || c >= 0x80;
}

// PostgreSQL identifiers may contain digits and '$' after the first character.
function isWordChar(c: number): boolean {
  return isWordStart(c) || isDigit(c) || c === Char.Dollar;
}

/** True when s[start..end) spells `upper` (an upper-case ASCII keyword) in any case, without allocating. */
export function isWord(s: string, start: number, end: number, upper: string): boolean {
  if (end - start !== upper.length) return false;
  for (let k = 0; k < upper.length; k++) {
    if ((s.charCodeAt(start + k) & ~0x20) !== upper.charCodeAt(k)) return false;
  }
  return true;
}

/** End of a '…' or "…" run opening at `i`; a doubled quote is an escaped one. Unterminated: the end of `s`. */
function quotedEnd(s: string, i: number, quote: number, backslashEscapes: boolean): number {
  const n = s.length;
  let j = i + 1;
  if (!backslashEscapes) {
    const q = quote === Char.Quote ? "'" : '"';
    for (;;) {
      const k = s.indexOf(q, j);
      if (k < 0) return n;
      if (s.charCodeAt(k + 1) !== quote) return k + 1;
      j = k + 2;
    }
  }
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c === Char.Backslash) j += 2;
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
    if (c === Char.Star && s.charCodeAt(j + 1) === Char.Slash) {
      j += 2;
      if (--depth === 0) return j;
    } else if (c === Char.Slash && s.charCodeAt(j + 1) === Char.Star) {
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
  if (j >= n || s.charCodeAt(j) !== Char.Dollar) return -1;
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
    while (j < n && (isHexDigit(s.charCodeAt(j)) || s.charCodeAt(j) === Char.Underscore)) j++;
    return j;
  }
  while (j < n && (isDigit(s.charCodeAt(j)) || s.charCodeAt(j) === Char.Underscore)) j++;
  if (s.charCodeAt(j) === Char.Dot && s.charCodeAt(j + 1) !== Char.Dot) {
    j++;
    while (j < n && (isDigit(s.charCodeAt(j)) || s.charCodeAt(j) === Char.Underscore)) j++;
  }
  if ((s.charCodeAt(j) | 0x20) === 0x65) {
    let k = j + 1;
    const sign = s.charCodeAt(k);
    if (sign === Char.Minus || sign === 0x2b) k++;
    if (isDigit(s.charCodeAt(k))) {
      j = k;
      while (j < n && isDigit(s.charCodeAt(j))) j++;
    }
  }
  return j;
}

/** End of E'…', B'…', X'…', N'…' or U&'…' when the one-letter word at `i` prefixes one, else -1. */
function prefixedStringEnd(s: string, i: number, c: number, d: number): number {
  const letter = c | 0x20;
  if (d === Char.Quote) {
    if (letter === 0x65) return quotedEnd(s, i + 1, Char.Quote, true); // E'…': backslash escapes
    if (letter === 0x62 || letter === 0x78 || letter === 0x6e) return quotedEnd(s, i + 1, Char.Quote, false);
  } else if (letter === 0x75 && d === Char.Amp && s.charCodeAt(i + 2) === Char.Quote) {
    return quotedEnd(s, i + 2, Char.Quote, false);
  }
  return -1;
}

/** One-token-at-a-time PostgreSQL lexer; `start`/`end` delimit the current token. */
export class Lexer {
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
    if (c === Char.Minus && d === Char.Minus) {
      kind = Tok.Comment;
      end = s.indexOf('\n', i);
      if (end < 0) end = n;
    } else if (c === Char.Slash && d === Char.Star) {
      kind = Tok.Comment;
      end = blockCommentEnd(s, i);
    } else if (c === Char.Quote) {
      kind = Tok.String;
      end = quotedEnd(s, i, Char.Quote, false);
    } else if (c === Char.DoubleQuote) {
      kind = Tok.QuotedIdent;
      end = quotedEnd(s, i, Char.DoubleQuote, false);
    } else if (c === Char.Dollar && isDigit(d)) {
      kind = Tok.Param;
      end = i + 1;
      while (end < n && isDigit(s.charCodeAt(end))) end++;
    } else if (c === Char.Dollar && (quoted = dollarQuoteEnd(s, i)) > 0) {
      kind = Tok.String;
      end = quoted;
    } else if (isDigit(c) || (c === Char.Dot && isDigit(d))) {
      kind = Tok.Number;
      end = numberEnd(s, i);
    } else if (c === Char.Minus && (isDigit(d) || (d === Char.Dot && isDigit(s.charCodeAt(i + 2)))) && this.signAllowed()) {
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
        return this.prevChar !== Char.RParen && this.prevChar !== Char.RBracket;
      case Tok.Word:
        return SIGN_KEYWORDS.has(this.text.slice(this.prevWordStart, this.prevWordEnd).toUpperCase());
      default:
        return false;
    }
  }
}
