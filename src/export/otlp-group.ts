// The nesting OTLP wants: ResourceSpans, then ScopeSpans, then Span. Resources
// are told apart by object identity (the SDK shares one resource object per
// process); scopes by name and version, since each tracer may hold its own object.
import type { FinishedSpan, InstrumentationScope, ResourceData } from '../span-data';

/** Spans of one instrumentation scope, in input order. */
export interface ScopeGroup {
  readonly scope: InstrumentationScope;
  readonly spans: FinishedSpan[];
}

/** Spans of one resource, by scope, in order of first appearance. */
export interface ResourceGroup {
  readonly resource: ResourceData;
  readonly scopes: ScopeGroup[];
}

/** Whether two scopes are the same instrumentation scope (name and version). */
export function sameScope(a: InstrumentationScope, b: InstrumentationScope): boolean {
  return a === b || (a.name === b.name && (a.version || '') === (b.version || ''));
}

function findScope(group: ResourceGroup, scope: InstrumentationScope): ScopeGroup {
  const scopes = group.scopes;
  for (let i = 0; i < scopes.length; i++) {
    if (sameScope(scopes[i].scope, scope)) return scopes[i];
  }
  const created: ScopeGroup = { scope, spans: [] };
  scopes.push(created);
  return created;
}

/** Groups spans by resource (identity), then scope (name + version), keeping input order. */
export function groupSpans(spans: readonly FinishedSpan[]): ResourceGroup[] {
  const groups: ResourceGroup[] = [];
  let lastResource: ResourceGroup | undefined;
  let lastScope: ScopeGroup | undefined;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i];
    // Batches nearly always hold one resource and a few scopes in runs: check the last one first.
    if (lastResource === undefined || lastResource.resource !== span.resource) {
      lastResource = undefined;
      for (let g = 0; g < groups.length; g++) {
        if (groups[g].resource === span.resource) lastResource = groups[g];
      }
      if (lastResource === undefined) {
        lastResource = { resource: span.resource, scopes: [] };
        groups.push(lastResource);
      }
      lastScope = undefined;
    }
    if (lastScope === undefined || !sameScope(lastScope.scope, span.scope)) {
      lastScope = findScope(lastResource, span.scope);
    }
    lastScope.spans.push(span);
  }
  return groups;
}
