// What register.js runs: start the agent from the environment, then install the
// module hooks before the app's first import. Never throws: a failure leaves
// the app running untraced, with one error line saying why.
import { register as registerLoader } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { INSTRUMENTATIONS } from '../instrumentations';
import { startAgent } from './agent';
import { getConfig, type Config } from './config';
import { installModuleHooks } from './hooks/module-hooks';
import { versionSatisfies } from './hooks/version-range';
import { log, logEnabled } from './log';

/** The oldest Node spanwise supports (module.register needs 20.6). */
export const SUPPORTED_NODE = '>=20.6.0';
const PRELOADED = Symbol.for('spanwise.preloaded');
type GlobalWithFlag = typeof globalThis & { [PRELOADED]?: boolean };

/** Starts spanwise as a preload. Safe to call more than once (`--require` plus `--import`). */
export function preload(): void {
  const g = globalThis as GlobalWithFlag;
  // Node also runs --require preloads inside its module-loader thread; the agent
  // belongs to the app's main thread only (worker threads run untraced).
  if (g[PRELOADED] || !isMainThread) return;
  g[PRELOADED] = true;
  try {
    if (!versionSatisfies(process.versions.node, SUPPORTED_NODE)) {
      log.warn(`Node ${process.versions.node} is not supported (needs ${SUPPORTED_NODE}); the app runs without tracing`);
      return;
    }
    const config = getConfig();
    if (config.disabled) return;
    if (startAgent(config) === undefined) return;
    const enabled = INSTRUMENTATIONS.filter((i) => config.instrumentations.includes(i.name));
    const packages = installModuleHooks(enabled);
    registerEsmLoader(packages);
    if (logEnabled('debug')) logStartup(config, enabled.map((i) => i.name));
  } catch (err) {
    log.error('spanwise failed to start; the app runs without tracing', err);
  }
}

/**
 * Registers import-in-the-middle for the instrumented packages only, so every
 * other ES module loads untouched. The allow-list goes with the registration
 * itself, so the loader knows it before the app's first import; no message
 * channel has to be awaited. Where Node runs loader hooks in-thread
 * (module.registerHooks, fixed in 22.22.3/24.11.1), that path is used instead.
 */
function registerEsmLoader(packages: string[]): void {
  if (packages.length === 0) return;
  if (hasWorkingSyncHooks()) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sync = require('import-in-the-middle/register-hooks.mjs') as { register(o: { include: string[] }): void };
    sync.register({ include: packages });
    return;
  }
  registerLoader('import-in-the-middle/hook.mjs', pathToFileURL(__filename), { data: { include: packages } });
}

/** module.registerHooks exists from 22.15/24.0 but runs import-in-the-middle correctly only from nodejs/node#59929. */
const SYNC_HOOK_RANGES = ['>=22.22.3 <23.0.0', '>=24.11.1 <25.0.0', '>=25.1.0'];

function hasWorkingSyncHooks(): boolean {
  if (typeof (require('node:module') as { registerHooks?: unknown }).registerHooks !== 'function') return false;
  return SYNC_HOOK_RANGES.some((range) => versionSatisfies(process.versions.node, range));
}

function logStartup(config: Config, enabled: string[]): void {
  const { otlp, ...rest } = config;
  const safeOtlp = { ...otlp, headers: Object.keys(otlp.headers) };
  log.debug(`effective configuration: ${JSON.stringify({ ...rest, otlp: safeOtlp })}`);
  log.debug(`instrumentations enabled: ${enabled.join(', ') || 'none'}`);
}
