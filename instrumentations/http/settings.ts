// What the http span builders need from the agent and its configuration, read
// once when the instrumentation subscribes (config is frozen at start-up).
import type { Tracer } from '@opentelemetry/api';
import type { Agent } from '../../src/agent';
import { createHeaderCapture, REQUEST_HEADER_PREFIX, RESPONSE_HEADER_PREFIX, type HeaderCapture } from './headers';
import { createPathMatcher, type PathMatcher } from './ignore-paths';
import { methodNormalizerFor, type MethodNormalizer } from './semconv';
import { createQueryRedactor, type QueryRedactor } from './url';

/** The agent's pieces and the parsed `http` configuration section. */
export interface HttpSettings {
  readonly agent: Agent;
  readonly tracer: Tracer;
  readonly normalizeMethod: MethodNormalizer;
  readonly redactQuery: QueryRedactor;
  /** SPANWISE_HTTP_IGNORE_PATHS; undefined when nothing is ignored. */
  readonly ignorePath: PathMatcher | undefined;
  readonly serverRequestHeaders: HeaderCapture | undefined;
  readonly serverResponseHeaders: HeaderCapture | undefined;
  readonly clientRequestHeaders: HeaderCapture | undefined;
  readonly clientResponseHeaders: HeaderCapture | undefined;
}

/** Builds the settings from a running agent. */
export function createHttpSettings(agent: Agent): HttpSettings {
  const http = agent.config.http;
  return {
    agent,
    tracer: agent.tracer('http'),
    normalizeMethod: methodNormalizerFor(http.knownMethods),
    redactQuery: createQueryRedactor(http.redactQueryKeys),
    ignorePath: createPathMatcher(http.ignorePaths),
    serverRequestHeaders: createHeaderCapture(REQUEST_HEADER_PREFIX, http.serverRequestHeaders),
    serverResponseHeaders: createHeaderCapture(RESPONSE_HEADER_PREFIX, http.serverResponseHeaders),
    clientRequestHeaders: createHeaderCapture(REQUEST_HEADER_PREFIX, http.clientRequestHeaders),
    clientResponseHeaders: createHeaderCapture(RESPONSE_HEADER_PREFIX, http.clientResponseHeaders),
  };
}
