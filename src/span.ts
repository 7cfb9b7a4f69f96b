// A recording span. Mutable until end(); end() hands a read-only snapshot to
// the processor. Every method is a no-op after end and none of them throws.
import {
  SpanStatusCode, type Attributes, type AttributeValue, type Exception, type Link, type Span as ApiSpan,
  type SpanContext, type SpanKind, type SpanStatus, type TimeInput,
} from '@opentelemetry/api';
import { adoptBuiltValues, newBag, setAttribute, setAttributes, type AttributeBag } from './attributes';
import { now, toEpochMs } from './clock';
import type { SpanLimits } from './config';
import type { FinishedSpan, InstrumentationScope, ResourceData, SpanEventData, SpanLinkData } from './span-data';

/** What every span of one tracer shares: limits, resource, scope, and where finished spans go. */
export interface SpanOwner {
  readonly limits: SpanLimits;
  readonly resource: ResourceData;
  readonly scope: InstrumentationScope;
  onEnd(span: FinishedSpan): void;
}

const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });
// Most spans have no events and no links: they share these instead of two arrays each.
const NO_EVENTS: readonly SpanEventData[] = Object.freeze([]);
const NO_LINKS: readonly SpanLinkData[] = Object.freeze([]);
// What an ended span holds instead of its attributes (see end()).
const ENDED_BAG: AttributeBag = Object.freeze({ values: Object.freeze({}), count: 0, bounded: false, dropped: 0 }) as AttributeBag;

/** A sampled, recording span implementing the @opentelemetry/api Span. */
export class RecordingSpan implements ApiSpan {
  private ended = false;
  private name: string;
  private attrs: AttributeBag;
  private events: SpanEventData[] | undefined = undefined;
  private droppedEvents = 0;
  private links: SpanLinkData[] | undefined = undefined;
  private droppedLinks = 0;
  private status: SpanStatus = UNSET;
  /** Epoch ms at start; exposed for instrumentations that need durations. */
  readonly startTime: number;

  constructor(
    private readonly owner: SpanOwner,
    private readonly context: SpanContext,
    name: string,
    readonly kind: SpanKind,
    private readonly parent: SpanContext | undefined,
    attributes: Attributes | undefined,
    links: readonly Link[] | undefined,
    startTime: TimeInput | undefined,
  ) {
    this.name = name;
    this.startTime = toEpochMs(startTime);
    const l = owner.limits;
    this.attrs = newBag(attributes, l.attributeCountLimit, l.attributeValueLengthLimit);
    if (links !== undefined) for (let i = 0; i < links.length; i++) this.addLink(links[i]);
  }

  spanContext(): SpanContext {
    return this.context;
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (!this.ended) {
      const l = this.owner.limits;
      setAttribute(this.attrs, key, value, l.attributeCountLimit, l.attributeValueLengthLimit);
    }
    return this;
  }

  setAttributes(attributes: Attributes): this {
    if (!this.ended && attributes !== null && typeof attributes === 'object') {
      const l = this.owner.limits;
      setAttributes(this.attrs, attributes, l.attributeCountLimit, l.attributeValueLengthLimit);
    }
    return this;
  }

  /** setAttributes for an object built for this span alone (giveAttributes): kept as it is when it fits the limits. */
  adoptAttributes(attributes: Attributes): void {
    if (this.ended) return;
    const l = this.owner.limits;
    if (!adoptBuiltValues(this.attrs, attributes, l.attributeCountLimit, l.attributeValueLengthLimit)) this.setAttributes(attributes);
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    const l = this.owner.limits;
    const events = (this.events ??= []);
    if (events.length >= l.eventCountLimit) {
      this.droppedEvents++;
      return this;
    }
    let attributes: Attributes | undefined;
    if (isTimeInput(attributesOrTime)) time = attributesOrTime;
    else attributes = attributesOrTime;
    const bag = newBag(attributes, l.attributePerEventCountLimit, l.attributeValueLengthLimit);
    events.push({ name: String(name), time: toEpochMs(time), attributes: bag.values, droppedAttributesCount: bag.dropped });
    return this;
  }

  addLink(link: Link): this {
    if (this.ended || link === null || typeof link !== 'object' || link.context === undefined) return this;
    const l = this.owner.limits;
    const links = (this.links ??= []);
    if (links.length >= l.linkCountLimit) {
      this.droppedLinks++;
      return this;
    }
    const bag = newBag(link.attributes, l.attributePerLinkCountLimit, l.attributeValueLengthLimit);
    links.push({ context: link.context, attributes: bag.values, droppedAttributesCount: bag.dropped });
    return this;
  }

