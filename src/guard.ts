// The kill switch of each instrumentation. Our own errors stop here: they are
// logged once and switch that instrumentation off, and the app goes on as if
// the agent were not there (STYLE.md, principle 3).
import { log } from './log';

const disabled = new Set<string>();

/** True while the named instrumentation has not failed. */
export function isActive(name: string): boolean {
  return disabled.size === 0 || !disabled.has(name);
}

/** Switches an instrumentation off after an internal error. */
export function disableAfterError(name: string, err: unknown): void {
  if (disabled.has(name)) return;
  disabled.add(name);
  log.error(`internal error in the ${name} instrumentation; it is switched off and the app continues untraced by it`, err);
}

/** Runs `fn`, turning any error into disableAfterError; returns `fallback` then. */
export function guarded<T>(name: string, fallback: T, fn: () => T): T {
  if (!isActive(name)) return fallback;
  try {
    return fn();
  } catch (err) {
    disableAfterError(name, err);
    return fallback;
  }
}
