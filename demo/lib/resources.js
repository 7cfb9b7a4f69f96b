'use strict';
// Everything the scenario starts, and how to stop it again, in two tiers:
// services first (their agents flush spans to the receiver on the way out),
// then the receiver, the payment stub and PostgreSQL. closeAll() waits a
// bounded time for parts still starting; one that comes up later still is
// stopped the moment it is up (PostgreSQL can take seconds to finish starting
// after a Ctrl-C, and must not be left running).
const { DemoError } = require('./preflight');

/** How long closeAll() waits for things still starting before it stops the rest. */
const SETTLE_MS = 5000;

/** Resolves after `ms`, without keeping the process alive. */
function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Rejects with DemoError('interrupted') once `signal` aborts; never settles without one. */
function whenAborted(signal) {
  return new Promise((resolve, reject) => {
    if (signal === undefined) return;
    const abort = () => reject(new DemoError('interrupted: everything was stopped'));
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
}

/** A registry of running parts, with abortable waits. */
class Resources {
  constructor(signal) {
    this.signal = signal;
    this.aborted = whenAborted(signal);
    this.aborted.catch(() => undefined);
    this.tiers = [[], []];
    this.starting = [];
    this.closing = false;
  }

  /** Resolves like `promise`, or rejects as soon as the scenario is interrupted. */
  guard(promise) {
    promise.catch(() => undefined);
    return Promise.race([promise, this.aborted]);
  }

  /** Registers `stop(result)` for when `promise` resolves; tier 0 stops before tier 1. */
  track(promise, stop, tier = 1) {
    const started = promise.then((result) => {
      if (this.closing) Promise.resolve().then(() => stop(result)).catch(() => undefined);
      else this.tiers[tier].push(() => stop(result));
      return result;
    });
    this.starting.push(started.catch(() => undefined));
    return this.guard(started);
  }

  /** Stops everything, tier by tier, each part in parallel; never rejects. */
  async closeAll() {
    await Promise.race([Promise.all(this.starting), delay(SETTLE_MS)]);
    this.closing = true;
    for (const tier of this.tiers) {
      const stops = tier.splice(0);
      await Promise.all(stops.map((stop) => Promise.resolve().then(stop).catch(() => undefined)));
    }
  }
}

module.exports = { Resources, delay };