  addLinks(links: Link[]): this {
    if (Array.isArray(links)) for (let i = 0; i < links.length; i++) this.addLink(links[i]);
    return this;
  }

  /** Spec "Set Status": OK is final, UNSET is ignored, a description only goes with ERROR. */
  setStatus(status: SpanStatus): this {
    if (this.ended || status === null || typeof status !== 'object') return this;
    if (this.status.code === SpanStatusCode.OK || status.code === SpanStatusCode.UNSET) return this;
    if (status.code === SpanStatusCode.OK) this.status = { code: SpanStatusCode.OK };
    else if (status.code === SpanStatusCode.ERROR) {
      this.status = typeof status.message === 'string'
        ? { code: SpanStatusCode.ERROR, message: status.message }
        : { code: SpanStatusCode.ERROR };
    }
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = String(name);
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    let end = endTime === undefined ? now() : toEpochMs(endTime);
    if (end < this.startTime) end = this.startTime;
    const finished = this.snapshot(end);
    // What the span recorded now belongs to the snapshot. The span object itself
    // can stay reachable long after its request: through the contexts it was
    // active in, which Node 24 keeps in the async context frame of every timer,
    // stream and promise made there, some of which undici keeps until a full
    // collection. Holding its attributes, events and links too made each such
    // request promote several KB more to the old generation (express + pg route,
    // --trace-gc-nvp, Node 24: 12.5 to 15.2 KB per request against 8.6 to 11.3
    // without, and 8.4 to 9.4 with no agent).
    this.attrs = ENDED_BAG;
    this.events = undefined;
    this.links = undefined;
    this.owner.onEnd(finished);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  /** Spec "Record Exception": an `exception` event with type, message and stacktrace. */
  recordException(exception: Exception, time?: TimeInput): void {
    this.addEvent('exception', exceptionAttributes(exception), time);
  }

  /** The current name; instrumentations read it before renaming. */
  getName(): string {
    return this.name;
  }

  /** A live read of one attribute, for instrumentations that enrich spans; nothing once the span has ended. */
  getAttribute(key: string): AttributeValue | undefined {
    return this.attrs.values[key];
  }

  private snapshot(endTime: number): FinishedSpan {
    const owner = this.owner;
    return {
      name: this.name,
      kind: this.kind,
      spanContext: this.context,
      parentSpanId: this.parent?.spanId,
      parentIsRemote: this.parent?.isRemote === true,
      parentSpanContext: this.parent,
      startTime: this.startTime,
      endTime,
      attributes: this.attrs.values,
      droppedAttributesCount: this.attrs.dropped,
      events: this.events ?? NO_EVENTS,
      droppedEventsCount: this.droppedEvents,
      links: this.links ?? NO_LINKS,
      droppedLinksCount: this.droppedLinks,
      status: this.status,
      resource: owner.resource,
      scope: owner.scope,
    };
  }
}

/**
 * Sets `attributes` on `span` like setAttributes, for an object its caller built
 * for this span and will neither keep nor change: an instrumentation's request
 * attributes, valid by construction (attributes.ts adoptBuiltValues: strings,
 * numbers and booleans under non-empty keys, at most MAX_BUILT_KEYS). A
 * recording span with no attributes yet takes the object itself.
 */
export function giveAttributes(span: ApiSpan, attributes: Attributes): void {
  if (span instanceof RecordingSpan) span.adoptAttributes(attributes);
  else span.setAttributes(attributes);
}

function isTimeInput(v: unknown): v is TimeInput {
  return typeof v === 'number' || v instanceof Date || (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number');
}

/** The semantic-convention attributes of an `exception` event. */
export function exceptionAttributes(exception: Exception): Attributes {
  const attributes: Attributes = {};
  if (typeof exception === 'string') {
    attributes['exception.message'] = exception;
    return attributes;
  }
  if (exception === null || typeof exception !== 'object') {
    attributes['exception.message'] = String(exception);
    return attributes;
  }
  const e = exception as { name?: unknown; code?: unknown; message?: unknown; stack?: unknown };
  const type = typeof e.name === 'string' ? e.name : e.code !== undefined ? String(e.code) : undefined;
  if (type !== undefined) attributes['exception.type'] = type;
  if (typeof e.message === 'string') attributes['exception.message'] = e.message;
  if (typeof e.stack === 'string') attributes['exception.stacktrace'] = e.stack;
  return attributes;
}
