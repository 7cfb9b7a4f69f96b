// Attribute validation and limits (spec: "Attribute" and "Attribute Limits").
// Invalid values are dropped silently (debug log); values over the length limit
// are truncated; keys over the count limit are dropped and counted.
import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { log } from './log';

/** A bag of attributes with its limits and a count of what they dropped. */
export interface AttributeBag {
  /** Replaced only by adoptValues and adoptBuiltValues, on a bag still empty. */
  values: Attributes;
  /** How many keys `values` has; while `bounded`, at most this many (adoptBuiltValues). */
  count: number;
  bounded: boolean;
  dropped: number;
}

/** True for the value types the spec allows: primitives and homogeneous arrays of them. */
export function isValidValue(value: unknown): value is AttributeValue {
  const t = typeof value;
  if (t === 'string' || t === 'boolean') return true;
  if (t === 'number') return true;
  if (!Array.isArray(value)) return false;
  let kind: string | undefined;
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    if (item === null || item === undefined) continue;
    const it = typeof item;
    if (it !== 'string' && it !== 'number' && it !== 'boolean') return false;
    if (kind === undefined) kind = it;
    else if (kind !== it) return false;
  }
  return true;
}

/**
 * The value a bag keeps: strings cut to `max`, and arrays always copied (and
 * their strings cut), so an app changing its array after setting it changes
 * nothing recorded, even while the ended span waits to be encoded.
 */
function stored(value: AttributeValue, max: number): AttributeValue {
  if (typeof value === 'string') return value.length > max ? value.slice(0, max) : value;
  if (Array.isArray(value)) {
    const out = value.slice();
    for (let i = 0; i < out.length; i++) {
      const item = out[i];
      if (typeof item === 'string' && item.length > max) out[i] = item.slice(0, max);
    }
    return out as AttributeValue;
  }
  return value;
}

/** Sets one attribute on `bag`, honouring the count and length limits. */
export function setAttribute(bag: AttributeBag, key: string, value: unknown, countLimit: number, lengthLimit: number): void {
  if (typeof key !== 'string' || key.length === 0) {
    log.debug(`invalid attribute key ${String(key)} ignored`);
    return;
  }
  if (value === undefined || value === null) return;
  if (!isValidValue(value)) {
    log.debug(`invalid value for attribute ${key} ignored`);
    return;
  }
  const values = bag.values as Record<string, AttributeValue>;
  if (bag.bounded && bag.count < countLimit) {
    // A bound plus one is still a bound, whether the key is new or not: no lookup.
    bag.count++;
  } else if (!(key in values)) {
    // Here a bounded count has reached the limit: only the exact one can tell.
    if (bag.bounded) recount(bag);
    if (bag.count >= countLimit) {
      bag.dropped++;
      return;
    }
    bag.count++;
  }
  values[key] = stored(value, lengthLimit);
}

/**
 * The attribute values of one span: a plain object made by a constructor, so
 * V8's in-object slack tracking sizes it for the attributes spans really get
 * (a literal {} holds four in the object and reallocates its property store as
 * a span's ten or so are added; ~20% faster to fill, Node 20 and 24). Its
 * prototype is Object.prototype, so to every reader it is a plain object.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-function
function AttributeValues(this: Attributes): void {}
AttributeValues.prototype = Object.prototype;
const newValues = (): Attributes => new (AttributeValues as unknown as new () => Attributes)();

/** Builds a new bag from `attributes` with the given limits. */
export function newBag(attributes: Attributes | undefined, countLimit: number, lengthLimit: number): AttributeBag {
  const bag: AttributeBag = { values: newValues(), count: 0, bounded: false, dropped: 0 };
  if (attributes !== undefined && attributes !== null) fillEmptyBag(bag, attributes, countLimit, lengthLimit);
  return bag;
}

/** Sets every attribute of `attributes` on `bag`, honouring the limits. */
export function setAttributes(bag: AttributeBag, attributes: Attributes, countLimit: number, lengthLimit: number): void {
  // An instrumentation sets its request attributes in one call on a fresh span: the fast path.
  if (bag.count === 0 && bag.dropped === 0) {
    fillEmptyBag(bag, attributes, countLimit, lengthLimit);
    return;
  }
  for (const key in attributes) setAttribute(bag, key, attributes[key], countLimit, lengthLimit);
}

/**
 * Makes `attributes` the values of the empty `bag` itself, with no copy, when
 * they are within the limits as they are: every value valid and not null, no
 * string over the length limit, no more keys than the count limit. Returns false
 * (and leaves the bag alone) otherwise. Only for objects built for this bag and
 * never touched again by their maker: copying them cost a megamorphic store per
 * attribute, about 2,500 instructions per HTTP server span.
 */
function adoptValues(bag: AttributeBag, attributes: Attributes, countLimit: number, lengthLimit: number): boolean {
  if (bag.count !== 0 || bag.dropped !== 0) return false;
  let count = 0;
  for (const key in attributes) {
    const value = attributes[key];
    // Strings, numbers and booleans only; anything rarer (arrays, null) takes the copying path.
    switch (typeof value) {
      case 'string':
        if (value.length > lengthLimit) return false;
        break;
      case 'number':
      case 'boolean':
        break;
      default:
        return false;
    }
    if (key === '') return false;
    count++;
  }
  if (count > countLimit) return false;
  bag.values = attributes;
  bag.count = count;
  return true;
}

/** The most keys an instrumentation's attribute builder makes (adoptBuiltValues); a test holds the builders to it. */
export const MAX_BUILT_KEYS = 32;

/**
 * adoptValues for an object valid by construction: an instrumentation's
 * attribute builder, whose values are all strings, numbers or booleans under
 * non-empty keys, at most MAX_BUILT_KEYS of them. Without a value length limit
 * (the default) nothing is checked, and the count is kept as that bound until a
 * limit needs the exact one: the pass over the values cost about 670
 * instructions per HTTP server span (callgrind, Node 24). Otherwise as adoptValues.
 */
export function adoptBuiltValues(bag: AttributeBag, attributes: Attributes, countLimit: number, lengthLimit: number): boolean {
  if (lengthLimit !== Infinity || countLimit < MAX_BUILT_KEYS || bag.count !== 0 || bag.dropped !== 0) {
    return adoptValues(bag, attributes, countLimit, lengthLimit);
  }
  bag.values = attributes;
  bag.count = MAX_BUILT_KEYS;
  bag.bounded = true;
  return true;
}

// The exact count of a bag whose count was a bound.
function recount(bag: AttributeBag): void {
  let count = 0;
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  for (const _ in bag.values) count++;
  bag.count = count;
  bag.bounded = false;
}

function fillEmptyBag(bag: AttributeBag, attributes: Attributes, countLimit: number, lengthLimit: number): void {
  const values = bag.values as Record<string, AttributeValue>;
  let count = 0;
  let dropped = 0;
  // for-in yields each key once, so unlike setAttribute this needs no `key in
  // values` check, a megamorphic lookup that was a large part of span start.
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    if (key.length === 0 || !isValidValue(value)) {
      log.debug(`invalid attribute ${key} ignored`);
      continue;
    }
    if (count >= countLimit) {
      dropped++;
      continue;
    }
    count++;
    values[key] = stored(value, lengthLimit);
  }
  bag.count = count;
  bag.dropped = dropped;
}
