// Reads one HTTP/1.1 response (RFC 9112) from the bytes of a socket, fed as
// they arrive: the status line and header fields, then a body framed by
// chunked transfer coding, by Content-Length, or by the end of the connection.
// Interim 1xx responses are skipped. The exporter needs only the status, a few
// headers and the first bytes of the body, so the body beyond MAX_KEPT_BODY_BYTES
// is read and discarded rather than kept.

/** Response header fields by lower-case name; repeated fields joined with ', '. */
export type ResponseHeaders = Readonly<Record<string, string>>;

// Enough for a google.rpc.Status or partial-success message.
const MAX_KEPT_BODY_BYTES = 64 * 1024;
// A status line and header fields larger than this are not a collector's answer.
const MAX_HEAD_BYTES = 64 * 1024;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: |$)/;

const enum State { Head, Length, ChunkSize, ChunkData, ChunkEnd, Trailers, UntilClose, Done }

export class ResponseParser {
  status = 0;
  headers: ResponseHeaders = {};
  /** True once the whole response has been read. */
  complete = false;
  /** Set when the bytes are not a valid response; nothing more is read. */
  error: Error | undefined = undefined;
  /** Whether the connection may carry another request once complete. */
  keepAlive = false;

  private state = State.Head;
  /** Bytes of an unfinished line (head or chunk framing). */
  private pending: Buffer | undefined = undefined;
  /** Body bytes still to come in the current Content-Length body or chunk. */
  private remaining = 0;
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;

  /** Reads `chunk`; afterwards check `error` and `complete`. */
  feed(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && this.error === undefined) {
      switch (this.state) {
        case State.Head: at = this.readHead(chunk, at); break;
        case State.Length:
        case State.ChunkData: {
          const n = Math.min(this.remaining, chunk.length - at);
          this.keep(chunk.subarray(at, at + n));
          at += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            if (this.state === State.Length) this.finish();
            else this.state = State.ChunkEnd;
          }
          break;
        }
        case State.UntilClose:
          this.keep(at === 0 ? chunk : chunk.subarray(at));
          at = chunk.length;
          break;
        case State.ChunkSize:
        case State.ChunkEnd:
        case State.Trailers: at = this.readFramingLine(chunk, at); break;
        case State.Done:
          // Bytes after the response: not a conversation this client has (no pipelining).
          this.keepAlive = false;
          return;
      }
    }
  }

  /** The connection ended: true when that completes the response (a body read until close). */
  endOfInput(): boolean {
    if (this.state === State.UntilClose && this.error === undefined) {
      this.finish();
      this.keepAlive = false;
    }
    return this.complete;
  }

  /** The kept start of the body. */
  body(): Buffer {
    return this.kept.length === 1 ? this.kept[0] : Buffer.concat(this.kept);
  }

  private keep(bytes: Buffer): void {
    if (this.keptBytes >= MAX_KEPT_BODY_BYTES || bytes.length === 0) return;
    this.kept.push(bytes);
    this.keptBytes += bytes.length;
  }

  private fail(message: string): void {
    this.error = new Error(`invalid HTTP response from the collector: ${message}`);
    this.keepAlive = false;
  }

  private finish(): void {
    this.state = State.Done;
    this.complete = true;
  }

  /** Gathers the head up to its blank line, then parses it; returns where reading stopped. */
  private readHead(chunk: Buffer, at: number): number {
    const bytes = this.pending === undefined ? chunk.subarray(at) : Buffer.concat([this.pending, chunk.subarray(at)]);
    const end = bytes.indexOf('\r\n\r\n', 0, 'latin1');
    if (end < 0) {
      if (bytes.length > MAX_HEAD_BYTES) this.fail('header section too large');
      else this.pending = Buffer.from(bytes); // a copy: the socket's chunk is not ours to keep
      return chunk.length;
    }
    const consumed = end + 4 - (this.pending === undefined ? 0 : this.pending.length);
    this.pending = undefined;
    this.parseHead(bytes.toString('latin1', 0, end));
    return at + consumed;
  }

  private parseHead(text: string): void {
    const lines = text.split('\r\n');
    const status = STATUS_LINE.exec(lines[0]);
    if (status === null) {
      this.fail(`bad status line ${JSON.stringify(lines[0].slice(0, 80))}`);
      return;
    }
    const code = Number(status[2]);
    const headers: Record<string, string> = {};
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i].indexOf(':');
      if (colon <= 0) {
        this.fail('bad header line');
        return;
      }
      const name = lines[i].slice(0, colon).trim().toLowerCase();
      const value = lines[i].slice(colon + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    // 1xx: an interim answer; the real one follows on the same connection.
    if (code >= 100 && code < 200 && code !== 101) return;
    this.status = code;
    this.headers = headers;
    const tokens = (headers.connection ?? '').toLowerCase();
    this.keepAlive = status[1] === '1' ? !/(?:^|,)\s*close\s*(?:,|$)/.test(tokens) : /(?:^|,)\s*keep-alive\s*(?:,|$)/.test(tokens);
    this.frameBody(code, headers);
  }

  // RFC 9112 section 6.3, "Message Body Length", for a response to a POST.
  private frameBody(code: number, headers: Record<string, string>): void {
    if (code === 204 || code === 304 || code === 101) {
      if (code === 101) this.keepAlive = false;
      this.finish();
      return;
    }
    const coding = headers['transfer-encoding'];
    if (coding !== undefined) {
      if (/(?:^|,)\s*chunked\s*$/i.test(coding)) this.state = State.ChunkSize;
      else {
        this.state = State.UntilClose;
        this.keepAlive = false;
      }
      return;
    }
    const length = headers['content-length'];
    if (length !== undefined) {
      const values = new Set(length.split(',').map((v) => v.trim()));
      const only = values.size === 1 ? [...values][0] : '';
      if (!/^\d{1,15}$/.test(only)) {
        this.fail(`bad Content-Length ${JSON.stringify(length.slice(0, 40))}`);
        return;
      }
      this.remaining = Number(only);
      if (this.remaining === 0) this.finish();
      else this.state = State.Length;
      return;
    }
    this.state = State.UntilClose;
    this.keepAlive = false;
  }

  /** Reads one CRLF-ended line of chunked framing (size, end of data, trailer); returns where reading stopped. */
  private readFramingLine(chunk: Buffer, at: number): number {
    const lf = chunk.indexOf(10, at);
    if (lf < 0) {
      const rest = chunk.subarray(at);
      this.pending = this.pending === undefined ? Buffer.from(rest) : Buffer.concat([this.pending, rest]);
      if (this.pending.length > MAX_HEAD_BYTES) this.fail('chunk framing line too long');
      return chunk.length;
    }
    let line = chunk.toString('latin1', at, lf);
    if (this.pending !== undefined) {
      line = this.pending.toString('latin1') + line;
      this.pending = undefined;
    }
    if (line.endsWith('\r')) line = line.slice(0, -1);
    this.framingLine(line);
    return lf + 1;
  }

  private framingLine(line: string): void {
    switch (this.state) {
      case State.ChunkSize: {
        const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line);
        if (size === null) {
          this.fail('bad chunk size');
          return;
        }
        this.remaining = parseInt(size[1], 16);
        this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
        return;
      }
      case State.ChunkEnd:
        if (line !== '') this.fail('chunk data longer than its size');
        else this.state = State.ChunkSize;
        return;
      default:
        // Trailer fields are ignored; the blank line ends the response.
        if (line === '') this.finish();
    }
  }
}
