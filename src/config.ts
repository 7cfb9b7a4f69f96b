// The only reader of process.env. Every variable is read once, validated, and
// a bad value gets one warning naming the variable, the value and the default.
import { log, LOG_LEVELS, setLogLevel, type LogLevel } from './log';

/** Names of the instrumentations the agent ships, in load order. */
export const INSTRUMENTATION_NAMES = ['http', 'fetch', 'pg', 'express'] as const;
export type InstrumentationName = (typeof INSTRUMENTATION_NAMES)[number];

export const SAMPLER_NAMES = [
  'always_on', 'always_off', 'traceidratio',
  'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

export const PROPAGATOR_NAMES = ['tracecontext', 'baggage', 'b3', 'b3multi', 'none'] as const;
export const EXPORTER_NAMES = ['otlp', 'console', 'none'] as const;
export type ExporterName = (typeof EXPORTER_NAMES)[number];

/** Attribute, event and link limits, per the spec's SpanLimits. */
export interface SpanLimits {
  readonly attributeCountLimit: number;
  readonly attributeValueLengthLimit: number;
  readonly eventCountLimit: number;
  readonly linkCountLimit: number;
  readonly attributePerEventCountLimit: number;
  readonly attributePerLinkCountLimit: number;
}

/** Everything the agent is configured with, frozen. */
export interface Config {
  readonly disabled: boolean;
  readonly logLevel: LogLevel;
  readonly serviceName: string | undefined;
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly sampler: SamplerName;
  readonly samplerRatio: number;
  readonly propagators: readonly string[];
  readonly exporters: readonly ExporterName[];
  readonly otlp: {
    readonly url: string;
    readonly protocol: 'http/protobuf' | 'http/json';
    readonly headers: Readonly<Record<string, string>>;
    readonly timeoutMs: number;
    readonly compression: 'gzip' | 'none';
  };
  readonly bsp: {
    readonly scheduleDelayMs: number;
    readonly exportTimeoutMs: number;
    readonly maxQueueSize: number;
    readonly maxExportBatchSize: number;
  };
  readonly limits: SpanLimits;
  readonly instrumentations: readonly InstrumentationName[];
  readonly http: {
    readonly ignorePaths: readonly string[];
    readonly serverRequestHeaders: readonly string[];
    readonly serverResponseHeaders: readonly string[];
    readonly clientRequestHeaders: readonly string[];
    readonly clientResponseHeaders: readonly string[];
    readonly redactQueryKeys: readonly string[];
    /** OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS (upper-case method names); undefined: semconv's default list. */
    readonly knownMethods: readonly string[] | undefined;
  };
  readonly pg: {
    readonly connectSpans: boolean;
    readonly queryText: 'sanitized' | 'raw' | 'off';
    readonly requireParent: boolean;
  };
  readonly express: { readonly layers: 'all' | 'handlers' | 'none' };
}

type Env = Readonly<Record<string, string | undefined>>;

function warnBad(name: string, value: string, fallback: unknown, why = ''): void {
  log.warn(`invalid ${name}=${JSON.stringify(value)}${why ? ` (${why})` : ''}; using default ${JSON.stringify(fallback)}`);
}

function raw(env: Env, name: string): string | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const l = v.toLowerCase();
  if (l === 'true') return true;
  if (l === 'false') return false;
  warnBad(name, v, fallback, 'expected true or false');
  return fallback;
}

function int(env: Env, name: string, fallback: number, min = 0): number {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    warnBad(name, v, fallback, `expected an integer >= ${min}`);
    return fallback;
  }
  return n;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const l = v.toLowerCase() as T;
  if (allowed.includes(l)) return l;
  warnBad(name, v, fallback, `expected one of ${allowed.join(', ')}`);
  return fallback;
}

/** Splits a comma-separated list, trimming and dropping empty items. */
function list(env: Env, name: string): string[] | undefined {
  const v = raw(env, name);
  if (v === undefined) return undefined;
  return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function pickList<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: readonly T[]): T[] {
  const items = list(env, name);
  if (items === undefined) return [...fallback];
  const out: T[] = [];
  for (const item of items) {
    const l = item.toLowerCase() as T;
    if (allowed.includes(l)) {
      if (!out.includes(l)) out.push(l);
    } else {
      log.warn(`unknown value ${JSON.stringify(item)} in ${name} is ignored; valid values: ${allowed.join(', ')}`);
    }
  }
  return out;
}

