// Method wrapping on top of shimmer, with the guarantees the preload promises:
// the wrapper keeps the original's name, length and own properties, and a
// method is never wrapped twice (two copies of register.js, require + import).
import * as shimmer from 'shimmer';

type AnyFunction = (...args: any[]) => any;

const SKIP = new Set(['length', 'name', 'prototype', 'arguments', 'caller']);

/** True when `fn` is already one of our wrappers (or anyone's shimmer wrapper). */
export function isWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { __wrapped?: boolean }).__wrapped === true;
}

/**
 * Replaces `target[name]` with `makeWrapper(original)`. A no-op when the method
 * is missing or already wrapped. Returns true when it wrapped.
 */
export function wrapMethod<T extends object>(
  target: T, name: keyof T & string, makeWrapper: (original: AnyFunction) => AnyFunction,
): boolean {
  const original = (target as Record<string, unknown>)[name];
  if (typeof original !== 'function' || isWrapped(original)) return false;
  shimmer.wrap(target as Record<string, AnyFunction>, name, (orig: AnyFunction) => {
    const wrapper = makeWrapper(orig);
    copyIdentity(orig, wrapper);
    return wrapper;
  });
  return true;
}

/** Restores a method wrapped by wrapMethod. */
export function unwrapMethod<T extends object>(target: T, name: keyof T & string): void {
  if (isWrapped((target as Record<string, unknown>)[name])) shimmer.unwrap(target as Record<string, AnyFunction>, name);
}

function copyIdentity(original: AnyFunction, wrapper: AnyFunction): void {
  Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true });
  Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true });
  for (const key of Reflect.ownKeys(original)) {
    if (typeof key === 'string' && SKIP.has(key)) continue;
    if (Object.prototype.hasOwnProperty.call(wrapper, key)) continue;
    const desc = Object.getOwnPropertyDescriptor(original, key);
    if (desc !== undefined) Object.defineProperty(wrapper, key, desc);
  }
  if (original.prototype !== undefined) wrapper.prototype = original.prototype;
}
