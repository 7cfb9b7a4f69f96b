// An immutable @opentelemetry/api Context stored as a chain of entries: setValue
// adds one small object in front of its parent instead of copying a Map.
//
// Why not the API's BaseContext: each one copies its parent's Map and allocates
// three closures, and every request makes several contexts (extracted parent,
// span, server-span info), so on the server hot path that was a measurable
// share of the agent's cost (CPU profile of the node:http bench, Node 24).
// Lookups walk the chain; the keys read on hot paths (the active span, the
// suppression flag) sit near the head. A chain that grows past MAX_DEPTH is
// flattened into one Map so no lookup walks far and no chain grows without end.
import type { Context } from '@opentelemetry/api';

const MAX_DEPTH = 16;
/** Marks a key removed by deleteValue, so an older entry further down is hidden. */
const DELETED = Symbol('spanwise.context.deleted');

/** A Context that is one entry on top of a parent chain, or a flat Map at its base. */
export class ChainContext implements Context {
  private constructor(
    private readonly parent: ChainContext | undefined,
    private readonly key: symbol | undefined,
    private readonly value: unknown,
    private readonly depth: number,
    /** The flattened entries below this one, for a chain's base. */
    private readonly flat: ReadonlyMap<symbol, unknown> | undefined,
  ) {}

  /** The empty context. */
  static root(): ChainContext {
    return new ChainContext(undefined, undefined, undefined, 0, undefined);
  }

  getValue(key: symbol): unknown {
    let node: ChainContext | undefined = this;
    while (node !== undefined) {
      if (node.key === key) return node.value === DELETED ? undefined : node.value;
      if (node.flat !== undefined) {
        const value = node.flat.get(key);
        return value === DELETED ? undefined : value;
      }
      node = node.parent;
    }
    return undefined;
  }

  setValue(key: symbol, value: unknown): Context {
    if (this.depth < MAX_DEPTH) return new ChainContext(this, key, value, this.depth + 1, undefined);
    const flat = this.entries();
    flat.set(key, value);
    return new ChainContext(undefined, undefined, undefined, 0, flat);
  }

  deleteValue(key: symbol): Context {
    if (this.getValue(key) === undefined) return this;
    return this.setValue(key, DELETED);
  }

  /** Every live entry, newest winning, as a new Map. */
  private entries(): Map<symbol, unknown> {
    const nodes: ChainContext[] = [];
    let node: ChainContext | undefined = this;
    while (node !== undefined) {
      nodes.push(node);
      if (node.flat !== undefined) break;
      node = node.parent;
    }
    const out = new Map<symbol, unknown>();
    for (let i = nodes.length - 1; i >= 0; i--) {
      const n = nodes[i];
      if (n.flat !== undefined) for (const [k, v] of n.flat) out.set(k, v);
      if (n.key !== undefined) out.set(n.key, n.value);
    }
    for (const [k, v] of out) if (v === DELETED) out.delete(k);
    return out;
  }
}

/** The root of every context the agent creates. */
export const CHAIN_ROOT: Context = ChainContext.root();