/**
 * Parses a `key1=value1,key2=value2` list with percent-encoded values, as used by
 * OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS. Invalid members are
 * skipped with a warning; the spec asks to discard the whole value on error for
 * resource attributes, which we follow there (`strict`).
 */
export function parseKeyValueList(name: string, value: string | undefined, strict: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === undefined) return out;
  for (const member of value.split(',')) {
    if (member.trim() === '') continue;
    const eq = member.indexOf('=');
    let key = '';
    let val = '';
    let ok = eq > 0;
    if (ok) {
      key = member.slice(0, eq).trim();
      try {
        val = decodeURIComponent(member.slice(eq + 1).trim());
      } catch {
        ok = false;
      }
    }
    if (!ok || key === '') {
      log.warn(`invalid member ${JSON.stringify(member)} in ${name}${strict ? '; the whole value is ignored' : ' is ignored'}`);
      if (strict) return {};
      continue;
    }
    out[key] = val;
  }
  return out;
}

function ratio(env: Env, sampler: SamplerName): number {
  const v = raw(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (!sampler.endsWith('traceidratio')) return 1;
  if (v === undefined) return 1;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    warnBad('OTEL_TRACES_SAMPLER_ARG', v, 1, 'expected a number between 0 and 1');
    return 1;
  }
  return n;
}

