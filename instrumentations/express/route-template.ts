// Route templates as the app declared them. `http.route` is "the matched route,
// that is, the path template in the format used by the respective server
// framework" (HTTP semantic conventions), so paths are kept as written: strings
// verbatim, regular expressions by their source text, arrays joined by ','
// (the spelling OpenTelemetry's express instrumentation uses, so existing
// dashboards keep matching).

/** The declared path of a layer as text; '' when the argument is not a path. */
export function formatPath(path: unknown): string {
  if (typeof path === 'string') return path;
  if (path instanceof RegExp) return path.toString();
  if (typeof path === 'number') return String(path);
  if (!Array.isArray(path)) return '';
  let out = '';
  for (let i = 0; i < path.length; i++) {
    if (i > 0) out += ',';
    out += formatPath(path[i]);
  }
  return out;
}

/**
 * Appends a declared path to the mount-path prefix. '/' adds nothing (a router
 * mounted at '/' does not change the template), and a doubled slash at the
 * seam (`/api/` + `/x`) is written once.
 */
export function joinRoute(prefix: string, path: string): string {
  if (path === '' || path === '/') return prefix;
  if (prefix === '') return path;
  if (prefix.charCodeAt(prefix.length - 1) === 47 && path.charCodeAt(0) === 47) return prefix + path.slice(1);
  return prefix + path;
}
