// Built-in targets (http, https). Patching one means loading it, and https alone
// costs about 10 ms of start-up (tls and crypto come with it) in apps that may
// never use it. Where Node runs module hooks in-thread (module.registerHooks,
// Node 22.15+), a built-in is patched when the app first asks for it, by
// `require` or by `import`, before the caller gets it; elsewhere (Node 20) it is
// patched at start-up. Either way the patch is synced into the ESM facade
// (module.syncBuiltinESMExports), so default, named and namespace imports all
// see the wrapped functions.
import * as nodeModule from 'node:module';

type Patch = (exports: unknown) => void;

interface ResolveResult {
  url?: string;
}
type RegisterHooks = (hooks: {
  resolve(specifier: string, context: unknown, next: (s: string, c: unknown) => ResolveResult): ResolveResult;
}) => { deregister?(): void };

/** process.moduleLoadList (undocumented but stable since Node 0.x) names every built-in loaded so far. */
function isLoaded(name: string): boolean {
  const loaded = (process as unknown as { moduleLoadList?: readonly string[] }).moduleLoadList;
  return loaded === undefined || loaded.includes(`NativeModule ${name}`);
}

function patchNow(name: string, patches: readonly Patch[]): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exports: unknown = require(name);
  for (const patch of patches) patch(exports);
  nodeModule.syncBuiltinESMExports();
}

/** Patches each built-in (by name, without `node:`) now or on its first load. */
export function patchBuiltinsOnLoad(patchesByName: ReadonlyMap<string, readonly Patch[]>): void {
  const registerHooks = (nodeModule as unknown as { registerHooks?: RegisterHooks }).registerHooks;
  const pending = new Map<string, readonly Patch[]>();
  for (const [name, patches] of patchesByName) {
    if (registerHooks === undefined || isLoaded(name)) patchNow(name, patches);
    else pending.set(name, patches);
  }
  if (pending.size === 0 || registerHooks === undefined) return;
  const handle = registerHooks({
    resolve(specifier, context, next) {
      const resolved = next(specifier, context);
      const url = resolved?.url;
      if (pending.size > 0 && typeof url === 'string' && url.startsWith('node:')) {
        const name = url.slice(5);
        const patches = pending.get(name);
        if (patches !== undefined) {
          pending.delete(name);
          patchNow(name, patches);
          if (pending.size === 0) handle.deregister?.();
        }
      }
      return resolved;
    },
  });
}
