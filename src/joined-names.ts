// Strings joined from two parts and kept for reuse: span names (`GET /orders/:id`,
// `request handler - /orders/:id`) and a fetch's url.full (origin and path). A
// route names its spans the same way on every request, and an app calls the same
// URLs again and again; one kept flat string spares a concatenation (and any
// finishing step, such as redaction) per span, and its flattening when the
// encoder reads it (about 200 instructions each, callgrind, Node 24). The encoder
// also finds the same string object as last time, which it compares at once.

export interface JoinedNamesOptions {
  /** Applied once to each joined string before it is kept (redaction, say). */
  readonly finish?: (joined: string) => string;
  /** Heads kept at most; past it the cache starts afresh. Default 64. */
  readonly maxHeads?: number;
  /** Tails kept per head at most. Default 1024. */
  readonly maxTails?: number;
  /** Longer tails are joined every time, never kept. Default: no limit. */
  readonly maxTailLength?: number;
}

/**
 * The tails of one head. A head whose tails fill the map twice (ids in URL
 * paths, say) stops keeping them: its joins are made every time, as they
 * would be without a cache, rather than churning kept strings through the GC.
 */
interface Tails {
  readonly joined: Map<string, string>;
  fills: number;
}

const GIVE_UP_AFTER_FILLS = 2;

/** `finish(head + separator + tail)`, from a bounded cache keyed by head and tail. */
export class JoinedNames {
  private readonly byHead = new Map<string, Tails>();
  private readonly finish: ((joined: string) => string) | undefined;
  private readonly maxHeads: number;
  private readonly maxTails: number;
  private readonly maxTailLength: number;

  constructor(private readonly separator: string, options: JoinedNamesOptions = {}) {
    this.finish = options.finish;
    this.maxHeads = options.maxHeads ?? 64;
    this.maxTails = options.maxTails ?? 1024;
    this.maxTailLength = options.maxTailLength ?? Infinity;
  }

  join(head: string, tail: string): string {
    if (tail.length > this.maxTailLength) return this.make(head, tail);
    let tails = this.byHead.get(head);
    if (tails === undefined) {
      // A process that makes heads without end gets a fresh cache, not an unbounded one.
      if (this.byHead.size >= this.maxHeads) this.byHead.clear();
      tails = { joined: new Map(), fills: 0 };
      this.byHead.set(head, tails);
    }
    if (tails.fills >= GIVE_UP_AFTER_FILLS) return this.make(head, tail);
    let joined = tails.joined.get(tail);
    if (joined === undefined) {
      if (tails.joined.size >= this.maxTails) {
        tails.joined.clear();
        if (++tails.fills >= GIVE_UP_AFTER_FILLS) return this.make(head, tail);
      }
      joined = this.make(head, tail);
      tails.joined.set(tail, joined);
    }
    return joined;
  }

  private make(head: string, tail: string): string {
    const joined = head + this.separator + tail;
    return this.finish === undefined ? joined : this.finish(joined);
  }
}