/** Resolves the traces URL with the spec's rules: only the generic endpoint gets /v1/traces appended. */
function otlpUrl(env: Env): string {
  const specific = raw(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const generic = raw(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const fallback = 'http://localhost:4318/v1/traces';
  const valid = (name: string, u: string): boolean => {
    try {
      const p = new URL(u);
      if (p.protocol === 'http:' || p.protocol === 'https:') return true;
    } catch {
      // reported below
    }
    warnBad(name, u, fallback, 'expected an http:// or https:// URL');
    return false;
  };
  if (specific !== undefined && valid('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', specific)) return specific;
  if (generic !== undefined && valid('OTEL_EXPORTER_OTLP_ENDPOINT', generic)) {
    return generic.replace(/\/+$/, '') + '/v1/traces';
  }
  return fallback;
}

function otlpSetting(env: Env, suffix: string): [string, string | undefined] {
  const specific = `OTEL_EXPORTER_OTLP_TRACES_${suffix}`;
  if (raw(env, specific) !== undefined) return [specific, raw(env, specific)];
  const generic = `OTEL_EXPORTER_OTLP_${suffix}`;
  return [generic, raw(env, generic)];
}

function otlp(env: Env): Config['otlp'] {
  const [protoName, protoValue] = otlpSetting(env, 'PROTOCOL');
  let protocol: 'http/protobuf' | 'http/json' = 'http/protobuf';
  if (protoValue === 'http/json') protocol = 'http/json';
  else if (protoValue !== undefined && protoValue !== 'http/protobuf') {
    warnBad(protoName, protoValue, protocol, 'spanwise supports http/protobuf and http/json');
  }
  const [headersName, headersValue] = otlpSetting(env, 'HEADERS');
  const [timeoutName] = otlpSetting(env, 'TIMEOUT');
  const [compName] = otlpSetting(env, 'COMPRESSION');
  return {
    url: otlpUrl(env),
    protocol,
    headers: parseKeyValueList(headersName, headersValue, false),
    timeoutMs: int(env, timeoutName, 10_000, 1),
    compression: oneOf(env, compName, ['gzip', 'none'] as const, 'none'),
  };
}

function limits(env: Env): SpanLimits {
  const count = int(env, 'OTEL_ATTRIBUTE_COUNT_LIMIT', 128);
  const length = int(env, 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', Infinity);
  return {
    attributeCountLimit: int(env, 'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', count),
    attributeValueLengthLimit: int(env, 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', length),
    eventCountLimit: int(env, 'OTEL_SPAN_EVENT_COUNT_LIMIT', 128),
    linkCountLimit: int(env, 'OTEL_SPAN_LINK_COUNT_LIMIT', 128),
    attributePerEventCountLimit: int(env, 'OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT', count),
    attributePerLinkCountLimit: int(env, 'OTEL_LINK_ATTRIBUTE_COUNT_LIMIT', count),
  };
}

function instrumentations(env: Env): InstrumentationName[] {
  const enabled = pickList(env, 'OTEL_NODE_ENABLED_INSTRUMENTATIONS', INSTRUMENTATION_NAMES, INSTRUMENTATION_NAMES);
  const disabled = pickList(env, 'OTEL_NODE_DISABLED_INSTRUMENTATIONS', INSTRUMENTATION_NAMES, []);
  return enabled.filter((n) => !disabled.includes(n));
}

function lowerList(env: Env, name: string): string[] {
  return (list(env, name) ?? []).map((s) => s.toLowerCase());
}

function bsp(env: Env): Config['bsp'] {
  const maxQueueSize = int(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1);
  let maxExportBatchSize = int(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1);
  if (maxExportBatchSize > maxQueueSize) {
    // Spec: "Must be less than or equal to maxQueueSize".
    warnBad('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', String(maxExportBatchSize), maxQueueSize, 'larger than OTEL_BSP_MAX_QUEUE_SIZE');
    maxExportBatchSize = maxQueueSize;
  }
  return {
    scheduleDelayMs: int(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000),
    exportTimeoutMs: int(env, 'OTEL_BSP_EXPORT_TIMEOUT', 30_000, 1),
    maxQueueSize,
    maxExportBatchSize,
  };
}

/** Reads and validates the whole configuration from `env` (default: process.env). */
export function readConfig(env: Env = process.env): Config {
  const logLevel = oneOf(env, 'OTEL_LOG_LEVEL', LOG_LEVELS, 'warn');
  // Applied first so that the warnings about other variables honour it.
  setLogLevel(logLevel);
  const sampler = oneOf(env, 'OTEL_TRACES_SAMPLER', SAMPLER_NAMES, 'parentbased_always_on');
  const exporters = pickList(env, 'OTEL_TRACES_EXPORTER', EXPORTER_NAMES, ['otlp']);
  const config: Config = {
    disabled: bool(env, 'OTEL_SDK_DISABLED', false),
    logLevel,
    serviceName: raw(env, 'OTEL_SERVICE_NAME'),
    resourceAttributes: parseKeyValueList('OTEL_RESOURCE_ATTRIBUTES', raw(env, 'OTEL_RESOURCE_ATTRIBUTES'), true),
    sampler,
    samplerRatio: ratio(env, sampler),
    propagators: pickList(env, 'OTEL_PROPAGATORS', PROPAGATOR_NAMES, ['tracecontext', 'baggage']),
    exporters: exporters.includes('none') ? [] : exporters,
    otlp: otlp(env),
    bsp: bsp(env),
    limits: limits(env),
    instrumentations: instrumentations(env),
    http: {
      ignorePaths: list(env, 'SPANWISE_HTTP_IGNORE_PATHS') ?? [],
      serverRequestHeaders: lowerList(env, 'OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_REQUEST_HEADERS'),
      serverResponseHeaders: lowerList(env, 'OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_RESPONSE_HEADERS'),
      clientRequestHeaders: lowerList(env, 'OTEL_INSTRUMENTATION_HTTP_CLIENT_CAPTURE_REQUEST_HEADERS'),
      clientResponseHeaders: lowerList(env, 'OTEL_INSTRUMENTATION_HTTP_CLIENT_CAPTURE_RESPONSE_HEADERS'),
      redactQueryKeys: lowerList(env, 'SPANWISE_REDACT_QUERY_KEYS'),
      // HTTP semantic conventions: the known-methods list MUST be overridable, and it is a full override.
      knownMethods: list(env, 'OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS'),
    },
    pg: {
      connectSpans: bool(env, 'SPANWISE_PG_CONNECT_SPANS', true),
      queryText: oneOf(env, 'SPANWISE_PG_CAPTURE_QUERY_TEXT', ['sanitized', 'raw', 'off'] as const, 'sanitized'),
      requireParent: bool(env, 'SPANWISE_PG_REQUIRE_PARENT', false),
    },
    express: { layers: oneOf(env, 'SPANWISE_EXPRESS_LAYERS', ['all', 'handlers', 'none'] as const, 'all') },
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

let current: Config | undefined;

/** The process-wide configuration, read from process.env on first use. */
export function getConfig(): Config {
  if (current === undefined) current = readConfig();
  return current;
}
