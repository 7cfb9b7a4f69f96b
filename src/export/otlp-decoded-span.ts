// What the OTLP decoders share: the FinishedSpan they start from and the
// wire-to-api mappings of ids, kinds, status codes and flags.
import type { FinishedSpan, InstrumentationScope, ResourceData } from '../span-data';

/** A writable view of a read-only shape, for decoders building one field by field. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** trace.proto SpanFlags: the parent (or linked) span context is remote. */
export const SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK = 0x200;

const HEX_PAIRS: string[] = [];
for (let i = 0; i < 256; i++) HEX_PAIRS.push((i < 16 ? '0' : '') + i.toString(16));

/** Bytes as lowercase hex, the form ids take in FinishedSpan. */
export function hex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX_PAIRS[bytes[i]];
  return s;
}

/** A FinishedSpan with every field at its proto3 default, for decoders to fill in. */
export function emptySpan(resource: ResourceData, scope: InstrumentationScope): Mutable<FinishedSpan> {
  return {
    name: '',
    kind: 0,
    // Senders that predate span flags only export sampled spans: SAMPLED unless flags say otherwise.
    spanContext: { traceId: '', spanId: '', traceFlags: 1, isRemote: false },
    parentSpanId: undefined,
    parentIsRemote: false,
    startTime: 0,
    endTime: 0,
    attributes: {},
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0 },
    resource,
    scope,
  };
}

/** api SpanKind from the wire value: SPAN_KIND_INTERNAL=1 is INTERNAL=0; unspecified or unknown is INTERNAL. */
export function spanKindFromWire(kind: number): number {
  return kind >= 1 && kind <= 5 ? kind - 1 : 0;
}

/** api SpanStatusCode from the wire value; unknown codes are UNSET. */
export function statusCodeFromWire(code: number): number {
  return code === 1 || code === 2 ? code : 0;
}

