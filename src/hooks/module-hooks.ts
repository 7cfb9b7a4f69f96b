// Installs the module hooks for a list of instrumentations: require-in-the-middle
// for CommonJS (including files inside packages, which is how CommonJS packages
// imported from ES modules are reached too), import-in-the-middle for targets
// that need an ES module namespace, and an immediate patch for built-ins. Each
// target's patch code runs only when its module is first loaded, once per
// exports object.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import type { Instrumentation, ModuleTarget } from '../../instrumentations/types';
import { disableAfterError, isActive } from '../guard';
import { log } from '../log';
import { patchBuiltinsOnLoad } from './builtin-hooks';
import { versionSatisfies } from './version-range';

interface Entry {
  readonly instrumentation: Instrumentation;
  readonly target: ModuleTarget;
}

const patchedExports = new WeakMap<object, Set<ModuleTarget>>();
const subscribed = new Set<string>();

function isBuiltin(name: string): boolean {
  return builtinModules.includes(name.replace(/^node:/, ''));
}

function readVersion(baseDir: string | undefined): string | undefined {
  if (baseDir === undefined) return process.versions.node;
  try {
    return JSON.parse(readFileSync(join(baseDir, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** Runs one target's patch on `exports`, once, if the version is supported. Never throws. */
function applyPatch(entry: Entry, exports: unknown, baseDir: string | undefined): void {
  const { instrumentation, target } = entry;
  if (exports === null || (typeof exports !== 'object' && typeof exports !== 'function')) return;
  if (!isActive(instrumentation.name)) return;
  let done = patchedExports.get(exports);
  if (done?.has(target)) return;
  const version = readVersion(baseDir);
  const where = hookName(target);
  // Built-ins (no baseDir) follow the Node version, which the preload has checked.
  if (version === undefined || (baseDir !== undefined && !versionSatisfies(version, target.versions))) {
    log.debug(`${where} ${version ?? '(unknown version)'} is outside the supported range ${target.versions}; not patched`);
    return;
  }
  try {
    subscribeOnce(instrumentation);
    target.load()(exports, version);
    if (done === undefined) patchedExports.set(exports, (done = new Set()));
    done.add(target);
    log.debug(`patched ${where} ${version} for the ${instrumentation.name} instrumentation`);
  } catch (err) {
    disableAfterError(instrumentation.name, err);
  }
}

function subscribeOnce(instrumentation: Instrumentation): void {
  if (subscribed.has(instrumentation.name)) return;
  subscribed.add(instrumentation.name);
  try {
    instrumentation.subscribe();
  } catch (err) {
    disableAfterError(instrumentation.name, err);
  }
}

/** The name require-in-the-middle reports for a target: `pkg` or `pkg/lib/file.js`. */
function hookName(target: ModuleTarget): string {
  return target.file ? `${target.module}/${target.file}` : target.module;
}

/**
 * Installs every hook for `instrumentations`. Returns the package names that
 * need the ESM loader (targets marked `esm`), for its allow-list.
 */
export function installModuleHooks(instrumentations: readonly Instrumentation[]): string[] {
  const byName = new Map<string, Entry[]>();
  const packages = new Set<string>();
  const esmPackages = new Set<string>();
  const builtins: Entry[] = [];
  for (const instrumentation of instrumentations) {
    // An instrumentation with no targets only listens (fetch: undici publishes its own channels).
    if (instrumentation.targets.length === 0) subscribeOnce(instrumentation);
    for (const target of instrumentation.targets) {
      const entry = { instrumentation, target };
      if (isBuiltin(target.module)) {
        builtins.push(entry);
        continue;
      }
      packages.add(target.module);
      if (target.esm === true) esmPackages.add(target.module);
      const name = hookName(target);
      byName.set(name, [...(byName.get(name) ?? []), entry]);
    }
  }
  patchBuiltins(builtins);
  if (packages.size > 0) {
    hookCommonJs([...packages], byName);
    warnAlreadyLoaded([...packages]);
  }
  if (esmPackages.size > 0) hookEsm([...esmPackages], byName);
  return [...esmPackages];
}

/** Groups built-in targets by module, each patch going through applyPatch (once, guarded). */
function patchBuiltins(entries: readonly Entry[]): void {
  const byModule = new Map<string, Array<(exports: unknown) => void>>();
  for (const entry of entries) {
    const name = entry.target.module.replace(/^node:/, '');
    const patches = byModule.get(name) ?? [];
    patches.push((exports) => applyPatch(entry, exports, undefined));
    byModule.set(name, patches);
  }
  if (byModule.size > 0) patchBuiltinsOnLoad(byModule);
}

function hookCommonJs(packages: string[], byName: Map<string, Entry[]>): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Hook } = require('require-in-the-middle') as typeof import('require-in-the-middle');
  new Hook(packages, { internals: true }, (exports, name, baseDir) => {
    const entries = byName.get(name.replace(/\\/g, '/'));
    if (entries !== undefined) for (const entry of entries) applyPatch(entry, exports, baseDir);
    return exports;
  });
}

function hookEsm(packages: string[], byName: Map<string, Entry[]>): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const iitm = require('import-in-the-middle') as { Hook: new (m: string[], fn: (ns: any, name: string, baseDir?: string) => void) => unknown };
  new iitm.Hook(packages, (namespace, name, baseDir) => {
    const entries = byName.get(name);
    if (entries === undefined) return;
    // A CommonJS package imported from ESM: its exports object is the namespace's default.
    const exports = namespace.default ?? namespace;
    for (const entry of entries) applyPatch(entry, exports, baseDir);
  });
}

/** One warning, with the fix, for instrumented packages that were loaded before the agent. */
function warnAlreadyLoaded(packages: string[]): void {
  const loaded = new Set<string>();
  for (const file of Object.keys(require.cache)) {
    for (const pkg of packages) {
      if (file.includes(`/node_modules/${pkg}/`)) loaded.add(pkg);
    }
  }
  if (loaded.size > 0) {
    log.warn(`${[...loaded].join(', ')} loaded before spanwise and will not be traced; start the app with ` +
      '`node --import spanwise/register app.js` (or --require) so the agent loads first');
  }
}
