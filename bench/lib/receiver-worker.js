'use strict';
// The counting OTLP/HTTP receiver of the end-to-end suites, run as its own
// process. It accepts POST /v1/traces (protobuf or JSON, optionally gzip) as a
// collector would, counts the spans, and answers 200 with an empty
// ExportTraceServiceResponse.
//
// Why not spanwise's own startOtlpReceiver: it decodes every span into objects,
// about 11 µs of CPU per span here, a quarter of a core at 20,000 spans/s. On
// this two-core machine that CPU is taken from the server and the load
// generator, so it would be charged to the agents as overhead that a real
// collector (on another machine) never causes. Counting walks the protobuf wire
// format without building anything (about 5 µs for 512 spans). To show that the
// bytes are real OTLP all the same, some requests are also decoded in full by
// spanwise's decoder and their span count compared; a mismatch is reported.
// Which ones: the first two on every connection (each server under test opens
// its own, so every agent and every run is checked) and every 1,024th after.
// A full decode of 512 spans takes about 9.5 ms here: checking every 64th
// request, as this receiver once did, doubled its CPU (330 against 180 to 240
// µs per export of 512 spans, Node 24), CPU taken from the server under test.
//
// Runner protocol (IPC): sends { type: 'ready', url }; answers { type: 'count' }
// with { spans, requests, rejected, mismatches, cpu }; stops on { type: 'stop' }.
const http = require('node:http');
const { gunzipSync } = require('node:zlib');
const { decodeTraceRequestProtobuf, decodeTraceRequestJson } = require('../../dist/src/export/otlp-decode.js');

const CHECK_FIRST_PER_CONNECTION = 2;
const CHECK_EVERY = 1024;
const SERVED = Symbol('requests served on this connection');
const stats = { spans: 0, requests: 0, rejected: 0, mismatches: 0 };

/** Reads a varint at `pos`; returns [value, next position]. Values above 2^53 lose precision, which is fine for lengths. */
function varint(buf, pos) {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, pos];
    scale *= 128;
  }
  throw new Error('varint too long');
}

/** Calls `onField(start, end)` for every length-delimited field numbered `wanted` in buf[start, end). */
function eachField(buf, start, end, wanted, onField) {
  let pos = start;
  while (pos < end) {
    const [key, afterKey] = varint(buf, pos);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    pos = afterKey;
    if (wire === 0) pos = varint(buf, pos)[1];
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [length, body] = varint(buf, pos);
      pos = body + length;
      if (pos > end) throw new Error('length past end of message');
      if (field === wanted) onField(body, pos);
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  if (pos !== end) throw new Error('field past end of message');
}

/** Spans in an ExportTraceServiceRequest: resource_spans (1) > scope_spans (2) > spans (2). */
function countProtobufSpans(buf) {
  let n = 0;
  eachField(buf, 0, buf.length, 1, (rs, rsEnd) => {
    eachField(buf, rs, rsEnd, 2, (ss, ssEnd) => {
      eachField(buf, ss, ssEnd, 2, () => { n++; });
    });
  });
  return n;
}

function countJsonSpans(text) {
  let n = 0;
  for (const rs of JSON.parse(text).resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) n += (ss.spans ?? []).length;
  return n;
}

function accept(req, body) {
  if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
  const json = (req.headers['content-type'] ?? '').startsWith('application/json');
  const n = json ? countJsonSpans(body.toString('utf8')) : countProtobufSpans(body);
  stats.requests++;
  stats.spans += n;
  const served = (req.socket[SERVED] = (req.socket[SERVED] ?? 0) + 1);
  if (served <= CHECK_FIRST_PER_CONNECTION || stats.requests % CHECK_EVERY === 0) {
    const decoded = json ? decodeTraceRequestJson(body.toString('utf8')) : decodeTraceRequestProtobuf(body);
    if (decoded.length !== n) stats.mismatches++;
  }
  return json;
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.method !== 'POST' || req.url.split('?')[0] !== '/v1/traces') {
      res.writeHead(404).end();
      return;
    }
    try {
      const json = accept(req, Buffer.concat(chunks));
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : '');
    } catch (error) {
      stats.rejected++;
      res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error.message));
    }
  });
});
server.keepAliveTimeout = 30_000;

server.listen(0, '127.0.0.1', () => {
  process.send({ type: 'ready', url: `http://127.0.0.1:${server.address().port}` });
});
process.on('message', (message) => {
  if (message.type === 'count') process.send({ type: 'count', ...stats, cpu: process.cpuUsage() });
  if (message.type === 'stop') {
    server.close();
    server.closeAllConnections();
    process.disconnect();
  }
});
