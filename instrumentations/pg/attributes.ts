// The database semantic conventions (stable, v1.33+) as pg spans use them:
// attribute names, the connection attributes read from a pg Client or a pg-pool
// Pool's options, and the error attributes of a failed operation.
import { SpanStatusCode, type Attributes, type Exception, type Span } from '@opentelemetry/api';
import { giveAttributes } from '../../src/span';
import type { PgClientFields, PgPoolFields } from './channels';

/** Attribute names of database client spans. */
export const ATTR = {
  system: 'db.system.name',
  namespace: 'db.namespace',
  operation: 'db.operation.name',
  collection: 'db.collection.name',
  queryText: 'db.query.text',
  statusCode: 'db.response.status_code',
  errorType: 'error.type',
  serverAddress: 'server.address',
  serverPort: 'server.port',
} as const;

/** `db.system.name` of PostgreSQL, and the span name fallback. */
export const POSTGRESQL = 'postgresql';

/** db.system.name, db.namespace, server.address and server.port from a pg Client's public fields, as a fresh object. */
export function connectionAttributes(client: PgClientFields | undefined): Attributes {
  const attributes: Attributes = { [ATTR.system]: POSTGRESQL };
  if (client === undefined || client === null) return attributes;
  if (typeof client.database === 'string' && client.database !== '') attributes[ATTR.namespace] = client.database;
  if (typeof client.host === 'string' && client.host !== '') attributes[ATTR.serverAddress] = client.host;
  const port = typeof client.port === 'string' ? Number(client.port) : client.port;
  if (typeof port === 'number' && Number.isInteger(port) && port > 0) attributes[ATTR.serverPort] = port;
  return attributes;
}

/** Sets the connection attributes (connectionAttributes) on a span that has none yet. */
export function setConnectionAttributes(span: Span, client: PgClientFields | undefined): void {
  giveAttributes(span, connectionAttributes(client));
}

/** The connection fields a Pool was configured with: explicit options first, else its connection string. */
export function poolConnectionFields(pool: PgPoolFields | undefined): PgClientFields | undefined {
  const options = pool?.options;
  if (options === null || typeof options !== 'object') return undefined;
  const fromUrl = typeof options.connectionString === 'string' ? parseConnectionString(options.connectionString) : undefined;
  return {
    database: options.database ?? fromUrl?.database,
    host: options.host ?? fromUrl?.host,
    port: options.port ?? fromUrl?.port,
  };
}

function parseConnectionString(value: string): PgClientFields | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return undefined;
    return {
      database: url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : undefined,
      host: url.hostname !== '' ? decodeURIComponent(url.hostname) : undefined,
      port: url.port !== '' ? Number(url.port) : undefined,
    };
  } catch {
    return undefined;
  }
}

/** A PostgreSQL SQLSTATE: five digits or upper-case letters (PostgreSQL docs, Appendix A). */
function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * error.type: the SQLSTATE when the server sent one ("SHOULD match the
 * db.response.status_code"), else a system error code (ECONNREFUSED), else the
 * error's class name, else `_OTHER`.
 */
function errorType(err: unknown, state: string | undefined): string {
  if (state !== undefined) return state;
  if (err === null || typeof err !== 'object') return '_OTHER';
  const e = err as { code?: unknown; name?: unknown; constructor?: { name?: unknown } };
  if (typeof e.code === 'string' && e.code !== '') return e.code;
  const ctor = e.constructor?.name;
  if (typeof ctor === 'string' && ctor !== '' && ctor !== 'Object') return ctor;
  return typeof e.name === 'string' && e.name !== '' ? e.name : '_OTHER';
}

/** Records a failure: the exception event, db.response.status_code, error.type and status ERROR. */
export function recordFailure(span: Span, err: unknown): void {
  span.recordException(err as Exception);
  const state = sqlState(err);
  if (state !== undefined) span.setAttribute(ATTR.statusCode, state);
  span.setAttribute(ATTR.errorType, errorType(err, state));
  const message = (err as { message?: unknown } | null)?.message;
  span.setStatus(typeof message === 'string' ? { code: SpanStatusCode.ERROR, message } : { code: SpanStatusCode.ERROR });
}
