// Reads the two things the exporter wants from a collector's response body:
// the partial-success report of a 200 (OTLP spec, "Partial Success") and the
// google.rpc.Status message of a failure ("Failures"). Both come as protobuf
// or JSON, following the response's Content-Type. Unreadable bodies give
// "nothing to report", never an exception.

/** A collector's report that it accepted only part of a batch. */
export interface PartialSuccess {
  readonly rejectedSpans: number;
  readonly errorMessage: string;
}

const MAX_MESSAGE_CHARS = 300;
const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

/** The partial success in a 200 response, or undefined when everything was accepted. */
export function readPartialSuccess(body: Uint8Array, contentType: string | undefined): PartialSuccess | undefined {
  if (body.length === 0) return undefined;
  let rejected = 0;
  let message = '';
  if (isJson(contentType)) {
    const parsed = parseJson(body) as Record<string, unknown> | undefined;
    const partial = (parsed?.partialSuccess ?? parsed?.partial_success) as Record<string, unknown> | undefined;
    if (partial === null || typeof partial !== 'object') return undefined;
    rejected = Number(partial.rejectedSpans ?? partial.rejected_spans ?? 0) || 0;
    const text = partial.errorMessage ?? partial.error_message;
    message = typeof text === 'string' ? text : '';
  } else {
    // ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
    // ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }
    const partial = protoField(body, 1, WIRE_LEN);
    if (!(partial instanceof Uint8Array)) return undefined;
    const count = protoField(partial, 1, WIRE_VARINT);
    rejected = typeof count === 'number' ? count : 0;
    message = protoString(partial, 2);
  }
  // Spec: a partial_success with rejected 0 and an empty message means full success.
  if (rejected === 0 && message === '') return undefined;
  return { rejectedSpans: rejected, errorMessage: clip(message) };
}

/** The human-readable reason in a failure response body, or '' when there is none. */
export function readErrorMessage(body: Uint8Array, contentType: string | undefined): string {
  if (body.length === 0) return '';
  if (isJson(contentType)) {
    const parsed = parseJson(body) as Record<string, unknown> | undefined;
    const message = parsed?.message;
    return typeof message === 'string' ? clip(message) : clip(Buffer.from(body).toString('utf8'));
  }
  if (isProtobuf(contentType)) {
    // google.rpc.Status { int32 code = 1; string message = 2; repeated Any details = 3; }
    return clip(protoString(body, 2));
  }
  return clip(Buffer.from(body).toString('utf8'));
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.includes('json');
}

function isProtobuf(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.includes('protobuf');
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return undefined;
  }
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_MESSAGE_CHARS ? flat.slice(0, MAX_MESSAGE_CHARS) + '...' : flat;
}

function protoString(buf: Uint8Array, field: number): string {
  const bytes = protoField(buf, field, WIRE_LEN);
  return bytes instanceof Uint8Array ? Buffer.from(bytes).toString('utf8') : '';
}

/**
 * The first occurrence of `field` with `wireType` at the top level of a
 * protobuf message: a number for varints, the bytes for length-delimited
 * fields, undefined when absent or the bytes are malformed.
 */
function protoField(buf: Uint8Array, field: number, wireType: number): number | Uint8Array | undefined {
  const cursor = { pos: 0 };
  while (cursor.pos < buf.length) {
    const key = readVarint(buf, cursor);
    if (key === undefined) return undefined;
    const type = key % 8;
    const number = Math.floor(key / 8);
    let value: number | Uint8Array | undefined;
    if (type === WIRE_VARINT) value = readVarint(buf, cursor);
    else if (type === WIRE_LEN) {
      const length = readVarint(buf, cursor);
      if (length === undefined || cursor.pos + length > buf.length) return undefined;
      value = buf.subarray(cursor.pos, cursor.pos + length);
      cursor.pos += length;
    } else if (type === WIRE_I64) cursor.pos += 8;
    else if (type === WIRE_I32) cursor.pos += 4;
    else return undefined;
    if (cursor.pos > buf.length) return undefined;
    if (number === field && type === wireType) return value;
  }
  return undefined;
}

// Multiplication instead of bit shifts: varints may carry up to 64 bits and
// JavaScript bitwise operators stop at 32 (precision loss above 2^53 is fine here).
function readVarint(buf: Uint8Array, cursor: { pos: number }): number | undefined {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10 && cursor.pos < buf.length; i++) {
    const byte = buf[cursor.pos++];
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) return result;
    scale *= 128;
  }
  return undefined;
}
