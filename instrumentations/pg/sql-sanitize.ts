// db.query.text without the values in it: a statement's literals replaced by
// `?`, on the shared lexer of sql-scanner.ts. Pure functions: no pg import,
// linear time, never throw.
import { Char, isSpace, isWord, Lexer, Tok } from './sql-scanner';

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
    return new Sanitizer(text).run();
  } catch {
    return ''; // Unreachable by design; if not, record nothing rather than raw text.
  }
}

/** Where the sanitizer stands relative to a possible `IN ( … )` list of literals. */
const enum InList {
  No,
  /** The previous token was the word IN. */
  AfterIn,
  /** Inside IN ( … ), output held back until the list proves to hold only literals. */
  Inside,
}

function isBooleanLiteral(s: string, start: number, end: number): boolean {
  return isWord(s, start, end, 'TRUE') || isWord(s, start, end, 'FALSE');
}

/** One pass over one text: copies it token by token, replacing literals and dropping comments. */
class Sanitizer {
  private out = '';
  private held = ''; // output held back while inside a possible IN list
  private copied = 0; // text before this index is already in `out` or `held`
  private inList = InList.No;
  private literals = 0; // literals held back in the current IN list
  private stripped = false; // a comment was removed, so the ends may need trimming

  constructor(private readonly text: string) {}

  run(): string {
    const text = this.text;
    const lx = new Lexer(text);
    for (let kind = lx.next(); kind !== Tok.End; kind = lx.next()) {
      const { start, end } = lx;
      if (kind === Tok.Comment) this.dropComment(start, end);
      else if (kind === Tok.String || kind === Tok.Number || (kind === Tok.Word && isBooleanLiteral(text, start, end))) {
        this.replaceLiteral(start, end);
      } else this.copyToken(kind, start, end);
    }
    if (this.inList === InList.Inside) this.out += this.held;
    if (this.copied === 0) return text;
    const out = this.out + text.slice(this.copied);
    return this.stripped ? out.trim() : out;
  }

  private emit(piece: string): void {
    if (this.inList === InList.Inside) this.held += piece;
    else this.out += piece;
  }

  /** Drops a comment, leaving one space where it alone separated two tokens. */
  private dropComment(start: number, end: number): void {
    const text = this.text;
    const glue = start > 0 && end < text.length && !isSpace(text.charCodeAt(start - 1)) && !isSpace(text.charCodeAt(end));
    this.emit(text.slice(this.copied, start) + (glue ? ' ' : ''));
    this.copied = end;
    this.stripped = true;
  }

  private replaceLiteral(start: number, end: number): void {
    this.emit(this.text.slice(this.copied, start) + '?');
    this.copied = end;
    if (this.inList === InList.Inside) this.literals++;
    else this.inList = InList.No;
  }

  /** Any other token stays as written; it only moves the IN-list state along. */
  private copyToken(kind: Tok, start: number, end: number): void {
    const c = this.text.charCodeAt(start);
    const punct = kind === Tok.Punct;
    if (punct && this.inList === InList.AfterIn && c === Char.LParen) {
      this.out += this.text.slice(this.copied, end);
      this.copied = end;
      this.inList = InList.Inside;
      this.literals = 0;
      return;
    }
    if (punct && this.inList === InList.Inside && c === Char.Comma) return;
    if (punct && this.inList === InList.Inside && c === Char.RParen && this.literals > 0) {
      this.out += '?'; // only literals, commas and space were held back
      this.held = '';
      this.copied = start;
      this.inList = InList.No;
      return;
    }
    if (this.inList === InList.Inside) {
      this.out += this.held;
      this.held = '';
    }
    this.inList = kind === Tok.Word && isWord(this.text, start, end, 'IN') ? InList.AfterIn : InList.No;
  }
}
