// What the hook reads from a query: its text and whether it is a submittable, and,
// for the promise form, the Query object pg created and queued inside
// client.query. That object is not returned (the promise is), so it is taken
// from the client's queue right after the call. The queue fields are private to
// pg: `_queryQueue`, `_sentQueryQueue` (pipeline mode) and `_activeQuery` in
// recent 8.x, `queryQueue` and `activeQuery` in early 8.x (whose renamed forms
// now warn when read, so the new names are tried first). The lowest and newest
// supported versions are tested (test/integration/pg.test.js).

/** The part of pg's submittable contract (and of pg's Query) the hook uses. */
export interface Submittable {
  submit?: unknown;
  text?: unknown;
  callback?: (this: unknown, ...args: any[]) => any;
  handleError?: (this: unknown, ...args: any[]) => any;
  handleReadyForQuery?: (this: unknown, ...args: any[]) => any;
  /** pg-query-stream keeps the text on its pg-cursor. */
  cursor?: { text?: unknown };
}

/** The message fields that describe a query, from client.query's first argument. */
export interface QueryFields {
  readonly text: string | undefined;
  readonly submittable: boolean;
}

const TRACED = Symbol('spanwise.pg.traced');

/** Reads the text and kind of a query argument: a string, a config object or a submittable. */
export function queryFields(config: unknown): QueryFields {
  if (typeof config === 'string') return { text: config, submittable: false };
  if (config === null || typeof config !== 'object') return { text: undefined, submittable: false };
  const q = config as Submittable;
  let text = typeof q.text === 'string' ? q.text : undefined;
  if (text === undefined && q.cursor !== null && typeof q.cursor === 'object' && typeof q.cursor.text === 'string') {
    text = q.cursor.text;
  }
  return { text, submittable: typeof q.submit === 'function' };
}

/** Marks a query object as watched, so the queue lookup never takes it for a later query. */
export function markTraced(query: Submittable): void {
  (query as { [TRACED]?: true })[TRACED] = true;
}

type ClientQueues = {
  _queryQueue?: unknown;
  _sentQueryQueue?: unknown;
  _activeQuery?: unknown;
  queryQueue?: unknown;
  activeQuery?: unknown;
};

function last(queue: unknown): unknown {
  return Array.isArray(queue) && queue.length > 0 ? queue[queue.length - 1] : undefined;
}

/**
 * The Query pg just created for `text`: the newest in the queue, else the newest
 * sent (pipeline), else the active one (sent at once). Undefined when pg refused
 * the query without queueing it, or when what is there is not ours.
 */
export function findQueuedQuery(client: unknown, text: string | undefined): Submittable | undefined {
  if (client === null || typeof client !== 'object') return undefined;
  const c = client as ClientQueues;
  const modern = '_queryQueue' in c;
  const found = last(modern ? c._queryQueue : c.queryQueue) ??
    (modern ? last(c._sentQueryQueue) ?? c._activeQuery : c.activeQuery);
  if (found === null || typeof found !== 'object') return undefined;
  const q = found as Submittable & { [TRACED]?: true };
  if (q[TRACED] === true || q.text !== text) return undefined;
  return q;
}
