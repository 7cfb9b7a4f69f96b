// The contract between the preload and each instrumentation. An instrumentation
// is a plain descriptor: which modules to hook, which versions, and two lazily
// loaded halves: the patch (publishes facts) and the span builder (subscribes).
import type { InstrumentationName } from '../src/config';

/** One module (or file inside a package) that an instrumentation patches. */
export interface ModuleTarget {
  /** Package or built-in name, e.g. `pg`, `http`, `express`. */
  readonly module: string;
  /** A file inside the package, e.g. `lib/router/layer.js`; omitted for the main export. */
  readonly file?: string;
  /** Supported versions of the package (semver range); built-ins use the Node version. */
  readonly versions: string;
  /**
   * True when the patch must see an ES module's namespace (an ESM-only package, or
   * a patch that replaces an export rather than a prototype method). Only then is
   * import-in-the-middle's loader registered. A CommonJS package reached through
   * `import` needs no loader: its files are still loaded by `require`, where the
   * CommonJS hook sees them, and prototype patches are shared by every import form.
   */
  readonly esm?: boolean;
  /** Loads the patch function only when the module is first loaded (keeps start-up fast). */
  readonly load: () => (exports: any, version: string) => void;
}

/** An instrumentation as listed in instrumentations/index.ts. */
export interface Instrumentation {
  readonly name: InstrumentationName;
  readonly targets: readonly ModuleTarget[];
  /** Loads and starts the span builder; called once, before the first patch runs. */
  readonly subscribe: () => void;
}
