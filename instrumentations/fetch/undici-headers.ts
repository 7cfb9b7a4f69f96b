// Reading header lists in the shapes the undici versions we meet use: request
// headers are a flat [name, value, ...] array from undici 6 on (a value may be
// a string[]; names may be Buffers when the app passed them so) and a block of
// `name: value\r\n` lines in undici 5 (early Node 20); response headers are a
// flat array of Buffers, or an object in some HTTP/2 paths. Anything else reads
// as "no such header". `name` is always given in lower case.

/** True when `headers` already holds a header called `name`. */
export function hasHeader(headers: unknown, name: string): boolean {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) if (sameName(headers[i], name)) return true;
    return false;
  }
  if (typeof headers === 'string') return lineValues(headers, name) !== undefined;
  if (headers !== null && typeof headers === 'object') return objectValues(headers, name) !== undefined;
  return false;
}

/** Every value of header `name` in `headers`, or undefined when it is absent. */
export function headerValues(headers: unknown, name: string): string[] | undefined {
  if (Array.isArray(headers)) return pairValues(headers, name);
  if (typeof headers === 'string') return lineValues(headers, name);
  if (headers !== null && typeof headers === 'object') return objectValues(headers, name);
  return undefined;
}

function sameName(candidate: unknown, name: string): boolean {
  // Length first: most names differ in length, and that needs no lower-casing.
  if (typeof candidate === 'string') return candidate.length === name.length && candidate.toLowerCase() === name;
  if (candidate instanceof Uint8Array) {
    return candidate.length === name.length && latin1(candidate).toLowerCase() === name;
  }
  return false;
}

// Header bytes are ISO-8859-1 (RFC 9110, section 5.5); a view, not a copy.
function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function pushValue(out: string[], value: unknown): void {
  if (Array.isArray(value)) {
    for (const v of value) pushValue(out, v);
  } else if (typeof value === 'string') {
    out.push(value);
  } else if (value instanceof Uint8Array) {
    out.push(latin1(value));
  } else if (typeof value === 'number') {
    out.push(String(value));
  }
}

function pairValues(list: readonly unknown[], name: string): string[] | undefined {
  let out: string[] | undefined;
  for (let i = 0; i + 1 < list.length; i += 2) {
    if (!sameName(list[i], name)) continue;
    out ??= [];
    pushValue(out, list[i + 1]);
  }
  return out;
}

function lineValues(block: string, name: string): string[] | undefined {
  let out: string[] | undefined;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0 || line.slice(0, colon).trim().toLowerCase() !== name) continue;
    out ??= [];
    out.push(line.slice(colon + 1).trim());
  }
  return out;
}

function objectValues(headers: object, name: string): string[] | undefined {
  let out: string[] | undefined;
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== name) continue;
    out ??= [];
    pushValue(out, (headers as Record<string, unknown>)[key]);
  }
  return out;
}
