// SPANWISE_HTTP_IGNORE_PATHS: incoming requests whose url.path matches produce no
// spans at all. Entries are exact paths (`/health`) or globs where `*` matches
// any run of characters, `/` included (`/internal/*`, `*.ico`).

/** True when a request path is ignored. */
export type PathMatcher = (path: string) => boolean;

/** Builds the matcher for the configured patterns; undefined when there are none. */
export function createPathMatcher(patterns: readonly string[]): PathMatcher | undefined {
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  for (const p of patterns) {
    if (typeof p !== 'string' || p === '') continue;
    if (p.indexOf('*') === -1) exact.add(p);
    else globs.push(globToRegExp(p));
  }
  if (exact.size === 0 && globs.length === 0) return undefined;
  return (path) => {
    if (exact.has(path)) return true;
    for (let i = 0; i < globs.length; i++) if (globs[i].test(path)) return true;
    return false;
  };
}

function globToRegExp(glob: string): RegExp {
  // Runs of stars collapse to one, so a pattern cannot build a backtracking-heavy expression.
  const parts = glob.replace(/\*+/g, '*').split('*');
  const escaped = parts.map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  // `s`: `.` also crosses line breaks, so nothing slips past a pattern.
  return new RegExp('^' + escaped.join('.*') + '$', 's');
}
